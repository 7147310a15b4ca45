package main

import (
	"os"
	"testing"
)

// TestMain lets a test run this package's main as the binary would be run: with SPARKMONITOR_TEST_MAIN set, the test
// binary is sparkmonitor, with the arguments that follow "--" (and SPARKMONITOR_TEST_NOFILE, when set, as its limit
// of open files: accept_test.go).
func TestMain(m *testing.M) {
	if os.Getenv("SPARKMONITOR_TEST_MAIN") == "1" {
		limitOpenFiles(os.Getenv("SPARKMONITOR_TEST_NOFILE"))
		for i, a := range os.Args {
			if a == "--" {
				os.Args = append([]string{os.Args[0]}, os.Args[i+1:]...)
				break
			}
		}
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}
