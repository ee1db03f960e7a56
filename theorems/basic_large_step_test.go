package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityGDLargeStep(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gd-large-step")
	checks.TheoremTest(t, th)
}

// The bound is attained on f(x) = x²/2 at z = θ_0 with T = 1 for every η ∈ (1, 2): both sides
// of the claim equal −η(2 − η)x_0²/2. Pinned here at η = 1.5, x_0 = 1, where every number is
// dyadic and the arithmetic exact, so the gap is exactly zero.
func TestBasicInequalityGDLargeStepTightExample(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gd-large-step")
	ev := th.Examples[0].Run()
	last := ev.Steps[len(ev.Steps)-1]
	if last.Step != theorems.ClaimStep || last.LHS != -0.375 || last.RHS != -0.375 {
		t.Fatalf("claim = %+v, want −0.375 ≤ −0.375", last)
	}
}

func TestBasicInequalityGDLargeStepOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		return algorithms.GradientDescent(f, x0, steps)
	}
	checks.TheoremTest(t, theorems.BasicInequalityGDLargeStep(mine))
}
