// Package checks decides whether theorems hold: it runs exact claims under rapid (explicit
// examples first, then random instances with shrinking), applies each theorem's tolerance
// model, runs negative controls, and aggregates per-theorem results into a Report.
//
// Two faces share one engine. In `go test`, TheoremTest runs a theorem through
// rapid.MakeCheck, so -rapid.checks, -rapid.seed, -short and fail files behave as rapid users
// expect, and asserts that every control is caught. In the CLI, Run drives rapid through its
// own rapid.TB recorder, with the number of checks and the seed set from the command line, and
// returns results with the minimal counterexample and a replay command.
//
// Outcomes per instance are holds, noise (inside the tolerance band: counted, never silently
// passed), violated (beyond the band; NaN and ±Inf are always violated) and discarded (the
// instance failed its hypotheses numerically; counted with its reason). A panic in a property
// (for example from linear algebra) is recovered into an error result carrying its replay
// command. A theorem whose draws are mostly discarded fails the health check (inconclusive).
package checks
