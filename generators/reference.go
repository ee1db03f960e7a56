package generators

import (
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

// Reference-point kinds returned by DrawReference.
const (
	ReferenceRandom    = "random"    // drawn vector at the trajectory's scale
	ReferenceTheta0    = "theta0"    // z = θ_0
	ReferenceThetaT    = "thetaT"    // z = θ_T
	ReferenceMinimiser = "minimiser" // a minimiser of f (least squares X⁺y, quadratic H⁺b)
	ReferenceRidge     = "ridge"     // argmin f + ‖· − θ_0‖²/(2τ), the tightest choice
)

// DrawReference draws a reference point z for the basic inequality ("reference"):
//
//   - ReferenceRandom: z with entries s·[−1, 1] ("z"), s = 10^k·max(‖θ_0‖_∞, ‖θ_T‖_∞,
//     ‖θ_T − θ_0‖_∞) with k ∈ [−1, 1] ("z_log10_rel_scale"), or ThetaScale(inst) when all are 0;
//   - ReferenceTheta0, ReferenceThetaT: copies of θ_0, θ_T;
//   - ReferenceMinimiser: inst's Minimizer() when it has one that succeeds (LeastSquares,
//     Quadratic with b ∈ range(H), or any Instance with a Minimizer() ([]float64, bool)
//     method);
//   - ReferenceRidge: argmin f + ‖· − θ_0‖²/(2τ): exact (Cholesky / spectral) for least
//     squares and quadratics, Newton for logistic, Huber, Poisson and log-sum-exp, and
//     accelerated gradient (500 iterations) for any other convex Instance.
//
// The inequality holds for every z, so neither the minimiser nor the ridge point needs to
// be exact. When the drawn kind is unavailable (no minimiser, τ ≤ 0, a failed solve) it
// falls back to a random z, and the returned kind says which was used.
func DrawReference(t *rapid.T, inst Instance, theta0, thetaT []float64, tau float64) (z []float64, kind string) {
	d := inst.Dim()
	checkLen("θ_0", theta0, d)
	checkLen("θ_T", thetaT, d)
	kind = rapid.SampledFrom([]string{ReferenceRandom, ReferenceTheta0, ReferenceThetaT, ReferenceMinimiser, ReferenceRidge}).Draw(t, "reference")
	switch kind {
	case ReferenceTheta0:
		return append([]float64(nil), theta0...), kind
	case ReferenceThetaT:
		return append([]float64(nil), thetaT...), kind
	case ReferenceMinimiser:
		if m, ok := inst.(interface{ Minimizer() ([]float64, bool) }); ok {
			if z, ok := m.Minimizer(); ok {
				return z, kind
			}
		}
	case ReferenceRidge:
		if z, ok := ridgePoint(inst, theta0, tau); ok {
			return z, kind
		}
	}
	base := math.Max(numeric.NormInf(theta0), numeric.NormInf(thetaT))
	diff := make([]float64, d)
	numeric.SubTo(diff, thetaT, theta0)
	base = math.Max(base, numeric.NormInf(diff))
	if !(base > 0) || math.IsInf(base, 0) {
		base = ThetaScale(inst)
	}
	s := base * drawPow10(t, "z_log10_rel_scale", -1, 1)
	return DrawVector(t, "z", d, s), ReferenceRandom
}

// ridgePoint returns (an approximation of) argmin f + ‖· − center‖²/(2τ).
func ridgePoint(inst Instance, center []float64, tau float64) ([]float64, bool) {
	if !(tau > 0) || math.IsInf(tau, 0) || !numeric.VecFinite(center) {
		return nil, false
	}
	switch r := inst.(type) {
	case interface {
		Ridge([]float64, float64) ([]float64, bool)
	}:
		return r.Ridge(center, tau)
	case interface {
		Ridge([]float64, float64) ([]float64, float64, bool)
	}:
		z, _, ok := r.Ridge(center, tau)
		return z, ok
	}
	if !inst.Convex() {
		return nil, false
	}
	return approxRidge(inst, center, tau, 500)
}
