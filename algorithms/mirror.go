package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// MirrorMap is a Legendre function ψ together with the closed convex constraint set C that
// mirror descent keeps its iterates in. Everything the mirror-descent basic inequality
// (`basic-inequality/mirror-descent`) talks about is a method here, so a theorem can check
// each proof step against the map's own Bregman divergence, and a user's own map can stand in
// for ours.
//
// Conventions shared by every implementation in this package:
//   - Slices have the map's dimension d; a length mismatch is a programmer error and panics.
//   - dst never shares memory with the other arguments, except that Project may be called
//     with dst and y the very same slice (in place). Implementations may use dst as scratch.
//   - No method allocates, and a map is immutable after construction, so one value may be
//     used from many goroutines at once.
//   - Points outside dom ψ give +Inf (Value, Divergence) rather than a silent finite number;
//     NaN inputs propagate to NaN outputs and are never reported as feasible.
type MirrorMap interface {
	// Name identifies the map (and its parameters) in reports.
	Name() string
	// Value returns ψ(x).
	Value(x []float64) float64
	// Grad writes ∇ψ(x) into dst.
	Grad(dst, x []float64)
	// Divergence returns D_ψ(x, y) = ψ(x) − ψ(y) − ⟨∇ψ(y), x − y⟩ ≥ 0, computed in a closed
	// form that avoids subtracting two large ψ values wherever one exists.
	Divergence(x, y []float64) float64
	// MirrorStep writes the unconstrained step into dst: ∇ψ(dst) = ∇ψ(x) − η g.
	MirrorStep(dst, x, g []float64, eta float64)
	// Project writes the Bregman projection argmin_{θ∈C} D_ψ(θ, y) into dst.
	Project(dst, y []float64)
	// Feasibility returns 0 when x ∈ C up to the tolerance stated by the implementation
	// (FeasibilityTol relative to the set's scale for the maps of this package), and a
	// positive, distance-like amount of violation otherwise. It must never return 0 or NaN
	// for a NaN point; the maps of this package return +Inf for any NaN or ±Inf entry.
	Feasibility(x []float64) float64
	// StrongConvexity returns a certified μ > 0 such that ψ is μ-strongly convex on C with
	// respect to the named norm: D_ψ(x, y) ≥ (μ/2)‖x − y‖² for x, y ∈ C. norm is "l2", "l1"
	// or "lp" (for PNorm, p is given by its P method).
	StrongConvexity() (mu float64, norm string)
}

// FeasibilityTol is the relative tolerance under which the maps of this package report a
// point as feasible. It absorbs the rounding of their own projections (a rescaled point on
// the ball, a normalised point on the simplex) and nothing more: a projection that was
// skipped produces violations many orders of magnitude larger.
const FeasibilityTol = 1e-12

// mdEps is the unit roundoff bound 2⁻⁵² used in certificates (conservative: twice the
// round-to-nearest unit roundoff).
const mdEps = 0x1p-52

// mdCheckDims panics when a slice does not have the map's dimension. The variadic slice does not
// escape, so the check does not allocate.
func mdCheckDims(name string, d int, xs ...[]float64) {
	for _, x := range xs {
		if len(x) != d {
			panic(fmt.Sprintf("algorithms: %s: slice of length %d, want %d", name, len(x), d))
		}
	}
}

func mdValidDim(name string, d int) error {
	if d < 1 {
		return fmt.Errorf("algorithms: %s: dimension %d, want at least 1", name, d)
	}
	return nil
}

// allFinite reports whether no entry of x is NaN or ±Inf.
func mdAllFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// mdHalfSqDist returns ½‖x − y‖². The difference is formed coordinate by coordinate before
// squaring, so nearby points get full relative accuracy (never ½‖x‖² − ⟨x,y⟩ + ½‖y‖²).
func mdHalfSqDist(x, y []float64) float64 {
	var s float64
	for i := range x {
		v := x[i] - y[i]
		s += v * v
	}
	return s / 2
}

