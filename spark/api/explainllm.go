package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sparkmonitor/sparkmonitor-go/spark/api/wire"
)

// ExplainConfig is the explain section in use (config.ExplainSettings): where failure cards are sent to be
// explained. Safe to copy.
type ExplainConfig struct {
	// URL is the OpenAI-compatible API's base URL (no trailing slash); the request goes to URL + "/chat/completions".
	URL, Model string
	// APIKey returns the key sent as "Authorization: Bearer"; nil or "" sends none. It is called once per request.
	APIKey func() (string, error)
	// Timeout bounds one request, the answer included.
	Timeout time.Duration
	// MaxCardBytes bounds the user message (the card's text; the traces are cut to fit). MaxAnswerBytes bounds the
	// answer's text returned (longer is cut).
	MaxCardBytes, MaxAnswerBytes int
}

// maxResponseBytes bounds the endpoint's whole HTTP answer read (the JSON around the text).
const maxResponseBytes = 1 << 20

// explainSystemPrompt is the system message of every request.
const explainSystemPrompt = "You help a data scientist understand why an Apache Spark job run from a Jupyter " +
	"notebook cell failed. You get the monitor's failure card: its category, the exception, the cell's line, the " +
	"stage, the task's attempts and the error traces. Explain in plain words, in a few short paragraphs of plain " +
	"text (no Markdown, no HTML), what most likely went wrong and how to fix it in the notebook."

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model    string        `json:"model"`
	Messages []chatMessage `json:"messages"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// cardText is the user message: exactly the card's fields (no host, no task id, no data, no Spark configuration),
// one per line, then its traces, the executor's host name in them replaced by "<host>", cut so that the whole is
// at most maxBytes.
func cardText(c *wire.FailureCard, maxBytes int) string {
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Category", c.Category)
	line("Title", c.Title)
	line("Exception class", c.ExceptionClass)
	line("Message", c.Message)
	if c.Line != nil {
		l := strconv.Itoa(*c.Line)
		if c.LineText != "" {
			l += ": " + c.LineText
		}
		line("Cell line", l)
	}
	if c.StageID != nil {
		st := strconv.Itoa(*c.StageID)
		if c.StageAttemptID != nil {
			st += " (attempt " + strconv.Itoa(*c.StageAttemptID) + ")"
		}
		line("Stage", st)
	}
	line("Task attempts", strconv.Itoa(c.Attempts))
	line("Executor", c.ExecutorID)
	line("Suggested fix", c.Fix)
	head := cut(b.String(), maxBytes)
	b.Reset()
	b.WriteString(head)
	for i, t := range c.Traces {
		label := fmt.Sprintf("Trace %d:\n", i+1)
		left := maxBytes - b.Len() - len(label) - 1
		if left <= 0 {
			break
		}
		if c.Host != "" {
			t = strings.ReplaceAll(t, c.Host, "<host>")
		}
		b.WriteString(label + cut(t, left) + "\n")
	}
	return b.String()
}

// cut returns s cut to at most n bytes at a rune boundary.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// explainError is a failed explanation: its HTTP status, envelope errorType and message (never the key).
type explainError struct {
	code      int
	errorType string
	msg       string
}

func (e *explainError) Error() string { return e.msg }

// askLLM sends the card to the endpoint and returns the assistant's text, cut to MaxAnswerBytes (cut true).
func askLLM(ctx context.Context, client *http.Client, c ExplainConfig, card *wire.FailureCard) (text string, cutOff bool, err error) {
	key := ""
	if c.APIKey != nil {
		if key, err = c.APIKey(); err != nil {
			return "", false, &explainError{http.StatusServiceUnavailable, "unavailable", "explain: " + err.Error()}
		}
	}
	body, err := json.Marshal(chatRequest{Model: c.Model, Messages: []chatMessage{
		{Role: "system", Content: explainSystemPrompt},
		{Role: "user", Content: cardText(card, c.MaxCardBytes)},
	}})
	if err != nil {
		return "", false, err
	}
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", false, &explainError{http.StatusServiceUnavailable, "unavailable", "explain: bad endpoint URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", false, redact(transportError(ctx, c, err), key)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	switch {
	case err != nil:
		return "", false, redact(transportError(ctx, c, err), key)
	case len(raw) > maxResponseBytes:
		return "", false, &explainError{http.StatusBadGateway, "unavailable",
			fmt.Sprintf("the explain endpoint's answer is larger than %d bytes", maxResponseBytes)}
	}
	var cr chatResponse
	jerr := json.Unmarshal(raw, &cr)
	if resp.StatusCode/100 != 2 {
		msg := fmt.Sprintf("the explain endpoint answered %s", resp.Status)
		if jerr == nil && cr.Error != nil && cr.Error.Message != "" {
			msg += ": " + cut(cr.Error.Message, 500)
		}
		return "", false, redact(&explainError{http.StatusBadGateway, "unavailable", msg}, key)
	}
	if jerr != nil || len(cr.Choices) == 0 {
		return "", false, &explainError{http.StatusBadGateway, "unavailable",
			"the explain endpoint's answer is not a chat completion (no choices[0].message.content)"}
	}
	text = cr.Choices[0].Message.Content
	if len(text) > c.MaxAnswerBytes {
		return cut(text, c.MaxAnswerBytes), true, nil
	}
	return text, false, nil
}

func transportError(ctx context.Context, c ExplainConfig, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &explainError{http.StatusGatewayTimeout, "unavailable",
			fmt.Sprintf("the explain endpoint did not answer within %s", c.Timeout)}
	}
	return &explainError{http.StatusBadGateway, "unavailable", "the explain endpoint is not reachable: " + err.Error()}
}

// redact removes the key from an error's message, in case the endpoint or a transport error quotes it.
func redact(err error, key string) error {
	var e *explainError
	if key == "" || !errors.As(err, &e) {
		return err
	}
	return &explainError{e.code, e.errorType, strings.ReplaceAll(e.msg, key, "[API key]")}
}
