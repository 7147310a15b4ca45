//go:build race

package ingest

// hugeJobs is 0 under the race detector, which skips TestHugeDescriptionsAreCutAndCostNothing: decoding 1 MB frames
// is about ten times dearer there, and fewer jobs would not exceed the heap bound uncut. `make test` runs it without
// -race (see bound_size_test.go).
const hugeJobs = 0
