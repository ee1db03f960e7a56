package generators

import (
	"math"

	"github.com/implicitreg/verify/internal/numeric"
)

// ridgeCertifier is implemented by the instances of this package that know the rounding
// error of their own gradient.
type ridgeCertifier interface {
	ridgeGap(center []float64, tau float64, x []float64) float64
}

// RidgeGapBound returns a certified upper bound on h(x) − min h for the ridge objective
// h(θ) = f(θ) + ‖θ − center‖²/(2τ) of a convex instance f: h is μ-strongly convex with
// μ = 1/τ, so h(x) − min h ≤ ‖∇h(x)‖²/(2μ) = τ‖∇h(x)‖²/2 for every x.
//
// The computed ∇h(x) is inflated by a bound on its rounding error before squaring. Instances
// of this package supply that bound from their structure (margins, matrix–vector products,
// softmax; see e.g. Logistic.Ridge). For any other Instance the error is taken to be
// 4(d+4)·Eps·(‖∇f(x)‖ + ‖x − center‖/τ), i.e. the instance's Grad is trusted to be accurate to
// a few ulps per coordinate relative to ‖∇f(x)‖.
//
// Envelope checks use it in both directions: min h ≥ h(x) − RidgeGapBound(…, x). To bound
// min_θ f(θ) + ‖θ − c‖²/(2σ) for a penalty weight 1/(2σ), pass tau = σ (so the paper's
// ‖θ‖²/(4τ) is tau = 2τ and ‖z‖²/τ is tau = τ/2).
func RidgeGapBound(inst Instance, center []float64, tau float64, x []float64) float64 {
	d := inst.Dim()
	checkLen("center", center, d)
	checkLen("x", x, d)
	if !(tau > 0) || math.IsInf(tau, 0) {
		return math.NaN()
	}
	if rc, ok := inst.(ridgeCertifier); ok {
		return rc.ridgeGap(center, tau, x)
	}
	gf := make([]float64, d)
	inst.Grad(gf, x)
	var gradErr float64
	if ge, ok := inst.(gradErrBounder); ok {
		gradErr = ge.gradErrBound(x)
	} else {
		diff := make([]float64, d)
		numeric.SubTo(diff, x, center)
		gradErr = 4 * float64(d+4) * numeric.Eps * (numeric.Norm2(gf) + numeric.Norm2(diff)/tau)
	}
	return ridgeGapFrom(gf, gradErr, center, tau, x)
}

// gradErrBounder is implemented by the instances of this package that bound the rounding
// error of their own gradient.
type gradErrBounder interface {
	gradErrBound(x []float64) float64
}

// approxRidge minimises h(θ) = f(θ) + ‖θ − center‖²/(2τ) for any convex L-smooth Instance by
// Nesterov's accelerated gradient method for strongly convex functions (step 1/(L + 1/τ),
// momentum (√κ − 1)/(√κ + 1), κ = 1 + τL), at most maxIter iterations. Used for reference
// points only: the basic inequality holds for every z.
func approxRidge(inst Instance, center []float64, tau float64, maxIter int) ([]float64, bool) {
	d := inst.Dim()
	L := inst.Smoothness()
	if !(L > 0) || math.IsInf(L, 0) || !(tau > 0) || math.IsInf(tau, 0) {
		return nil, false
	}
	mu := 1 / tau
	step := 1 / (L + mu)
	sk := math.Sqrt((L + mu) / mu)
	mom := (sk - 1) / (sk + 1)
	x := append([]float64(nil), center...)
	prev := append([]float64(nil), center...)
	y := make([]float64, d)
	g := make([]float64, d)
	for it := 0; it < maxIter; it++ {
		for j := range y {
			y[j] = x[j] + mom*(x[j]-prev[j])
		}
		inst.Grad(g, y)
		copy(prev, x)
		for j := range x {
			x[j] = y[j] - step*(g[j]+(y[j]-center[j])*mu)
		}
		if !numeric.VecFinite(x) {
			return nil, false
		}
	}
	return x, true
}
