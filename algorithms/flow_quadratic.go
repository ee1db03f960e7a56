package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// QuadraticFlow returns θ(τ) for the gradient flow θ' = −∇f(θ) of the quadratic
// f(θ) = ½θᵀHθ − bᵀθ from θ(0) = x0, where H = QΛQᵀ is given by its eigendecomposition:
// vals holds λ_1, …, λ_d and the columns of vecs (d×d) the orthonormal eigenvectors.
//
// Why the eigenbasis: with c = Qᵀθ and β = Qᵀb the flow decouples into c_k' = −λ_k c_k + β_k,
// solved exactly by
//
//	c_k(τ) = c_k(0)·e^{−λ_kτ} + β_k·τ·φ(λ_kτ),   φ(x) = (1 − e^{−x})/x,  φ(0) = 1,
//
// so θ(τ) = Q c(τ) carries only the rounding of two orthogonal transforms — no time stepping,
// hence no discretisation error to fold into a theorem's tolerance. Writing the second term as
// τ·φ(λτ), rather than (1 − e^{−λτ})/λ, is what makes it exact where it matters: λ_k = 0
// (singular H; the term is β_k τ, the limit, not 0/0) and λ_kτ tiny (1 − e^{−λτ} would cancel
// to 0 below λτ ≈ 1e-16, losing β_k τ entirely; φ is evaluated with expm1 or its Taylor series
// to full relative precision instead).
//
// Negative eigenvalues are accepted and handled by the same formula (the flow then
// diverges exponentially, as it should): tiny negative values from a numerical
// eigendecomposition of a singular PSD matrix need no clamping. The accuracy of θ(τ) is
// that of the decomposition itself; vecs must be orthogonal to working precision (check
// EigenSym's ok). tau may be any finite number; a NaN anywhere propagates to the result.
//
// It panics if the dimensions disagree.
func QuadraticFlow(vals []float64, vecs *mat.Dense, b, x0 []float64, tau float64) []float64 {
	return QuadraticFlowPath(vals, vecs, b, x0, []float64{tau})[0]
}

// QuadraticFlowPath returns θ(t) for every t in times (any order, repeats allowed), as
// QuadraticFlow does, projecting b and x0 onto the eigenbasis once. The returned slices are
// views into one backing array.
func QuadraticFlowPath(vals []float64, vecs *mat.Dense, b, x0 []float64, times []float64) [][]float64 {
	d := len(x0)
	if r, c := vecs.Dims(); r != d || c != d || len(vals) != d || len(b) != d {
		panic(fmt.Sprintf("algorithms: QuadraticFlow: len(x0) = %d, len(b) = %d, len(vals) = %d, vecs %d×%d; want all d", d, len(b), len(vals), r, c))
	}
	out := make([][]float64, len(times))
	if d == 0 {
		for i := range out {
			out[i] = []float64{}
		}
		return out
	}
	var c0, beta mat.VecDense
	c0.MulVec(vecs.T(), mat.NewVecDense(d, x0))
	beta.MulVec(vecs.T(), mat.NewVecDense(d, b))

	backing := make([]float64, len(times)*d)
	c := mat.NewVecDense(d, nil)
	for i, t := range times {
		for k, lam := range vals {
			x := lam * t
			// Terms with a zero coefficient are skipped, not multiplied: 0·e^{−x} must stay 0
			// even where e^{−x} overflows (λ < 0, large τ).
			var ck float64
			if a := c0.AtVec(k); a != 0 {
				ck = a * math.Exp(-x)
			}
			if bk := beta.AtVec(k); bk != 0 {
				ck += bk * t * flowPhi(x)
			}
			c.SetVec(k, ck)
		}
		out[i] = backing[i*d : (i+1)*d : (i+1)*d]
		mat.NewVecDense(d, out[i]).MulVec(vecs, c)
	}
	return out
}

// flowPhi is φ(x) = (1 − e^{−x})/x with φ(0) = 1, accurate to a few ulps for every x.
//
// For |x| < 1e-4 the Taylor polynomial 1 − x/2 + x²/6 − x³/24 is used: the first omitted
// term, x⁴/120, is below 1e-18 there, under half an ulp of φ ≈ 1; this also covers
// subnormal and zero x, where expm1(−x)/x would lose relative precision or be 0/0. Elsewhere
// −expm1(−x)/x costs one correctly rounded division on top of expm1's ulp-accurate result,
// with no cancellation (1 − e^{−x} formed directly would lose all digits as x → 0).
// Large positive x gives 1/x; large negative x overflows to +Inf, which is the true value's
// magnitude class (e^{|x|}/|x|).
func flowPhi(x float64) float64 {
	if math.Abs(x) < 1e-4 {
		return 1 + x*(-1.0/2+x*(1.0/6-x/24))
	}
	return -math.Expm1(-x) / x
}
