package generators

import (
	"fmt"
	"math"

	"github.com/implicitreg/verify/internal/numeric"
)

// DoubleWell is the NON-convex f(x) = Σ_i (x_i² − 1)²/4, for negative controls only (a
// theorem that needs convexity must be caught failing on it). ∇f(x)_i = x_i³ − x_i and
// ∇²f(x) = diag(3x_i² − 1), whose eigenvalues lie in [−1, 3B² − 1] on the box [−B, B]^d.
// So f is L-smooth on the box with L = max(3B² − 1, 1) (certified, rounded up), and on no
// larger set with that constant: like Poisson's, the bound is local, and a control must
// check that its iterates stay in the box (InBox).
type DoubleWell struct {
	d   int
	box float64
	l   float64
}

// NewDoubleWell returns the double well on R^d with smoothness certified on [−box, box]^d.
// It panics unless d ≥ 1 and box is finite and > 0.
func NewDoubleWell(d int, box float64) *DoubleWell {
	if d < 1 || !(box > 0) || math.IsInf(box, 0) {
		panic(fmt.Sprintf("generators: NewDoubleWell(%d, %g): need d ≥ 1 and finite box > 0", d, box))
	}
	b2 := numeric.MulUp(box, box)
	l := math.Max(numeric.MulUp(3, b2)-1, 1)
	return &DoubleWell{d: d, box: box, l: math.Nextafter(l, math.Inf(1))}
}

// Dim returns d.
func (f *DoubleWell) Dim() int { return f.d }

// Value returns Σ (x_i² − 1)²/4.
func (f *DoubleWell) Value(x []float64) float64 {
	checkLen("x", x, f.d)
	var s float64
	for _, v := range x {
		w := v*v - 1
		s += w * w
	}
	return s / 4
}

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// Here (n = 1) S = Σ_i (x_i² + 1)²/4: near the wells x_i = ±1 the terms x_i² and 1 cancel
// while f ≈ 0. It is never below |Value(x)| and allocates nothing.
func (f *DoubleWell) ValueScale(x []float64) float64 {
	checkLen("x", x, f.d)
	var s, v float64
	for _, xi := range x {
		w, u := xi*xi+1, xi*xi-1
		s += w * w
		v += u * u
	}
	return scaleAtLeast(s/4, v/4)
}

// Grad writes x_i³ − x_i = x_i(x_i² − 1) into dst (no allocation).
func (f *DoubleWell) Grad(dst, x []float64) {
	checkLen("x", x, f.d)
	checkLen("dst", dst, f.d)
	for i, v := range x {
		dst[i] = v * (v*v - 1)
	}
}

// gradErrBound bounds the rounding error of Grad: x(x² − 1) is three operations, so each
// coordinate errs by at most 4·Eps·(|x|³ + |x|).
func (f *DoubleWell) gradErrBound(x []float64) float64 {
	var s float64
	for _, v := range x {
		a := math.Abs(v)
		e := 4 * numeric.Eps * (a*a*a + a)
		s += e * e
	}
	return math.Sqrt(s) * (1 + 1e-6)
}

// Name returns "double-well".
func (f *DoubleWell) Name() string { return "double-well" }

// Smoothness returns max(3B² − 1, 1), certified on the box [−B, B]^d only.
func (f *DoubleWell) Smoothness() float64 { return f.l }

// Convex returns false.
func (f *DoubleWell) Convex() bool { return false }

// Box returns B.
func (f *DoubleWell) Box() float64 { return f.box }

// InBox reports whether every |x_i| ≤ B.
func (f *DoubleWell) InBox(x []float64) bool {
	return numeric.NormInf(x) <= f.box
}

// ThetaScale returns 1 (the wells sit at ±1).
func (f *DoubleWell) ThetaScale() float64 { return 1 }

// String describes the instance.
func (f *DoubleWell) String() string {
	return fmt.Sprintf("double-well f(x) = Σ_i (x_i² − 1)²/4 (non-convex) with d=%d, smooth on box [−%s, %s]^d; L=%s", f.d, fmtG(f.box), fmtG(f.box), fmtG(f.l))
}
