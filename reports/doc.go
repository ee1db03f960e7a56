// Package reports renders the checker's results: the violation table for terminals
// (box drawing), Markdown, CSV and JSON, and the theorem catalogue for `verify list`.
//
// Every renderer takes a *checks.Report and an io.Writer and adds no judgement of its own;
// JSON follows the schema of DESIGN.md (schema 1, snake_case field names).
package reports