// mdDot returns ⟨x, y⟩.
func mdDot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

// mdEuclidean holds the operations of ψ(x) = ½‖x‖², shared by the three Euclidean maps, which
// differ only in C (hence in Project and Feasibility).
type mdEuclidean struct {
	d    int
	name string
}

func (e mdEuclidean) Name() string { return e.name }

// Value returns ½‖x‖².
func (e mdEuclidean) Value(x []float64) float64 {
	mdCheckDims(e.name, e.d, x)
	return mdDot(x, x) / 2
}

// Grad writes ∇ψ(x) = x into dst.
func (e mdEuclidean) Grad(dst, x []float64) {
	mdCheckDims(e.name, e.d, dst, x)
	copy(dst, x)
}

// Divergence returns ½‖x − y‖², formed from the differences.
func (e mdEuclidean) Divergence(x, y []float64) float64 {
	mdCheckDims(e.name, e.d, x, y)
	return mdHalfSqDist(x, y)
}

// MirrorStep writes x − η g into dst: the gradient step, with exactly the floating-point
// expression GradientDescentIterate uses, so that mirror descent with the Euclidean map on
// R^d reproduces gradient descent bit for bit.
func (e mdEuclidean) MirrorStep(dst, x, g []float64, eta float64) {
	mdCheckDims(e.name, e.d, dst, x, g)
	for i := range dst {
		dst[i] = x[i] - eta*g[i]
	}
}

// StrongConvexity returns μ = 1 w.r.t. ℓ2: D_ψ(x, y) = ½‖x − y‖² exactly.
func (e mdEuclidean) StrongConvexity() (float64, string) { return 1, "l2" }

// Euclidean is ψ(x) = ½‖x‖² on C = R^d: mirror descent with it is gradient descent.
type Euclidean struct{ mdEuclidean }

// NewEuclidean returns the Euclidean map on R^d.
func NewEuclidean(d int) (*Euclidean, error) {
	if err := mdValidDim("NewEuclidean", d); err != nil {
		return nil, err
	}
	return &Euclidean{mdEuclidean{d: d, name: "euclidean"}}, nil
}

// Project copies y: C = R^d, so the projection is the identity.
func (e *Euclidean) Project(dst, y []float64) {
	mdCheckDims(e.name, e.d, dst, y)
	copy(dst, y)
}

// Feasibility returns 0 for finite points and +Inf otherwise.
func (e *Euclidean) Feasibility(x []float64) float64 {
	mdCheckDims(e.name, e.d, x)
	if !mdAllFinite(x) {
		return math.Inf(1)
	}
	return 0
}

// EuclideanBox is ψ(x) = ½‖x‖² on the box C = [lo, hi]^d: mirror descent with it is
// projected gradient descent, and the Euclidean projection onto a box is the coordinatewise
// clip because both ½‖θ − y‖² and the box are separable across coordinates.
type EuclideanBox struct {
	mdEuclidean
	lo, hi float64
}

// NewEuclideanBox returns the Euclidean map on [lo, hi]^d. Infinite bounds are allowed (lo =
// 0, hi = +Inf is the orthant), but lo < hi and neither may be NaN.
func NewEuclideanBox(d int, lo, hi float64) (*EuclideanBox, error) {
	if err := mdValidDim("NewEuclideanBox", d); err != nil {
		return nil, err
	}
	if math.IsNaN(lo) || math.IsNaN(hi) || !(lo < hi) || math.IsInf(lo, 1) || math.IsInf(hi, -1) {
		return nil, fmt.Errorf("algorithms: NewEuclideanBox: need lo < hi, got [%g, %g]", lo, hi)
	}
	return &EuclideanBox{mdEuclidean{d: d, name: fmt.Sprintf("euclidean-box[%g,%g]", lo, hi)}, lo, hi}, nil
}

