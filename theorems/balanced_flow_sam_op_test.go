package theorems_test

import (
	"strings"
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessSAMFlowOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-flow-op")
	checks.TheoremTest(t, th)
}

// A user's SAM is checked through the public constructor; this one is ours, wrapped.
func TestBalancednessSAMFlowOPOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *algorithms.InnerWork) {
		algorithms.SAMInnerStep(f, x, y, eta, rho, batch, w)
	}
	checks.TheoremTest(t, theorems.BalancednessSAMFlowOP(mine))
}

// The contraction step is judged on a real share of steps, and on its own it catches SAM with
// the perturbation taken downhill (whose flow grows |B|).
func TestBalancednessSAMFlowOPContraction(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-flow-op")
	res := checks.CheckTheorem(th, checks.Config{Checks: 300, Seed: 6})
	if res.Status != checks.StatusHolds || float64(res.Metrics["contraction_judged_mean"]) < 0.3 {
		t.Errorf("status %s, share of steps with the contraction judged %v", res.Status, float64(res.Metrics["contraction_judged_mean"]))
	}
	for _, c := range th.Controls {
		if c.Name != "sign-flipped" {
			continue
		}
		only := bflowRestricted(th, c.Property, func(s string) bool { return strings.HasPrefix(s, "step 8 contraction") })
		r := checks.CheckTheorem(only, checks.Config{Checks: 300, Seed: 6})
		if r.Status != checks.StatusViolated {
			t.Fatalf("sign-flipped SAM not caught by step 8 alone: %s", r.Status)
		}
	}
}
