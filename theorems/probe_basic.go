package theorems

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// Probes of the basic-inequality family.

func init() {
	RegisterProbe(Probe{
		Theorem: "basic-inequality/gd",
		Name:    "step",
		Description: `step = η·L: GD with the constant schedule η_t = step/L for every t (the rounded
quotient, moved down by ulps until η·L ≤ step holds in exact arithmetic, so step ≤ 1 meets the
hypothesis exactly), on the theorem's own draws (convex families, n ≤ 60, d ≤ 50, T ≤ 500, every
kind of reference point z). Only the conclusion f(θ_T) + ‖θ_T − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ)
is judged: the proof's step 1 needs η ≤ 1/L and fails as soon as the step passes it, so a probe
of the whole proof would only find that; the question is where the claim itself stops holding.
Non-finite values (GD diverges on a curvature-L direction once step > 2) never hold.`,
		Hypothesis: "0 < step ≤ 1 (η_t ≤ 1/L)",
		Default:    1,
		Holds:      func(v float64) bool { return v > 0 && v <= 1 },
		Admits:     probeBasicPositive,
		Property: func(v float64) Property {
			return probeGDStep(algorithms.GradientDescent, v)
		},
	})
}

func probeBasicPositive(v float64) error {
	if !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("step must be a positive finite multiple of 1/L, got %g", v)
	}
	return nil
}

// probeGDStep is basic-inequality/gd's property with the schedule fixed to the constant
// step v/L, judged on the conclusion only.
func probeGDStep(gd GDMethod, v float64) Property {
	return func(t *rapid.T) Evidence {
		f, L, discarded, ok := drawSmoothConvex(t)
		if !ok {
			return discarded
		}
		eta, ok := probeBasicStepAt(v, L)
		if !ok {
			return Discarded(fmt.Sprintf("no positive finite double η with η·L ≤ %g for L = %g", v, L))
		}
		x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
		T := generators.DrawHorizon(t, basicMaxT)
		steps := make([]float64, T)
		for i := range steps {
			steps[i] = eta
		}
		ev := gdEvidenceDraw(t, gd, f, x0, steps, gdClaim, "constant η = "+strconv.FormatFloat(v, 'g', -1, 64)+"/L")
		ev.Steps = slices.DeleteFunc(ev.Steps, func(q Inequality) bool {
			return q.Step != ClaimStep && q.Step != "trajectory length"
		})
		return ev
	}
}

// probeBasicStepAt returns the rounded quotient v/L moved down by ulps until η·L ≤ v holds in
// exact arithmetic (the sign of the fused multiply-add η·L − v decides).
func probeBasicStepAt(v, L float64) (float64, bool) {
	eta := v / L
	for k := 0; k < 64 && math.FMA(eta, L, -v) > 0; k++ {
		eta = math.Nextafter(eta, 0)
	}
	return eta, eta > 0 && !math.IsInf(eta, 0) && math.FMA(eta, L, -v) <= 0
}