// Bounds returns lo and hi.
func (e *EuclideanBox) Bounds() (lo, hi float64) { return e.lo, e.hi }

// mdClip returns v clipped to [lo, hi]; NaN stays NaN (the comparisons are false), so a bad
// step is never disguised as a feasible point.
func mdClip(v, lo, hi float64) float64 {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

// Project clips y to the box.
func (e *EuclideanBox) Project(dst, y []float64) {
	mdCheckDims(e.name, e.d, dst, y)
	for i, v := range y {
		dst[i] = mdClip(v, e.lo, e.hi)
	}
}

// mdBoxViolation returns the largest amount by which an entry of x leaves [lo, hi], 0 when it
// is within FeasibilityTol·max(1, |lo|, |hi|) (finite bounds only), and +Inf for NaN or
// infinite entries (even against an infinite bound: such a point is no usable iterate, and
// Inf − Inf must not turn into a NaN verdict).
func mdBoxViolation(x []float64, lo, hi float64) float64 {
	scale := 1.0
	for _, b := range [2]float64{lo, hi} {
		if !math.IsInf(b, 0) {
			scale = math.Max(scale, math.Abs(b))
		}
	}
	var v float64
	for _, xi := range x {
		if math.IsNaN(xi) || math.IsInf(xi, 0) {
			return math.Inf(1)
		}
		v = math.Max(v, math.Max(lo-xi, xi-hi))
	}
	if v <= FeasibilityTol*scale {
		return 0
	}
	return v
}

// Feasibility returns the largest coordinate violation of the box (see FeasibilityTol).
func (e *EuclideanBox) Feasibility(x []float64) float64 {
	mdCheckDims(e.name, e.d, x)
	return mdBoxViolation(x, e.lo, e.hi)
}

// EuclideanBall is ψ(x) = ½‖x‖² on the ball C = {‖x‖₂ ≤ r}: projected gradient descent, with
// the Euclidean projection y ↦ y·min(1, r/‖y‖).
type EuclideanBall struct {
	mdEuclidean
	r float64
}

// NewEuclideanBall returns the Euclidean map on the ℓ2 ball of radius r > 0 (finite).
func NewEuclideanBall(d int, r float64) (*EuclideanBall, error) {
	if err := mdValidDim("NewEuclideanBall", d); err != nil {
		return nil, err
	}
	if !(r > 0) || math.IsInf(r, 1) {
		return nil, fmt.Errorf("algorithms: NewEuclideanBall: radius %g, want finite and > 0", r)
	}
	return &EuclideanBall{mdEuclidean{d: d, name: fmt.Sprintf("euclidean-ball(r=%g)", r)}, r}, nil
}

// Radius returns r.
func (e *EuclideanBall) Radius() float64 { return e.r }

// Project rescales y onto the ball when it lies outside. The norm is gonum's scaled 2-norm,
// so neither huge nor tiny y overflows or underflows in the sum of squares; the rescaled point
// has norm r up to a few ulps (hence FeasibilityTol).
func (e *EuclideanBall) Project(dst, y []float64) {
	mdCheckDims(e.name, e.d, dst, y)
	n := floats.Norm(y, 2)
	if n <= e.r {
		copy(dst, y)
		return
	}
	s := e.r / n // n > r > 0, or NaN/Inf (then s is NaN or 0 and dst shows it honestly)
	if math.IsInf(n, 1) {
		s = math.NaN()
	}
	for i, v := range y {
		dst[i] = v * s
	}
}

// Feasibility returns max(0, ‖x‖ − r), with violations up to FeasibilityTol·max(1, r)
// reported as 0, and +Inf for non-finite x.
func (e *EuclideanBall) Feasibility(x []float64) float64 {
	mdCheckDims(e.name, e.d, x)
	if !mdAllFinite(x) {
		return math.Inf(1)
	}
	v := floats.Norm(x, 2) - e.r
	if v <= FeasibilityTol*math.Max(1, e.r) {
		return 0
	}
	return v
}
