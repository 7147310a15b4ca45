//go:build !race

package ingest

// floodTasks is TestEventFlood's size without the race detector: 2 000 000 tasks (4 000 000 frames). `make test` runs
// it in a line of its own (go test -run '^TestEventFlood$' ./spark/ingest); under -race the flood is smaller
// (flood_size_race_test.go), because the race detector makes each frame about ten times dearer.
const floodTasks = 2_000_000
