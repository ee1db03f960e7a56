package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

// Poisson is Poisson regression with the log link, f(θ) = (1/n) Σ (exp(x_iᵀθ) − y_i x_iᵀθ),
// y_i ≥ 0. Its Hessian Xᵀ diag(exp(Xθ)) X / n is unbounded, so f is NOT globally smooth: it
// is L-smooth only on bounded sets. Each instance carries a ball B(center, radius) fixed at
// construction, and Smoothness returns the local constant on that ball (LocalSmoothness).
//
// A theorem may use Smoothness only for iterates that stay in the ball. Gradient descent
// with η ≤ 1/L is monotone while it stays where L is valid, so its iterates remain in the
// sublevel set {f ≤ f(θ_0)}; the theorem must still check InBall for every iterate and
// discard the instance otherwise (the ball is not proved to contain that sublevel set).
type Poisson struct {
	g      *glm
	center []float64
	radius float64
	l      float64
}

// NewPoisson builds the instance from copies of X (n×d), counts y ≥ 0 (len n) and the ball
// B(center, radius) on which Smoothness is certified.
func NewPoisson(X *mat.Dense, y, center []float64, radius float64) (*Poisson, error) {
	for i, v := range y {
		if v < 0 {
			return nil, fmt.Errorf("generators: Poisson response y[%d] = %g, want ≥ 0", i, v)
		}
	}
	if !(radius >= 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("generators: Poisson radius %g, want finite ≥ 0", radius)
	}
	g, err := newGLM(loss{kind: lossPoisson}, X, y)
	if err != nil {
		return nil, err
	}
	checkLen("center", center, g.d)
	if !numeric.VecFinite(center) {
		return nil, degenerate("non-finite data")
	}
	f := &Poisson{g: g, center: append([]float64(nil), center...), radius: radius}
	f.l = f.LocalSmoothness(center, radius)
	if err := positiveL(f.l, "X = 0"); err != nil {
		return nil, err
	}
	return f, nil
}

// LocalSmoothness returns a certified L such that ‖∇²f(θ)‖₂ ≤ L for every θ with
// ‖θ − center‖ ≤ radius:
//
//	L = λ_max(XᵀX)/n · exp(max_i (x_iᵀcenter + radius·‖x_i‖)),
//
// since x_iᵀθ ≤ x_iᵀcenter + radius·‖x_i‖ on the ball and ∇²f ≼ max_i exp(x_iᵀθ)·XᵀX/n. This
// is at most the coarser λ_max(XᵀX)/n · exp(max_i x_iᵀcenter + radius·max_i‖x_i‖). The
// exponent is inflated by the rounding error of x_iᵀcenter (γ_d·|x_i|ᵀ|center|) and of
// ‖x_i‖, and the result rounded up. +Inf if it overflows.
func (f *Poisson) LocalSmoothness(center []float64, radius float64) float64 {
	g := f.g
	checkLen("center", center, g.d)
	gd := float64(g.d+1) * numeric.Eps
	expo := math.Inf(-1)
	for i := 0; i < g.n; i++ {
		row := g.row(i)
		var dot, abs float64
		for j, v := range row {
			dot += v * center[j]
			abs += math.Abs(v * center[j])
		}
		e := dot + gd*abs*(1+gd) + radius*numeric.Norm2(row)*(1+gd)
		expo = math.Max(expo, e)
	}
	// Round the exponent up by a relative and an absolute ulp margin, then exp (faithful to
	// within 1 ulp in Go) and inflate by 4 ulps.
	expo += math.Abs(expo)*4*numeric.Eps + 0x1p-1000
	base := numeric.DivUp(g.gram, float64(g.n))
	return numeric.MulUp(numeric.MulUp(base, math.Exp(expo)), 1+4*numeric.Eps)
}

// Center returns a copy of the ball's centre.
func (f *Poisson) Center() []float64 { return append([]float64(nil), f.center...) }

// Radius returns the ball's radius.
func (f *Poisson) Radius() float64 { return f.radius }

// InBall reports whether ‖x − center‖ ≤ radius, conservatively: the computed distance is
// inflated by its rounding error first, so true means x is certainly in the ball.
func (f *Poisson) InBall(x []float64) bool {
	checkLen("x", x, f.g.d)
	var s float64
	for j, v := range x {
		d := v - f.center[j]
		s += d * d
	}
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return false
	}
	return math.Sqrt(s)*(1+float64(f.g.d+4)*numeric.Eps) <= f.radius
}

