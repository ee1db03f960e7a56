package reports_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

func markdownReport(t *testing.T, mr reports.MarkdownReport) string {
	t.Helper()
	var b bytes.Buffer
	if err := reports.WriteMarkdownReport(&b, mr); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMarkdownReportLayout(t *testing.T) {
	m := -0.5
	rep := &checks.Report{Schema: 1, Seed: 9, Profile: "quick",
		Results: []checks.Result{
			{Theorem: "norm-divergence/razin-cohen", Family: "norm-divergence", Kind: "empirical", Source: "quoted", Status: checks.StatusHolds,
				Checks: 3, WorstMargin: (*checks.Num)(&m), Replay: "verify replay norm-divergence/razin-cohen --seed 9",
				Metrics: map[string]checks.Num{
					"paper_lr": 0.003, "lr": 0.003, // same name
					"paper_abs_w11_at_stop_lo": 60, "paper_abs_w11_at_stop_hi": 70, "balanced_abs_w11_at_stop_mean": 22.3, // range, suffix
					"paper_fig2_error_nuclear": 0.11, "error_nuclear": 0.12, // a shorter tail
					"paper_init_layer_std": 0.008, "paper_T": 1e5, // no counterpart
					"timing_T": 321.5, "eta_T": 7, // timings are never ours; a one-word name pairs only exactly
					"paper_fig2_abundant_error_nuclear": 8e-7, // not error_nuclear: only a provenance word is dropped
				},
				Tables: []theorems.Table{{Title: "a | detail table", Header: []string{"a", "b|c"}, Rows: [][]string{{"1", "|x|"}}}},
			},
			{Theorem: "sco/rerm-fails", Family: "sco", Kind: "exact", Source: "derived", Status: checks.StatusViolated, Checks: 5, Violations: 1,
				Message: "claim fails", Replay: "verify replay sco/rerm-fails --seed 9"},
		},
		Controls: []checks.ControlResult{{Theorem: "sco/rerm-fails", Control: "c1", Breaks: "constant", Caught: true, Checks: 1}},
	}
	figs := []reports.ReportFigure{
		{Figure: theorems.Figure{Name: "nd", Title: "|w| vs ℓ", Caption: "W_12 and θ* here.", Theorem: "norm-divergence/razin-cohen"}, SVG: "figures/nd.svg", PNG: "figures/nd.png", Dropped: 2},
		{Figure: theorems.Figure{Name: "s1", Title: "one", Theorem: "sco"}, SVG: "figures/s1.svg", PNG: "figures/s1.png"},
		{Figure: theorems.Figure{Name: "s2", Title: "two", Theorem: "sco"}, SVG: "figures/s2.svg", PNG: "figures/s2.png"},
		{Figure: theorems.Figure{Name: "s3", Title: "three", Theorem: "sco"}, SVG: "figures/s3.svg", PNG: "figures/s3.png"},
	}
	cmd := "go run ./cmd/verify report --out reports/ --profile quick --seed 9"
	out := markdownReport(t, reports.MarkdownReport{Command: cmd, Report: rep, Figures: figs})
	lines := strings.Split(out, "\n")
	if lines[0] != reports.RegenerateLinePrefix+"`"+cmd+"`" {
		t.Errorf("first line %q", lines[0])
	}
	wantLines := []string{
		"**Summary:** 2 theorems: 1 holds, 1 violated; 1 of 1 negative controls caught — NOT everything holds",
		"## Violation table", "## Negative controls",
		"#### `norm-divergence/razin-cohen` — Every norm diverges",
		"**a \\| detail table**", "| \\|x\\| ",
		"![\\|w\\| vs ℓ](figures/nd.svg)", "[SVG](figures/nd.svg) · [PNG](figures/nd.png)",
		"W\\_12 and θ\\* here.", "2 points could not be drawn",
		"#### Figures of the sco family",
		"| ![one](figures/s1.svg)<br>[SVG](figures/s1.svg) · [PNG](figures/s1.png) | ![two](figures/s2.svg)",
		"| ![three](figures/s3.svg)<br>[SVG](figures/s3.svg) · [PNG](figures/s3.png) |  |",
		"sco/rerm-fails violated: claim fails",
	}
	for _, w := range wantLines {
		if !strings.Contains(out, w) {
			t.Errorf("report lacks %q", w)
		}
	}
	for _, bad := range []string{"timing_T", "321.5", "elapsed"} {
		if strings.Contains(out, bad) {
			t.Errorf("report contains %q (timings must be left out)", bad)
		}
	}
	// The pairs, whatever the column widths: reference, paper, ours, our metric.
	pairs := [][4]string{
		{"paper_lr", "0.003", "0.003", "lr"},
		{"paper_abs_w11_at_stop_lo/_hi", "60 – 70", "22.3", "balanced_abs_w11_at_stop_mean"},
		{"paper_fig2_error_nuclear", "0.11", "0.12", "error_nuclear"},
		{"paper_init_layer_std", "0.008", "—", ""},
		{"paper_T", "1e+05", "—", ""},
		{"paper_fig2_abundant_error_nuclear", "8e-07", "—", ""},
	}
	for _, p := range pairs {
		re := `\| ` + regexp.QuoteMeta(p[0]) + ` +\| ` + regexp.QuoteMeta(p[1]) + ` +\| ` + regexp.QuoteMeta(p[2]) + ` +\| ` + regexp.QuoteMeta(p[3]) + ` *\|`
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no row %q", p)
		}
	}
	// Sections come in order: the per-theorem part after both tables.
	if i, j := strings.Index(out, "## Negative controls"), strings.Index(out, "## Per theorem"); !(i > 0 && j > i) {
		t.Errorf("sections out of order: controls at %d, per theorem at %d", i, j)
	}
	// Same input, same bytes.
	if again := markdownReport(t, reports.MarkdownReport{Command: cmd, Report: rep, Figures: figs}); again != out {
		t.Error("the same report rendered twice differs")
	}
}
