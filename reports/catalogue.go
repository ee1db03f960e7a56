package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/implicitreg/verify/theorems"
)

// Entry is one theorem as `verify list --format json` shows it.
type Entry struct {
	ID       string   `json:"id"`
	Family   string   `json:"family"`
	Title    string   `json:"title"`
	Kind     string   `json:"kind"`
	Source   string   `json:"source"`
	Status   string   `json:"status"` // "encoded" or "not-encoded"
	Paper    string   `json:"paper"`
	Controls []string `json:"controls"`
	Note     string   `json:"note,omitempty"`
}

// CatalogueEntries describes every theorem.
func CatalogueEntries(ths []*theorems.Theorem) []Entry {
	out := make([]Entry, 0, len(ths))
	for _, th := range ths {
		e := Entry{ID: th.ID, Family: th.Family(), Title: th.Title, Kind: string(th.Kind), Source: string(th.Source),
			Status: "encoded", Paper: th.Paper, Controls: []string{}}
		if !th.Encoded() {
			e.Status = "not-encoded"
			e.Note = th.NotEncoded
		}
		for _, c := range th.Controls {
			e.Controls = append(e.Controls, c.Name)
		}
		out = append(out, e)
	}
	return out
}

// WriteList renders the catalogue as table, markdown or json.
func WriteList(w io.Writer, ths []*theorems.Theorem, format string) error {
	entries := CatalogueEntries(ths)
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"schema": 1, "theorems": entries})
	case "table", "markdown":
		t := newTable(w, format == "markdown")
		t.Header("id", "kind", "source", "status", "controls", "title")
		for _, e := range entries {
			if err := t.Append([]string{e.ID, e.Kind, e.Source, e.Status, fmt.Sprint(len(e.Controls)), e.Title}); err != nil {
				return err
			}
		}
		return t.Render()
	}
	return fmt.Errorf("unknown format %q (want one of table, markdown, json)", format)
}

// WriteExplain prints everything known about one theorem: statement, hypotheses, proof
// steps, tolerance, examples, controls and probes, and its source status.
func WriteExplain(w io.Writer, th *theorems.Theorem) {
	fmt.Fprintf(w, "%s — %s\n", th.ID, th.Title)
	fmt.Fprintf(w, "kind: %s    source: %s", th.Kind, th.Source)
	if th.Source == theorems.Derived {
		fmt.Fprint(w, " (worked out here from first principles, not quoted from the paper: THEOREMS.md says why)")
	}
	fmt.Fprintf(w, "\npaper: %s\n", th.Paper)
	if !th.Encoded() {
		fmt.Fprintf(w, "status: %s\n", th.NotEncoded)
	}
	if th.Statement != "" {
		fmt.Fprintf(w, "\nstatement:\n%s\n", indent(th.Statement))
	}
	if len(th.Hypotheses) > 0 {
		fmt.Fprintln(w, "\nhypotheses:")
		for _, h := range th.Hypotheses {
			fmt.Fprintf(w, "  - %s\n", h)
		}
	}
	if len(th.ProofSteps) > 0 {
		fmt.Fprintln(w, "\nproof steps (each checked as its own inequality, in this order):")
		for _, s := range th.ProofSteps {
			fmt.Fprintf(w, "  - %s\n", s)
		}
	}
	if th.Encoded() {
		tol := th.Tolerance
		if tol == (theorems.Tolerance{}) {
			tol = theorems.DefaultTolerance
		}
		fmt.Fprintf(w, "\ntolerance: %s (plus any slack the theorem certifies itself)\n", tol)
	}
	if len(th.Examples) > 0 {
		fmt.Fprintln(w, "\nexplicit examples (run before random instances):")
		for _, ex := range th.Examples {
			fmt.Fprintf(w, "  - %s: %s\n", ex.Name, ex.Description)
		}
	}
	if len(th.Controls) > 0 {
		fmt.Fprintln(w, "\nnegative controls (each must be caught; run with --controls):")
		for _, c := range th.Controls {
			fmt.Fprintf(w, "  - %s [breaks the %s]: %s\n", c.Name, c.Breaks, c.Description)
		}
	}
	if ps := theorems.Probes(th.ID); len(ps) > 0 {
		fmt.Fprintf(w, "\nprobes (sweep a hypothesis parameter: verify probe %s --vary NAME=FROM:TO[:STEPS]):\n", th.ID)
		for _, p := range ps {
			fmt.Fprintf(w, "  - %s (hypothesis: %s; the theorem's value %g):\n    %s\n", p.Name, p.Hypothesis, p.Default, strings.ReplaceAll(strings.TrimSpace(p.Description), "\n", "\n    "))
		}
	}
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}
