//go:build !race

package ingest

// hugeJobs is TestHugeDescriptionsAreCutAndCostNothing's size: issue 21's 1 500 jobs. `make test` runs it in a line
// of its own without -race, beside TestEventFlood (bound_size_race_test.go).
const hugeJobs = 1500
