package theorems_test

import (
	"slices"

	"pgregory.net/rapid"

	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityGD(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gd")
	checks.TheoremTest(t, th)
}

// A user's own GD implementation is checked the same way; this one is ours, called through
// the public constructor as a user would.
func TestBasicInequalityGDOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		return algorithms.GradientDescent(f, x0, steps)
	}
	checks.TheoremTest(t, theorems.BasicInequalityGD(mine))
}

// The catalogue's counterexample (η = 1.978 on x²/2, one step) must be *found* by random
// search with steps in (1/L, 2/L), not only replayed, and shrunk to something as small. Only
// the claim is judged here, so the search has to reach an instance where the conclusion
// itself fails, not just the descent step.
func TestLargeStepCounterexampleIsFoundAndShrunk(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gd")
	var ctl theorems.Control
	for _, c := range th.Controls {
		if c.Name == "step-above-1/L" {
			ctl = c
		}
	}
	claimOnly := &theorems.Theorem{ID: "basic-inequality/gd", Kind: theorems.Exact, Property: func(rt *rapid.T) theorems.Evidence {
		ev := ctl.Property(rt)
		ev.Steps = slices.DeleteFunc(ev.Steps, func(q theorems.Inequality) bool { return q.Step != theorems.ClaimStep })
		return ev
	}}
	res := checks.CheckTheorem(claimOnly, checks.Config{Checks: 500, Seed: 7})
	if res.Status != checks.StatusViolated {
		t.Fatalf("random search did not find a violation of the claim: %s", res.Status)
	}
	draws := map[string]string{}
	for _, d := range res.Counterexample.Draws {
		draws[d.Label] = d.Value
	}
	t.Logf("shrunk counterexample: %s; draws %v; lhs − rhs = %g", res.Counterexample.Instance, draws,
		float64(res.Counterexample.LHS-res.Counterexample.RHS))
	if draws["T"] != "1" {
		t.Errorf("not shrunk to one step: T = %s", draws["T"])
	}
	if draws["scalar_quadratic"] != "true" && draws["d"] != "1" {
		t.Errorf("not shrunk to one dimension: %v", draws)
	}
}
