package theorems_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityEnvelope(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/envelope")
	checks.TheoremTest(t, th)
}

func TestBasicInequalityEnvelopeOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		return algorithms.GradientDescent(f, x0, steps)
	}
	checks.TheoremTest(t, theorems.BasicInequalityEnvelope(mine))
}

// On f(x) = x²/2 − x the ridge problems have the closed form argmin x²/2 − x + x²/(2σ) =
// σ/(1 + σ), with value −σ/(2(1 + σ)); GD with η = 1 reaches the minimiser 1 in one step.
// So at τ = T: lower envelope (σ = 2τ) −τ/(1 + 2τ), upper (σ = τ/2) −τ/(2(2 + τ)), and the
// implicit objective −1/2 + 1/(4τ) for every T ≥ 1.
func TestEnvelopeCurvesClosedForm(t *testing.T) {
	f, err := generators.NewQuadratic([]float64{1}, nil, []float64{1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := theorems.EnvelopeCurves(algorithms.GradientDescent, f, []float64{1, 1, 1, 1}, []int{1, 2, 4})
	if err != nil {
		t.Fatal(err)
	}
	var want []theorems.EnvelopePoint
	for _, T := range []int{1, 2, 4} {
		tau := float64(T)
		want = append(want, theorems.EnvelopePoint{
			T: T, Tau: tau,
			Lower:    -tau / (1 + 2*tau),
			Implicit: -0.5 + 1/(4*tau),
			Upper:    -tau / (2 * (2 + tau)),
		})
	}
	opts := cmp.Options{
		cmpopts.EquateApprox(1e-14, 1e-15),
		cmpopts.IgnoreFields(theorems.EnvelopePoint{}, "LowerGap", "UpperGap"),
	}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Fatalf("curves (−want +got):\n%s", diff)
	}
	for _, p := range got {
		if !(p.LowerGap >= 0 && p.LowerGap < 1e-25 && p.UpperGap >= 0 && p.UpperGap < 1e-25) {
			t.Errorf("T = %d: certified gaps %g, %g not at rounding level", p.T, p.LowerGap, p.UpperGap)
		}
		if !(p.Lower <= p.Implicit && p.Implicit <= p.Upper) {
			t.Errorf("T = %d: %g ≤ %g ≤ %g is false", p.T, p.Lower, p.Implicit, p.Upper)
		}
	}
}
