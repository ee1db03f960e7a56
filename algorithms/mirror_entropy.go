package algorithms

import (
	"github.com/implicitreg/verify/internal/numeric"

	"fmt"
	"math"
)

// The two entropy maps share their Bregman divergence: ψ(x) = Σ x_i log x_i and
// ψ(x) = Σ (x_i log x_i − x_i) differ by a linear function, which no Bregman divergence sees.
// On the positive orthant both give the generalised KL divergence
//
//	D(x, y) = Σ_i [x_i log(x_i/y_i) − x_i + y_i],
//
// which equals KL(x‖y) on the simplex. Every term is ≥ 0, so the sum has no cancellation
// between terms; mdEntropyBregman computes each term without cancellation inside it either.

// mdEntropyBregman returns x log(x/y) − x + y ≥ 0 for x, y ≥ 0, with 0 log 0 = 0 (so it is y
// when x = 0) and +Inf when x > 0 = y. Writing y = x(1 + u), the term is x·(u − log1p(u)); for
// |u| ≤ 1/8 that is evaluated by its alternating series Σ_{k≥2} (−1)^k u^k/k (truncation
// below 1e-17 relative), with u = (y − x)/x formed from the exact difference, so x ≈ y keeps
// full relative accuracy (the naive form loses all digits there). Otherwise the two parts
// x log(x/y) and y − x cannot cancel by more than a factor of about 20.
func mdEntropyBregman(x, y float64) float64 {
	switch {
	case math.IsNaN(x) || math.IsNaN(y) || x < 0 || y < 0:
		return math.NaN()
	case x == 0:
		return y
	case y == 0:
		return math.Inf(1)
	case math.IsInf(x, 1) || math.IsInf(y, 1):
		return math.Inf(1)
	}
	u := (y - x) / x
	if math.Abs(u) <= 0.125 {
		return x * u * u * mdLog1pSeriesTail(u)
	}
	return x*mdLogRatio(x, y) + (y - x)
}

// mdLog1pSeriesTail returns (u − log1p(u))/u² = Σ_{k≥2} (−u)^{k−2}/k for |u| ≤ 1/8, by Horner
// with terms up to k = 21 (the next term is below 8^{−20}/22 ≈ 4e-20 relative).
func mdLog1pSeriesTail(u float64) float64 {
	var s float64
	for k := 21; k >= 2; k-- {
		s = s*(-u) + 1/float64(k)
	}
	return s
}

// mdLogRatio returns log(x/y) for x, y > 0 finite: through the quotient when it is a normal
// number (one rounding), through log x − log y when the quotient would overflow or lose
// precision as a subnormal.
func mdLogRatio(x, y float64) float64 {
	r := x / y
	if r >= 0x1p-1000 && r <= 0x1p1000 {
		return math.Log(r)
	}
	return numeric.Log(x) - numeric.Log(y)
}

// mdEntropyBregmanLog returns p log(p/q) − p + q with q given as logq, so that q may be far
// below the smallest float64. Writing q/p = e^δ, δ = logq − log p, the term is p(e^δ − 1 − δ):
// for |δ| ≤ 1/4 by its Taylor series δ²Σ_{k≥2} δ^{k−2}/k! (no cancellation), for δ > 1 as
// q − p − pδ (no overflow of e^δ when p is tiny), and otherwise as p(expm1(δ) − δ).
func mdEntropyBregmanLog(p, logq float64) float64 {
	switch {
	case math.IsNaN(p) || math.IsNaN(logq) || p < 0:
		return math.NaN()
	case p == 0:
		return math.Exp(logq)
	case math.IsInf(logq, -1):
		return math.Inf(1)
	case math.IsInf(p, 1) || math.IsInf(logq, 1):
		return math.Inf(1)
	}
	delta := logq - numeric.Log(p)
	switch {
	case math.Abs(delta) <= 0.25:
		// Σ_{k≥2} δ^k/k! = (δ²/2)(1 + (δ/3)(1 + (δ/4)(1 + …))), nested to k = 17: the
		// first omitted term is below 0.25^16·2/18! ≈ 5e-26 relative.
		s := 1.0
		for k := 17; k >= 3; k-- {
			s = 1 + delta/float64(k)*s
		}
		return p * delta * delta / 2 * s
	case delta > 1:
		return math.Exp(logq) - p - p*delta
	default:
		return p * (math.Expm1(delta) - delta)
	}
}

