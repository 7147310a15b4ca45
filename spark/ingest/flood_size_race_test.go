//go:build race

package ingest

// floodTasks is TestEventFlood's size under the race detector (see flood_size_test.go): 200 000 tasks.
const floodTasks = 200_000
