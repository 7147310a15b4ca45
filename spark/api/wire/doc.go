// Package wire holds the JSON shapes of the monitor's browser API (../API.md): what api/apps, api/ws, api/timeline,
// api/health and api/profiles send. It is their one definition: spark/state fills these structs, spark/api serves
// them, and the extension's TypeScript types (extension-js/src/wire.gen.ts) are generated from this package's source
// by tsgen:
//
//	go generate ./spark/api/wire
//
// tsgen's test fails when the committed TypeScript differs from what it would write.
//
// Why a package of its own under spark/api: spark/api imports spark/state (the store it serves), so the state could
// not fill types declared in spark/api itself. This package imports nothing of the monitor; both import it.
//
// Conventions the generator relies on:
//   - Every exported struct field carries a json tag. A pointer is `T | null`; omitempty makes the field optional.
//   - A list is never null on the wire (whoever fills one starts from an empty slice); a map may be (`| null`).
//   - A string with a closed set of values has a named alias (`type JobStatus = string`) and typed constants; the
//     TypeScript type is the union of the constants. The alias (not a defined type) keeps the fields plain strings
//     for the code that compares them with the listener's strings (spark/event) and the Spark event logs.
package wire

//go:generate go run ./tsgen -o ../../../extension-js/src/wire.gen.ts
