package wire

// Explanation is the answer of POST api/apps/{appId}/jobs/{jobId}/explain (API.md § Explain).
type Explanation struct {
	// Text is the assistant's answer, plain text, at most 64 KiB; Cut says it was longer.
	Text string `json:"text"`
	Cut  bool   `json:"cut"`
}
