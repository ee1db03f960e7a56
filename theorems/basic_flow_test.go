package theorems_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityGradientFlow(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gradient-flow")
	checks.TheoremTest(t, th)
}

// The explicit example is the flow of x²/2 from 1 up to τ = 1, θ(τ) = e^{−1}, with z = 0:
// the claim reads e^{−2}/2 + e^{−2}/2 ≤ 0 + 1/2.
func TestBasicInequalityGradientFlowClosedForm(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gradient-flow")
	ev := th.Examples[0].Run()
	last := ev.Steps[len(ev.Steps)-1]
	got := [2]float64{last.LHS, last.RHS}
	want := [2]float64{math.Exp(-2), 0.5}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-15, 0)); last.Step != theorems.ClaimStep || diff != "" {
		t.Fatalf("claim %q: (−want +got)\n%s", last.Step, diff)
	}
}

// A user's own flow implementations are checked the same way; these are ours, called through
// the public constructor as a user would.
func TestBasicInequalityGradientFlowOnUserMethods(t *testing.T) {
	checks.TheoremTest(t, theorems.BasicInequalityGradientFlow(algorithms.QuadraticFlowPath,
		func(f algorithms.Objective, x0 []float64, tau float64, opts algorithms.FlowOptions) (*algorithms.FlowResult, error) {
			return algorithms.GradientFlow(f, x0, tau, opts)
		}))
}
