package generators

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Instance is a problem instance with the constants its theorems need. It includes the
// Objective interface of package algorithms (Dim, Value, Grad) structurally, so every
// Instance can be handed to the methods there without this package importing them.
//
// Instances keep scratch buffers: Value and Grad must be called from one goroutine at a
// time. Neither allocates.
//
// Every instance of this package also has ValueScale(x []float64) float64, the magnitude of
// the terms Value(x) sums (its rounding error is at most c·(n+d)·ε times that, however much
// the terms cancel, and — since it is at least 2⁻¹⁰²², the smallest normal — however much
// they underflow). It is not part of this interface, so that other implementations need
// not provide it: callers may type-assert for it (interface{ ValueScale([]float64) float64 })
// and fall back to |Value(x)|.
type Instance interface {
	// Dim is d, the length of every point.
	Dim() int
	// Value returns f(x).
	Value(x []float64) float64
	// Grad writes ∇f(x) into dst (len d). dst may alias x. It does not allocate.
	Grad(dst, x []float64)
	// Name is the family, e.g. "least-squares".
	Name() string
	// Smoothness is a certified Euclidean smoothness constant L: an upper bound on the
	// spectral norm (never the Frobenius norm) of the Hessian, ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖,
	// valid despite the rounding of the computation that produced it. For a locally smooth
	// instance (Poisson) it holds on a stated ball only.
	Smoothness() float64
	// Convex reports whether f is convex (false only for negative-control instances).
	Convex() bool
	// String is a short exact description usable in a counterexample: every number for
	// small instances (shortest round-tripping 'g' format), dimensions and scales for big ones.
	String() string
}

// Range of certified L that draws accept: outside it, steps of size about 1/L and the
// products the theorems form (L·‖θ‖², ‖θ − z‖²/τ) approach overflow or underflow.
const (
	minDrawnL = 1e-100
	maxDrawnL = 1e100
)

// printLimit is the number of data values up to which String prints them all.
const printLimit = 32

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func fmtVec(v []float64) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, x := range v {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(fmtG(x))
	}
	b.WriteByte(']')
	return b.String()
}

func fmtMat(m mat.Matrix) string {
	r, c := m.Dims()
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < r; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		row := make([]float64, c)
		for j := range row {
			row[j] = m.At(i, j)
		}
		b.WriteString(fmtVec(row))
	}
	b.WriteByte(']')
	return b.String()
}

// maxAbsDense returns max |a_ij|.
func maxAbsDense(a *mat.Dense) float64 {
	r, c := a.Dims()
	var m float64
	for i := 0; i < r; i++ {
		m = math.Max(m, numeric.NormInf(a.RawRowView(i)[:c]))
	}
	return m
}

// maxRowNorm returns max_i ‖a_i‖₂.
func maxRowNorm(a *mat.Dense) float64 {
	r, c := a.Dims()
	var m float64
	for i := 0; i < r; i++ {
		m = math.Max(m, numeric.Norm2(a.RawRowView(i)[:c]))
	}
	return m
}

func denseFinite(a *mat.Dense) bool {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		if !numeric.VecFinite(a.RawRowView(i)[:c]) {
			return false
		}
	}
	return true
}

func checkLen(name string, x []float64, d int) {
	if len(x) != d {
		panic(fmt.Sprintf("generators: %s has length %d, want %d", name, len(x), d))
	}
}

// ThetaScale returns the magnitude of θ at which inst's terms are of order one (margins
// x_iᵀθ of order one for classification and Poisson GLMs, θ ≈ y/X for regression, and so
// on), for drawing starting points and reference points at the problem's scale. Instances
// of this package provide it; any other Instance, or a value outside [1e-100, 1e100]
// (whose squares would near underflow or overflow), gives 1.
func ThetaScale(inst Instance) float64 {
	if s, ok := inst.(interface{ ThetaScale() float64 }); ok {
		if v := s.ThetaScale(); inSafeRange(v) {
			return v
		}
	}
	return 1
}

// minValueScale is the least ValueScale returned: the smallest normal double, so that
// c·(n+d)·ε·ValueScale also covers the absolute error 2⁻¹⁰⁷⁵ of an operation that underflows.
const minValueScale = 0x1p-1022

// scaleAtLeast returns max(s, |v|, minValueScale) (NaN if s or v is NaN).
func scaleAtLeast(s, v float64) float64 {
	return math.Max(math.Max(s, math.Abs(v)), minValueScale)
}

// inSafeRange reports whether v ∈ [1e-100, 1e100].
func inSafeRange(v float64) bool { return v >= 1e-100 && v <= 1e100 }

// wellScaled returns a Degenerate error when a drawn instance's L is outside the range the
// theorems' arithmetic can carry (see minDrawnL, maxDrawnL).
func wellScaled(L float64) error {
	if !(L >= minDrawnL && L <= maxDrawnL) {
		return degenerate(fmt.Sprintf("L = %s outside [%g, %g]: steps ~1/L and the theorems' products would near overflow or underflow", fmtG(L), minDrawnL, maxDrawnL))
	}
	return nil
}

// positiveL returns the Degenerate error for a certified L that is zero or not a finite
// positive number.
func positiveL(L float64, zeroWhy string) error {
	switch {
	case L == 0:
		return degenerate("L = 0 (" + zeroWhy + "): every step size is admissible, nothing to test")
	case !(L > 0) || math.IsInf(L, 0):
		return degenerate("L not certifiable (got " + fmtG(L) + ")")
	}
	return nil
}
