package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// probeAt checks a probe's property at one value as `verify probe` does (every instance
// counted).
func probeAt(t *testing.T, id, name string, v float64, n int) checks.Result {
	t.Helper()
	var p theorems.Probe
	for _, q := range theorems.Probes(id) {
		if q.Name == name {
			p = q
		}
	}
	if p.Property == nil {
		t.Fatalf("%s has no probe %s", id, name)
	}
	th, _ := theorems.Lookup(id)
	pt := &theorems.Theorem{ID: id, Kind: th.Kind, Tolerance: th.Tolerance, Property: p.Property(v)}
	return checks.CheckTheorem(pt, checks.Config{Checks: n, Seed: 4, Shard: &checks.Shard{K: 1, N: 1}})
}

// At its declared edge (step = 1, constant = 1) a probe is the theorem and must hold; just past
// the edge it must find violations, or the sweep could not show a boundary.
func TestProbesHoldAtTheirEdgeAndFailBeyond(t *testing.T) {
	cases := []struct {
		id, name      string
		edge, outside float64
	}{
		{"basic-inequality/gd", "step", 1, 1.9},
		{"norm-divergence/razin-cohen", "constant", 1, 1.05},
	}
	for _, c := range cases {
		for _, p := range theorems.Probes(c.id) {
			if p.Name == c.name && (!p.Holds(c.edge) || p.Holds(c.outside) || p.Default != c.edge) {
				t.Errorf("%s %s: hypothesis or default does not match its edge %g", c.id, c.name, c.edge)
			}
		}
		if r := probeAt(t, c.id, c.name, c.edge, 200); r.Status != checks.StatusHolds || r.Violations != 0 {
			t.Errorf("%s at %s = %g: %s, %d violations: %+v", c.id, c.name, c.edge, r.Status, r.Violations, r.Counterexample)
		}
		if r := probeAt(t, c.id, c.name, c.outside, 200); r.Violations == 0 {
			t.Errorf("%s at %s = %g: no violation found", c.id, c.name, c.outside)
		}
	}
}

func TestRegisterProbeRejectsProgrammerErrors(t *testing.T) {
	ok := theorems.Probes("basic-inequality/gd")[0]
	bad := map[string]theorems.Probe{
		"unknown theorem": {Theorem: "nosuch/thing", Name: "x", Property: ok.Property},
		"bad name":        {Theorem: ok.Theorem, Name: "a=b", Property: ok.Property},
		"no property":     {Theorem: ok.Theorem, Name: "fresh"},
		"duplicate":       ok,
	}
	for what, p := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: RegisterProbe did not panic", what)
				}
			}()
			theorems.RegisterProbe(p)
		}()
	}
}
