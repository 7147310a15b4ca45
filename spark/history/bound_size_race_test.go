//go:build race

package history

// hostileJobs is 0 under the race detector, which skips TestHostileUploadIsCutWhenOpenedAndAtEachStart (decoding
// 1 MB lines is about ten times dearer there). `make test` runs it without -race (see bound_size_test.go).
const hostileJobs = 0
