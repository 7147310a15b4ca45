// Command tsgen writes the TypeScript types of the monitor's JSON API (extension-js/src/wire.gen.ts) from the Go
// source of package wire. Run it through go generate in spark/api/wire; its test fails when the committed file is not
// what it would write.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	dir := flag.String("dir", ".", "the folder of package wire")
	out := flag.String("o", "", "the TypeScript file to write")
	flag.Parse()
	if err := run(*dir, *out); err != nil {
		fmt.Fprintln(os.Stderr, "tsgen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	if out == "" {
		return fmt.Errorf("missing -o (the TypeScript file to write)")
	}
	b, err := generate(dir)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644)
}