// mdEntropyStep writes x_i·e^{−η g_i} into dst, computed as exp(log x_i − η g_i) so that a tiny
// x_i times a large factor does not overflow in the intermediate; x_i = 0 stays 0 (never
// 0·Inf). This is the unconstrained mirror step of both entropy maps (their gradients, 1 + log
// x and log x, differ by a constant).
func mdEntropyStep(dst, x, g []float64, eta float64) {
	for i, xi := range x {
		switch {
		case xi == 0:
			dst[i] = 0
		case xi < 0 || math.IsNaN(xi):
			dst[i] = math.NaN()
		default:
			dst[i] = math.Exp(numeric.Log(xi) - eta*g[i])
		}
	}
}

// mdXlogx returns x log x with 0 log 0 = 0, +Inf for x < 0 (outside dom ψ).
func mdXlogx(x float64) float64 {
	switch {
	case x == 0:
		return 0
	case x < 0:
		return math.Inf(1)
	}
	return x * numeric.Log(x)
}

// NegEntropy is ψ(x) = Σ x_i log x_i on the probability simplex Δ_d. D_ψ is the KL divergence;
// ψ is 1-strongly convex w.r.t. ℓ1 on Δ_d (Pinsker: KL(x‖y) ≥ ½‖x − y‖₁²). Mirror descent with
// it is exponentiated gradient.
//
// Its MirrorStep is the exact unconstrained step x_i e^{−ηg_i}, which leaves the floating-point
// range once η·|g_i| exceeds about 700: MirrorDescent with NegEntropy is then NaN (reported,
// never hidden). ExponentiatedGradient runs the same iteration in the log domain and survives
// any step; use it when steps are large.
type NegEntropy struct{ d int }

// NewNegEntropy returns the negative entropy on Δ_d.
func NewNegEntropy(d int) (*NegEntropy, error) {
	if err := mdValidDim("NewNegEntropy", d); err != nil {
		return nil, err
	}
	return &NegEntropy{d: d}, nil
}

// Name returns "neg-entropy-simplex".
func (n *NegEntropy) Name() string { return "neg-entropy-simplex" }

// Value returns Σ x_i log x_i (0 log 0 = 0; +Inf if some x_i < 0).
func (n *NegEntropy) Value(x []float64) float64 {
	mdCheckDims(n.Name(), n.d, x)
	var s float64
	for _, v := range x {
		s += mdXlogx(v)
	}
	return s
}

// Grad writes 1 + log x_i into dst (−Inf where x_i = 0).
func (n *NegEntropy) Grad(dst, x []float64) {
	mdCheckDims(n.Name(), n.d, dst, x)
	for i, v := range x {
		dst[i] = 1 + numeric.Log(v)
	}
}

// Divergence returns Σ [x_i log(x_i/y_i) − x_i + y_i], the Bregman divergence of ψ on the
// whole positive orthant (so the three-point identity holds off the simplex too); it is
// KL(x‖y) for x, y ∈ Δ_d. See mdEntropyBregman for the per-term numerics.
func (n *NegEntropy) Divergence(x, y []float64) float64 {
	mdCheckDims(n.Name(), n.d, x, y)
	var s float64
	for i := range x {
		s += mdEntropyBregman(x[i], y[i])
	}
	return s
}

// MirrorStep writes x_i e^{−η g_i} into dst (log dst = log x − η g).
func (n *NegEntropy) MirrorStep(dst, x, g []float64, eta float64) {
	mdCheckDims(n.Name(), n.d, dst, x, g)
	mdEntropyStep(dst, x, g, eta)
}

// Project writes y/Σy into dst: the KL projection of a positive vector onto Δ_d is its
// normalisation (the Lagrange condition log θ − log y = const). The sum is taken of y/max(y),
// so entries near the top of the float64 range do not overflow it. When y has a negative,
// NaN or +Inf entry, or is all zero, there is no projection (y ∉ dom ψ, or the step overflowed)
// and dst is filled with NaN.
func (n *NegEntropy) Project(dst, y []float64) {
	mdCheckDims(n.Name(), n.d, dst, y)
	m := 0.0
	bad := false
	for _, v := range y {
		if !(v >= 0) || math.IsInf(v, 1) {
			bad = true
		}
		if v > m {
			m = v
		}
	}
	if bad || m == 0 {
		for i := range dst {
			dst[i] = math.NaN()
		}
		return
	}
	var s float64
	for _, v := range y {
		s += v / m
	}
	for i, v := range y {
		dst[i] = (v / m) / s
	}
}

// Feasibility returns max(|Σx − 1|, max_i(−x_i)), reported as 0 up to max(FeasibilityTol,
// 8dε) (the rounding of a sum of d terms), and +Inf for NaN or Inf entries.
func (n *NegEntropy) Feasibility(x []float64) float64 {
	mdCheckDims(n.Name(), n.d, x)
	if !mdAllFinite(x) {
		return math.Inf(1)
	}
	var s, v float64
	for _, xi := range x {
		s += xi
		v = math.Max(v, -xi)
	}
	v = math.Max(v, math.Abs(s-1))
	if v <= math.Max(FeasibilityTol, 8*float64(n.d)*mdEps) {
		return 0
	}
	return v
}

