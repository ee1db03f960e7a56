package theorems_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessGDOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/gd-op")
	checks.TheoremTest(t, th)
}

// The paper's toy OP start (x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, f = (w − 0.5)²): B_0 = −0.56,
// w_0 = −0.42, f′ = 2(w_0 − 0.5) = −1.84, so one GD step with η = 1e-4 gives
// B_1 = (1 − η²·1.84²)·B_0 = −0.56 + 1.895936e-8.
func TestGDOPPaperFirstStep(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/gd-op")
	ev := th.Examples[0].Run()
	for _, q := range ev.Steps {
		if q.Step == theorems.ClaimStep && q.Index == 0 {
			if d := cmp.Diff([2]float64{-0.56 + 1.895936e-8, -0.56 + 1.895936e-8}, [2]float64{q.LHS, q.RHS}, cmpopts.EquateApprox(1e-13, 0)); d != "" {
				t.Errorf("B_1 (method, identity) mismatch (-want +got):\n%s", d)
			}
			return
		}
	}
	t.Fatal("no claim at t = 0")
}
