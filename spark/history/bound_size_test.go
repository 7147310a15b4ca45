//go:build !race

package history

// hostileJobs is the number of jobs of TestHostileUploadIsCutWhenOpenedAndAtEachStart's log: 1 000 (retention's
// default keeps them all), 1.2 GB of text. `make test` runs it in a line of its own without -race
// (bound_size_race_test.go).
const hostileJobs = 1000
