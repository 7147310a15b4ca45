//go:build !race

package ingest

// hugeJobs is TestHugeDescriptionsAreCutAndCostNothing's size: issue 21's 1 500 jobs. Under -race, 150
// (bound_size_race_test.go): the race detector makes decoding a 1 MB frame about ten times dearer, and 150 uncut
// descriptions and errors (270 MB) are still well over the bound.
const hugeJobs = 1500
