package theorems_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/theorems"
)

// The gap table: 5 families × n ∈ {4 … 12}, every gap positive, the reference gaps of
// papers/sco.md §6.5(ii) reproduced within ±0.005, cells matching the header.
func TestSCOGapTable(t *testing.T) {
	rows := theorems.SCOGapTable()
	if len(rows) != 5*9 {
		t.Fatalf("%d rows, want 45", len(rows))
	}
	refs := 0
	for _, r := range rows {
		if !(r.Gap > 0.04) || !r.Certified {
			t.Errorf("%s n = %d: gap %g (certified %v)", r.Family, r.N, r.Gap, r.Certified)
		}
		if math.Abs(r.Gap-(r.RERMExcessBound-r.SGDExcess)) > 1e-15 {
			t.Errorf("%s n = %d: gap %g ≠ %g − %g", r.Family, r.N, r.Gap, r.RERMExcessBound, r.SGDExcess)
		}
		if !math.IsNaN(r.Reference) {
			refs++
			if math.Abs(r.Gap-r.Reference) > 0.005 {
				t.Errorf("%s n = %d: gap %.4f, reference %.3f", r.Family, r.N, r.Gap, r.Reference)
			}
		}
		if c := r.Cells(); len(c) != len(theorems.SCOGapTableHeader()) {
			t.Errorf("%d cells for %d columns", len(c), len(theorems.SCOGapTableHeader()))
		}
	}
	if refs != 20 {
		t.Errorf("%d reference gaps compared, want 20", refs)
	}
	// The two ends the issue quotes.
	want := map[string][2]float64{"l2sq": {0.045, 0.110}, "l1": {0.124, 0.233}}
	for _, r := range rows {
		if w, ok := want[r.Family]; ok && (r.N == 4 || r.N == 12) {
			ref := w[0]
			if r.N == 12 {
				ref = w[1]
			}
			if math.Abs(r.Gap-ref) > 0.005 {
				t.Errorf("%s n = %d: %.4f, want %.3f ± 0.005", r.Family, r.N, r.Gap, ref)
			}
		}
	}
}

// A user's regulariser: the bound chain of SCORERMBound.
func TestSCORERMBoundUserRegulariser(t *testing.T) {
	menu := generators.SCOMenu()
	// (1) λ‖w‖² written by the user: (C) only sampled, so the same number but uncertified.
	l2 := algorithms.SCOL2Sq(0.3)
	user := algorithms.SCOUserRegulariser("user 0.3‖w‖²", l2.Value, l2.Subgradient, true)
	b := theorems.SCORERMBound(user, menu[3], 4, 1e-3, 1)
	ref := theorems.SCORERMBound(l2, menu[3], 4, 1e-3, 1)
	if b.Method != "2-D reduction" || b.Certified || !ref.Certified || math.Abs(b.Excess-ref.Excess) > 1e-12 || !strings.Contains(b.Basis, "not proved") {
		t.Errorf("user λ‖w‖²: %+v; built-in: %+v", b, ref)
	}
	// (2) 0.1‖w‖_∞ violates (C): the §6.7 certificate, certified with its subgradient.
	inf := func(w []float64) float64 {
		m := 0.0
		for _, v := range w {
			m = math.Max(m, math.Abs(v))
		}
		return 0.1 * m
	}
	sub := func(dst, w []float64) {
		k := 0
		for i, v := range w {
			dst[i] = 0
			if math.Abs(v) > math.Abs(w[k]) {
				k = i
			}
		}
		if w[k] > 0 {
			dst[k] = 0.1
		} else if w[k] < 0 {
			dst[k] = -0.1
		}
	}
	e := menu[9] // (0.2, 0.1, 0.622, 1): a > c0 + c1
	want := e.C1 * (e.A - e.C0 - e.C1) * e.A0 / (e.A - e.C1)
	b = theorems.SCORERMBound(algorithms.SCOUserRegulariser("0.1‖w‖_∞", inf, sub, true), e, 4, 1e-3, 1)
	if b.Method != "§6.7 swap certificate" || !b.Certified || math.Abs(b.Excess-want) > 1e-12 || b.ConditionC.Holds {
		t.Errorf("‖w‖_∞ with subgradient: %+v, want certified %g", b, want)
	}
	b = theorems.SCORERMBound(algorithms.SCOUserRegulariser("0.1‖w‖_∞", inf, nil, true), e, 4, 1e-3, 1)
	if b.Certified || math.Abs(b.Excess-want) > 1e-6 {
		t.Errorf("‖w‖_∞ without subgradient: %+v, want uncertified ≈ %g", b, want)
	}
	// (3) Neither: a V instance (a0 = 0) with λ‖w‖_4 — numerical RERM, uncertified.
	b = theorems.SCORERMBound(algorithms.SCOUserRegulariser("0.05‖w‖_4", algorithms.SCOLpNorm(0.05, 4).Value, nil, true), menu[3], 3, 1e-3, 1)
	if b.Method != "numerical RERM" || b.Certified || !(b.Excess > 0) {
		t.Errorf("‖w‖_4 on V: %+v", b)
	}
}

// Every control is caught by its random search alone, not only by its explicit example.
func TestSCOControlsCaughtByProperties(t *testing.T) {
	for _, id := range []string{"sco/rerm-fails", "sco/sgd-rate", "sco/tikhonov-learns"} {
		th, _ := theorems.Lookup(id)
		for _, c := range th.Controls {
			c.Examples = nil
			r := checks.CheckControl(th, c, checks.Config{Profile: "ci", Seed: 7})
			if !r.Caught {
				t.Errorf("%s control %s not caught by its property: %s", id, c.Name, r.Message)
			}
		}
	}
}

// The full-dimension experiment is seeded: same seed, same evidence.
func TestSCOFullDimensionSeeded(t *testing.T) {
	th, _ := theorems.Lookup("sco/full-dimension")
	cfg := theorems.ExperimentConfig{Profile: "ci", Seed: 3}
	a, b := th.Experiment(cfg), th.Experiment(cfg)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("same seed, different evidence:\n%s", d)
	}
	if a.Metrics["S1-0.464l2sq_search_minus_min_upper_max"] > 2e-3 {
		t.Errorf("numerical RERM stayed %g above the 2-D minimum", a.Metrics["S1-0.464l2sq_search_minus_min_upper_max"])
	}
}
