package theorems_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityLeastSquaresRisk(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/least-squares-risk")
	checks.TheoremTest(t, th)
}

// A user's own GD loop, checked through the public constructor.
func TestBasicInequalityLeastSquaresRiskOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		x := append([]float64(nil), x0...)
		g := make([]float64, len(x))
		tr := &algorithms.Trajectory{Iterates: [][]float64{append([]float64(nil), x...)}, Steps: append([]float64(nil), steps...)}
		for _, eta := range steps {
			f.Grad(g, x)
			for j := range x {
				x[j] -= eta * g[j]
			}
			tr.Iterates = append(tr.Iterates, append([]float64(nil), x...))
		}
		tr.GradEvals = len(steps)
		return tr
	}
	checks.TheoremTest(t, theorems.BasicInequalityLeastSquaresRisk(mine))
}

// n = d = 1, X = 1, θ* = 1, σ = 1, η = 1, T = 1: θ_1 = y, so A_T = 1, the risk is σ² = 1 and the
// bound is 4σ²·df(1)/n + 2‖θ*‖²/τ = 4·½ + 2 = 4 (df certified from above, so up to rounding);
// Young's step ⟨v, Δ⟩ ≤ vᵀM⁻¹v + ¼ΔᵀMΔ is an equality since Δ = ε = 2M⁻¹v (M = 2).
func TestBasicInequalityLeastSquaresRiskScalar(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/least-squares-risk")
	approx := cmpopts.EquateApprox(1e-14, 0)
	l, r := exampleSides(t, th.Examples, "scalar-Young-tight", theorems.ClaimStep)
	if diff := cmp.Diff(sides{1, 4}, sides{l, r}, approx); diff != "" {
		t.Errorf("claim sides (-want +got):\n%s", diff)
	}
	for _, step := range []string{"step 3 Young (noise draw 0)", "step 3 Young (noise draw 1)"} {
		l, r := exampleSides(t, th.Examples, "scalar-Young-tight", step)
		if diff := cmp.Diff(sides{1, 1}, sides{l, r}, approx); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step, diff)
		}
	}
}
