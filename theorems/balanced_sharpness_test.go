package theorems_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessSharpness(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sharpness")
	checks.TheoremTest(t, th)
}

// Closed form: f(w) = (w − 1)²/2, x = (2, 0), y = (0.5, 0) (w = 1, f′ = 0, f″ = 1). The Hessian
// is vvᵀ with v = (y; x), so λ_max = ‖x‖² + ‖y‖² = 4.25; the balanced point (1, 0), (1, 0)
// has λ_max = 2 = 2‖x‖‖y‖.
func TestSharpnessClosedForm(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sharpness")
	ev := th.Examples[0].Run()
	var claims [][2]float64
	for _, q := range ev.Steps {
		if q.Step == theorems.ClaimStep {
			claims = append(claims, [2]float64{q.LHS, q.RHS})
		}
	}
	want := [][2]float64{{4.25, 4.25}, {2, 2}, {2, 4.25}}
	if d := cmp.Diff(want, claims, cmpopts.EquateApprox(1e-14, 0)); d != "" {
		t.Errorf("claims (λ_max, claimed) mismatch (-want +got):\n%s", d)
	}
}
