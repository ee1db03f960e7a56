package theorems_test

import (
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessSAMFlowNOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-flow-nop")
	checks.TheoremTest(t, th)
}

// A user's SAM is checked through the public constructor; this one is ours, wrapped.
func TestBalancednessSAMFlowNOPOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *algorithms.FactorWork) {
		algorithms.SAMFactorStep(f, X, Y, eta, rho, batch, w)
	}
	checks.TheoremTest(t, theorems.BalancednessSAMFlowNOP(mine))
}

// Cor. 1's dynamics step is judged on a real share of steps (not vacuous), and on its own it
// catches the "SAM drives B to 0" control: B moves toward B̄ ≠ 0, away from 0, below the
// threshold.
func TestBalancednessSAMFlowNOPCorollary1(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-flow-nop")
	res := checks.CheckTheorem(th, checks.Config{Checks: 300, Seed: 6})
	if res.Status != checks.StatusHolds || float64(res.Metrics["cor1_judged_mean"]) < 0.3 {
		t.Errorf("status %s, share of steps with Cor. 1 judged %v", res.Status, float64(res.Metrics["cor1_judged_mean"]))
	}
	for _, c := range th.Controls {
		if c.Name != "threshold-0" {
			continue
		}
		only := bflowRestricted(th, c.Property, func(s string) bool { return strings.HasPrefix(s, "step 9 threshold dynamics") })
		r := checks.CheckTheorem(only, checks.Config{Checks: 300, Seed: 6})
		if r.Status != checks.StatusViolated {
			t.Fatalf("threshold-0 not caught by step 9 alone: %s", r.Status)
		}
		t.Logf("caught: %s", r.Counterexample.Instance)
	}
}
