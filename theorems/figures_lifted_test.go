package theorems_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/implicitreg/verify/theorems"
)

// The lifted figure plots exactly the ε = 1e-7 cells the experiment reported, beside the
// paper's, and nothing when there are none.
func TestLiftedFiguresFromMetrics(t *testing.T) {
	if figs := theorems.LiftedFigures(map[string]float64{"claim_runs": 40}); figs != nil {
		t.Fatalf("figures without cells: %v", figs)
	}
	m := map[string]float64{
		"n8_eps1e-07_lifted_custom_rate": 0.9, "n8_eps1e-07_unlifted_rate": 0.1,
		"n5_eps1e-07_lifted_custom_rate": 1, "n5_eps1e-07_unlifted_rate": 0.25,
		"n5_eps1e-05_lifted_custom_rate": 0.5, // another ε: not plotted
		"paper_lifted_n5_eps1e-07":       1, "paper_unlifted_n5_eps1e-07": 0.4,
	}
	figs := theorems.LiftedFigures(m)
	if len(figs) != 1 {
		t.Fatalf("%d figures, want 1", len(figs))
	}
	got := map[string][2][]float64{}
	for _, l := range figs[0].Lines {
		got[l.Label] = [2][]float64{l.X, l.Y}
	}
	want := map[string][2][]float64{
		"lifted GD with escape steps (ours)": {{5, 8}, {1, 0.9}},
		"unlifted GD (ours)":                 {{5, 8}, {0.25, 0.1}},
		"lifted, paper Fig. 1":               {{5}, {1}},
		"unlifted, paper Fig. 1":             {{5}, {0.4}},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("lines (-want +got):\n%s", d)
	}
}