// DrawStart draws a starting point within radius/2 of the centre, labelled label.
func (f *Poisson) DrawStart(t *rapid.T, label string) []float64 {
	d := f.g.d
	u := DrawVector(t, label, d, f.radius/(2*math.Sqrt(float64(d))))
	for j := range u {
		u[j] += f.center[j]
	}
	return u
}

// Dim returns d.
func (f *Poisson) Dim() int { return f.g.d }

// N returns n.
func (f *Poisson) N() int { return f.g.n }

// Value returns f(θ) (no allocation; +Inf when exp overflows).
func (f *Poisson) Value(theta []float64) float64 { return f.g.value(theta) }

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// With a_i = Σ_j |x_ij x_j| and m_i the computed margin,
// S = (1/n) Σ_i ((e^{m_i} + y_i)·a_i + e^{m_i} + |y_i m_i|): the margins' rounding passes
// through the loss's slope e^m − y, and e^m − y·m may cancel. (The slope is taken at the
// computed margin, so c carries a factor e^{γ_d·a_i} ≤ e while the margins have any
// accuracy at all.) It is never below |Value(x)| and allocates nothing; +Inf when exp
// overflows.
func (f *Poisson) ValueScale(x []float64) float64 { return f.g.valueScale(x) }

// Grad writes (1/n) Xᵀ(exp(Xθ) − y) into dst: two matrix–vector products, no allocation.
func (f *Poisson) Grad(dst, theta []float64) { f.g.grad(dst, theta) }

// Name returns "poisson".
func (f *Poisson) Name() string { return "poisson" }

// Smoothness returns LocalSmoothness(Center(), Radius()): valid ONLY on that ball.
func (f *Poisson) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *Poisson) Convex() bool { return true }

// ThetaScale returns 1/max_i‖x_i‖: margins of order one.
func (f *Poisson) ThetaScale() float64 { return 1 / maxRowNorm(f.g.x) }

// String describes the instance and its ball.
func (f *Poisson) String() string {
	ball := ", ball radius=" + fmtG(f.radius)
	if f.g.d <= printLimit {
		ball += " center=" + fmtVec(f.center)
	}
	return f.g.describe("poisson", "f(θ) = (1/n)Σ (exp(x_iᵀθ) − y_i x_iᵀθ)", ball, f.l)
}

// X returns a copy of the design matrix.
func (f *Poisson) X() *mat.Dense { return mat.DenseCopyOf(f.g.x) }

// Y returns a copy of the counts.
func (f *Poisson) Y() []float64 { return append([]float64(nil), f.g.y...) }

// HessianAt returns Xᵀ diag(exp(Xθ)) X / n.
func (f *Poisson) HessianAt(theta []float64) *mat.SymDense { return f.g.hessianAt(theta) }

// Component returns f_i(θ) = exp(x_iᵀθ) − y_i x_iᵀθ with the local smoothness
// ‖x_i‖²·exp(x_iᵀcenter + radius·‖x_i‖) on the instance's ball (certified as LocalSmoothness).
func (f *Poisson) Component(i int) *Component {
	g := f.g
	if i < 0 || i >= g.n {
		panic(fmt.Sprintf("generators: component %d out of range [0, %d)", i, g.n))
	}
	row := g.row(i)
	gd := float64(g.d+1) * numeric.Eps
	var dot, abs float64
	for j, v := range row {
		dot += v * f.center[j]
		abs += math.Abs(v * f.center[j])
	}
	e := dot + gd*abs*(1+gd) + f.radius*numeric.Norm2(row)*(1+gd)
	e += math.Abs(e)*4*numeric.Eps + 0x1p-1000
	l := numeric.MulUp(numeric.MulUp(g.rowNorm2Upper(i), math.Exp(e)), 1+4*numeric.Eps)
	return g.component("poisson", i, l)
}

// Ridge solves min f(θ) + ‖θ − center‖²/(2τ) by damped Newton and returns the solution with
// a certified suboptimality bound, as Logistic.Ridge. The ridge solution need not lie in the
// instance's ball.
func (f *Poisson) Ridge(center []float64, tau float64) (x []float64, gap float64, ok bool) {
	return f.g.ridge(center, tau)
}

func (f *Poisson) ridgeGap(center []float64, tau float64, x []float64) float64 {
	return f.g.ridgeGap(center, tau, x)
}

// gradErrBound bounds the rounding error of Grad at x (see glm.gradErrBound).
func (f *Poisson) gradErrBound(x []float64) float64 { return f.g.gradErrBound(x) }
