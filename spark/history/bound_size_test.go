//go:build !race

package history

// hostileJobs is the number of jobs of TestHostileUploadIsCutWhenOpenedAndAtEachStart's log: 1 000 (retention's
// default keeps them all), 1.2 GB of text. Under -race, 100 (bound_size_race_test.go): still 120 MB uncut.
const hostileJobs = 1000
