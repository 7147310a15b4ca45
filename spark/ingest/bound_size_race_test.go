//go:build race

package ingest

// hugeJobs is TestHugeDescriptionsAreCutAndCostNothing's size under the race detector (see bound_size_test.go).
const hugeJobs = 150
