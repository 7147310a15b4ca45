//go:build race

package history

// hostileJobs is the hostile log's size under the race detector (see bound_size_test.go).
const hostileJobs = 100
