package algorithms

import (
	"fmt"
	"math"
)

// PNorm is ψ(x) = ½‖x‖_p² for p ∈ (1, 2], on C = R^d. It is (p − 1)-strongly convex w.r.t.
// ‖·‖_p (Ball–Carlen–Lieb; the constant is sharp), which is what makes p-norm mirror descent
// with p = 1 + 1/log d behave like an ℓ1 method while staying smooth.
//
// ∇ψ(x)_i = ‖x‖_p^{2−p} sign(x_i)|x_i|^{p−1}, and its inverse is ∇ψ* for the conjugate
// ψ*(θ) = ½‖θ‖_q², q = p/(p − 1) ≥ 2. Both are evaluated in the scaled form
// ‖x‖·sign(x_i)(|x_i|/‖x‖)^{p−1}, so no power of a huge or tiny |x_i| is ever formed, and the
// zero vector maps to zero (where ‖x‖^{2−p} and ‖θ‖^{2−q} = ∞ would otherwise meet 0).
type PNorm struct {
	d    int
	p, q float64
	name string
}

// NewPNorm returns ½‖x‖_p² on R^d for 1 < p ≤ 2. For p close to 1, q = p/(p−1) is large and
// the inverse map raises ratios in [0, 1] to the power q − 1: entries much smaller than the
// largest underflow to 0, which is their correct value to working precision.
func NewPNorm(d int, p float64) (*PNorm, error) {
	if err := mdValidDim("NewPNorm", d); err != nil {
		return nil, err
	}
	if !(p > 1 && p <= 2) {
		return nil, fmt.Errorf("algorithms: NewPNorm: p = %g, want 1 < p ≤ 2", p)
	}
	q := p / (p - 1)
	if p == 2 {
		q = 2
	}
	return &PNorm{d: d, p: p, q: q, name: fmt.Sprintf("half-sq-lp(p=%g)", p)}, nil
}

// Name returns "half-sq-lp(p=…)".
func (n *PNorm) Name() string { return n.name }

// P returns p, the exponent of the norm named "lp" by StrongConvexity.
func (n *PNorm) P() float64 { return n.p }

// Q returns the conjugate exponent q = p/(p − 1): gradients are measured in ‖·‖_q.
func (n *PNorm) Q() float64 { return n.q }

// LpNorm returns ‖x‖_p for p ≥ 1, scaled by max|x_i| so that neither |x_i|^p nor their sum
// overflows or underflows. NaN entries give NaN; an infinite entry gives +Inf.
func LpNorm(x []float64, p float64) float64 {
	var m float64
	for _, v := range x {
		a := math.Abs(v)
		if math.IsNaN(a) {
			return math.NaN()
		}
		if a > m {
			m = a
		}
	}
	if m == 0 || math.IsInf(m, 1) {
		return m
	}
	if p == 1 {
		var s float64
		for _, v := range x {
			s += math.Abs(v)
		}
		return s
	}
	var s float64
	for _, v := range x {
		if v != 0 {
			s += math.Pow(math.Abs(v)/m, p)
		}
	}
	return m * math.Pow(s, 1/p)
}

// mdDualMap writes the gradient of ½‖·‖_r² at x into dst (r = p for ∇ψ, r = q for ∇ψ⁻¹), in the
// scaled form n·sign(x_i)(|x_i|/n)^{r−1} with n = ‖x‖_r; x = 0 maps to 0. dst may be x.
func mdDualMap(dst, x []float64, r float64) {
	if r == 2 {
		copy(dst, x)
		return
	}
	n := LpNorm(x, r)
	if n == 0 {
		for i := range dst {
			dst[i] = 0
		}
		return
	}
	for i, v := range x {
		a := math.Pow(math.Abs(v)/n, r-1) * n
		dst[i] = math.Copysign(a, v)
		if v == 0 {
			dst[i] = 0
		}
	}
}

// Value returns ½‖x‖_p².
func (n *PNorm) Value(x []float64) float64 {
	mdCheckDims(n.name, n.d, x)
	v := LpNorm(x, n.p)
	return v * v / 2
}

// Grad writes ∇ψ(x)_i = ‖x‖_p^{2−p} sign(x_i)|x_i|^{p−1} into dst (0 at x = 0).
func (n *PNorm) Grad(dst, x []float64) {
	mdCheckDims(n.name, n.d, dst, x)
	mdDualMap(dst, x, n.p)
}

// Divergence returns D_ψ(x, y). No cancellation-free closed form exists for p < 2, so it is
// evaluated as the sum of two non-negative parts,
//
//	D = ½(a − b)² + b·(a − ⟨w, x⟩),  a = ‖x‖_p, b = ‖y‖_p, w = ∇ψ(y)/b (‖w‖_q = 1),
//
// (expand: ⟨∇ψ(y), y⟩ = b², so D = ½a² + ½b² − b⟨w, x⟩), where a − ⟨w, x⟩ ≥ 0 by Hölder and
// is clamped at 0 against rounding. The absolute error is O(dε(a² + b²)), so for x close to y
// the relative error grows like (a² + b²)/D. For p = 2 it is ½‖x − y‖², formed from the
// differences.
func (n *PNorm) Divergence(x, y []float64) float64 {
	mdCheckDims(n.name, n.d, x, y)
	if n.p == 2 {
		return mdHalfSqDist(x, y)
	}
	a := LpNorm(x, n.p)
	b := LpNorm(y, n.p)
	if b == 0 {
		return a * a / 2
	}
	var inner float64
	for i, v := range y {
		if v == 0 {
			continue
		}
		w := math.Copysign(math.Pow(math.Abs(v)/b, n.p-1), v)
		inner += w * x[i]
	}
	gap := a - inner
	if gap < 0 {
		gap = 0 // Hölder: ⟨w, x⟩ ≤ ‖w‖_q‖x‖_p = a; only rounding can make it negative
	}
	return (a-b)*(a-b)/2 + b*gap
}

// MirrorStep writes ∇ψ*(∇ψ(x) − ηg) into dst, using dst as the scratch for the dual point.
func (n *PNorm) MirrorStep(dst, x, g []float64, eta float64) {
	mdCheckDims(n.name, n.d, dst, x, g)
	mdDualMap(dst, x, n.p)
	for i := range dst {
		dst[i] -= eta * g[i]
	}
	mdDualMap(dst, dst, n.q)
}

// Project copies y: C = R^d.
func (n *PNorm) Project(dst, y []float64) {
	mdCheckDims(n.name, n.d, dst, y)
	copy(dst, y)
}

// Feasibility returns 0 for finite points and +Inf otherwise.
func (n *PNorm) Feasibility(x []float64) float64 {
	mdCheckDims(n.name, n.d, x)
	if !mdAllFinite(x) {
		return math.Inf(1)
	}
	return 0
}

// StrongConvexity returns μ = p − 1 w.r.t. ‖·‖_p ("lp"; p from P).
func (n *PNorm) StrongConvexity() (float64, string) { return n.p - 1, "lp" }