// StrongConvexity returns μ = 1 w.r.t. ℓ1 (Pinsker's inequality).
func (n *NegEntropy) StrongConvexity() (float64, string) { return 1, "l1" }

// UnnormalisedEntropy is ψ(x) = Σ (x_i log x_i − x_i) on a box C = [a, b]^d inside the
// positive orthant (0 < a < b < ∞). ∇ψ(x) = log x, ∇²ψ(x) = diag(1/x_i) ⪰ (1/b)I on C, so ψ is
// (1/b)-strongly convex w.r.t. ℓ2 there.
type UnnormalisedEntropy struct {
	d    int
	a, b float64
	name string
}

// NewUnnormalisedEntropy returns the unnormalised entropy on [a, b]^d, 0 < a < b < ∞.
func NewUnnormalisedEntropy(d int, a, b float64) (*UnnormalisedEntropy, error) {
	if err := mdValidDim("NewUnnormalisedEntropy", d); err != nil {
		return nil, err
	}
	if !(a > 0) || !(a < b) || math.IsInf(b, 1) {
		return nil, fmt.Errorf("algorithms: NewUnnormalisedEntropy: need 0 < a < b < ∞, got [%g, %g]", a, b)
	}
	return &UnnormalisedEntropy{d: d, a: a, b: b, name: fmt.Sprintf("entropy-box[%g,%g]", a, b)}, nil
}

// Name returns "entropy-box[a,b]".
func (u *UnnormalisedEntropy) Name() string { return u.name }

// Bounds returns a and b.
func (u *UnnormalisedEntropy) Bounds() (a, b float64) { return u.a, u.b }

// Value returns Σ (x_i log x_i − x_i) (+Inf if some x_i < 0).
func (u *UnnormalisedEntropy) Value(x []float64) float64 {
	mdCheckDims(u.name, u.d, x)
	var s float64
	for _, v := range x {
		s += mdXlogx(v) - v
	}
	return s
}

// Grad writes log x_i into dst.
func (u *UnnormalisedEntropy) Grad(dst, x []float64) {
	mdCheckDims(u.name, u.d, dst, x)
	for i, v := range x {
		dst[i] = numeric.Log(v)
	}
}

// Divergence returns Σ [x_i log(x_i/y_i) − x_i + y_i] (generalised KL), term by term without
// cancellation (see mdEntropyBregman).
func (u *UnnormalisedEntropy) Divergence(x, y []float64) float64 {
	mdCheckDims(u.name, u.d, x, y)
	var s float64
	for i := range x {
		s += mdEntropyBregman(x[i], y[i])
	}
	return s
}

// MirrorStep writes x_i e^{−η g_i} into dst (log dst = log x − η g). Overflow to +Inf or
// underflow to 0 is harmless here: Project clips them to b and a, which is the exact
// projection of the true, representable-or-not, point.
func (u *UnnormalisedEntropy) MirrorStep(dst, x, g []float64, eta float64) {
	mdCheckDims(u.name, u.d, dst, x, g)
	mdEntropyStep(dst, x, g, eta)
}

// Project clips y to [a, b]^d. That is the exact Bregman projection, not an approximation:
// ψ is separable, so D_ψ(θ, y) = Σ_i d(θ_i, y_i) with d(t, s) = t log(t/s) − t + s, and the
// box is a product of intervals, so the minimisation splits into d one-dimensional problems;
// each t ↦ d(t, y_i) is convex with its unconstrained minimiser at t = y_i, so its minimiser
// over [a, b] is y_i clipped. (For a non-separable ψ, or a non-product set such as a ball,
// clipping would be wrong.) NaN stays NaN.
func (u *UnnormalisedEntropy) Project(dst, y []float64) {
	mdCheckDims(u.name, u.d, dst, y)
	for i, v := range y {
		dst[i] = mdClip(v, u.a, u.b)
	}
}

// Feasibility returns the largest coordinate violation of [a, b] (0 up to
// FeasibilityTol·max(1, b)).
func (u *UnnormalisedEntropy) Feasibility(x []float64) float64 {
	mdCheckDims(u.name, u.d, x)
	return mdBoxViolation(x, u.a, u.b)
}

// StrongConvexity returns μ = 1/b w.r.t. ℓ2 (the smallest eigenvalue of ∇²ψ on the box).
func (u *UnnormalisedEntropy) StrongConvexity() (float64, string) { return 1 / u.b, "l2" }
