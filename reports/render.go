package reports

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/implicitreg/verify/checks"
)

// Formats lists the output formats of `verify run`.
var Formats = []string{"table", "markdown", "csv", "json"}

// Write renders rep in the named format.
func Write(w io.Writer, rep *checks.Report, format string) error {
	switch format {
	case "table":
		return writeTables(w, rep, false)
	case "markdown":
		return writeTables(w, rep, true)
	case "csv":
		return WriteCSV(w, rep)
	case "json":
		return WriteJSON(w, rep)
	}
	return fmt.Errorf("unknown format %q (want one of table, markdown, csv, json)", format)
}

// WriteJSON writes the report as indented JSON (DESIGN.md schema).
func WriteJSON(w io.Writer, rep *checks.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// resultHeader is the violation table's header; resultRow must match it.
var resultHeader = []string{"theorem", "kind", "source", "status", "checks", "discarded", "noise", "violations", "worst margin", "tightness", "failing step", "replay"}

// resultRow renders one result; missing numbers show as missing (e.g. "-" in a table, ""
// in CSV).
func resultRow(r checks.Result, missing string) []string {
	return []string{
		r.Theorem, r.Kind, r.Source, r.Status,
		strconv.Itoa(r.Checks), strconv.Itoa(r.Discarded), strconv.Itoa(r.Noise), strconv.Itoa(r.Violations),
		num(r.WorstMargin, missing), num(r.Tightness, missing), r.FailingStep, r.Replay,
	}
}

var controlHeader = []string{"theorem", "control", "breaks", "caught", "checks", "failing step"}

func controlRow(c checks.ControlResult) []string {
	caught := "yes"
	if !c.Caught {
		caught = "NO"
	}
	return []string{c.Theorem, c.Control, c.Breaks, caught, strconv.Itoa(c.Checks), c.FailingStep}
}

func num(p *checks.Num, missing string) string {
	if p == nil {
		return missing
	}
	f := float64(*p)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	return strconv.FormatFloat(f, 'e', 2, 64)
}

func newTable(w io.Writer, markdown bool) *tablewriter.Table {
	var r tw.Renderer = renderer.NewBlueprint()
	if markdown {
		r = renderer.NewMarkdown()
	}
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(r),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
}

func writeTables(w io.Writer, rep *checks.Report, markdown bool) error {
	t := newTable(w, markdown)
	t.Header(toAny(resultHeader)...)
	for _, r := range rep.Results {
		if err := t.Append(resultRow(r, "-")); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(rep.Controls) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, markdown)
		t.Header(toAny(controlHeader)...)
		for _, c := range rep.Controls {
			if err := t.Append(controlRow(c)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	writeDetails(w, rep, markdown)
	return writeDetailTables(w, rep, markdown)
}

// writeDetailTables prints each result's detail tables (an experiment's gap table, the
// paper's numbers next to ours) under its title.
func writeDetailTables(w io.Writer, rep *checks.Report, markdown bool) error {
	for _, r := range rep.Results {
		for _, tb := range r.Tables {
			fmt.Fprintln(w)
			if markdown {
				fmt.Fprintf(w, "**%s: %s**\n\n", r.Theorem, tb.Title)
			} else {
				fmt.Fprintf(w, "%s: %s\n", r.Theorem, tb.Title)
			}
			t := newTable(w, markdown)
			t.Header(toAny(tb.Header)...)
			for _, row := range tb.Rows {
				if err := t.Append(row); err != nil {
					return err
				}
			}
			if err := t.Render(); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeDetails prints, under the table, every counterexample and message in full: a table
// cell cannot hold an instance description.
func writeDetails(w io.Writer, rep *checks.Report, markdown bool) {
	bullet := ""
	if markdown {
		bullet = "- "
	}
	first := true
	header := func() {
		if first {
			fmt.Fprintln(w)
			first = false
		}
	}
	for _, r := range rep.Results {
		switch {
		case r.Counterexample != nil:
			header()
			fmt.Fprintf(w, "%s%s %s: %s\n", bullet, r.Theorem, r.Status, describeCounterexample(r.Counterexample))
			if r.Message != "" {
				fmt.Fprintf(w, "  %s\n", r.Message)
			}
			fmt.Fprintf(w, "  replay: %s\n", r.Replay)
		case r.Status != checks.StatusHolds && r.Status != checks.StatusNotEncoded:
			header()
			fmt.Fprintf(w, "%s%s %s: %s\n", bullet, r.Theorem, r.Status, r.Message)
		}
	}
	for _, c := range rep.Controls {
		if !c.Caught {
			header()
			fmt.Fprintf(w, "%scontrol %s of %s NOT caught: %s\n", bullet, c.Control, c.Theorem, c.Message)
		}
	}
	if rep.Interrupted {
		header()
		fmt.Fprintf(w, "%sinterrupted: only the rows above finished\n", bullet)
	}
}

func describeCounterexample(ce *checks.Counterexample) string {
	s := ""
	if ce.Step != "" {
		at := ""
		if ce.Index >= 0 {
			at = fmt.Sprintf(" (t = %d)", ce.Index)
		}
		s = fmt.Sprintf("%s%s fails: lhs %.10g vs rhs %.10g (margin %.3g, band %.3g)", ce.Step, at, float64(ce.LHS), float64(ce.RHS), float64(ce.Margin), float64(ce.Band))
	}
	if ce.Instance != "" {
		s += "\n  instance: " + ce.Instance
	}
	for _, d := range ce.Draws {
		s += fmt.Sprintf("\n  draw %s = %s", d.Label, d.Value)
	}
	return s
}

// WriteWorstCases prints, per theorem, the instance that came closest to violating the
// claim — what `verify replay` adds under the table.
func WriteWorstCases(w io.Writer, rep *checks.Report) {
	for _, r := range rep.Results {
		if r.WorstInstance == "" || r.WorstMargin == nil {
			continue
		}
		fmt.Fprintf(w, "\n%s worst case (claim margin %s): %s\n", r.Theorem, num(r.WorstMargin, "-"), r.WorstInstance)
	}
}

// WriteCSV writes one row per theorem, then (after a blank line) one per control.
func WriteCSV(w io.Writer, rep *checks.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(resultHeader)
	for _, r := range rep.Results {
		_ = cw.Write(resultRow(r, ""))
	}
	if len(rep.Controls) > 0 {
		cw.Flush()
		fmt.Fprintln(w)
		_ = cw.Write(controlHeader)
		for _, c := range rep.Controls {
			_ = cw.Write(controlRow(c))
		}
	}
	cw.Flush()
	return cw.Error()
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
