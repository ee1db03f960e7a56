package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Huber is robust regression f(θ) = (1/n) Σ huber_δ(y_i − x_iᵀθ), with
// huber_δ(r) = r²/2 for |r| ≤ δ and δ(|r| − δ/2) beyond. huber_δ' = clamp(r, −δ, δ) is
// 1-Lipschitz (huber” ≤ 1 where it exists), so f is convex and L-smooth with
// L = λ_max(XᵀX)/n, certified. f is C¹ but not C²: the Hessian jumps where a residual
// crosses ±δ.
type Huber struct {
	g *glm
	l float64
}

// NewHuber builds the instance from copies of X (n×d), y (len n) and δ > 0.
func NewHuber(X *mat.Dense, y []float64, delta float64) (*Huber, error) {
	if !(delta > 0) || math.IsInf(delta, 0) {
		return nil, fmt.Errorf("generators: Huber threshold δ = %g, want finite > 0", delta)
	}
	g, err := newGLM(loss{kind: lossHuber, delta: delta}, X, y)
	if err != nil {
		return nil, err
	}
	l := numeric.DivUp(g.gram, float64(g.n))
	if err := positiveL(l, "X = 0"); err != nil {
		return nil, err
	}
	return &Huber{g: g, l: l}, nil
}

// Dim returns d.
func (f *Huber) Dim() int { return f.g.d }

// N returns n.
func (f *Huber) N() int { return f.g.n }

// Delta returns δ.
func (f *Huber) Delta() float64 { return f.g.delta }

// Value returns f(θ) (no allocation).
func (f *Huber) Value(theta []float64) float64 { return f.g.value(theta) }

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// As for LeastSquares, S = (1/n) Σ_i (|r_i| + a_i)·a_i with a_i = |y_i| + Σ_j |x_ij x_j| and
// r_i the computed residual (huber_δ has slope at most |r_i| and is at most r_i²/2). It is
// never below |Value(x)| and allocates nothing.
func (f *Huber) ValueScale(x []float64) float64 { return f.g.valueScale(x) }

// Grad writes (1/n) Xᵀ clamp(Xθ − y, −δ, δ) into dst: two matrix–vector products, no
// allocation.
func (f *Huber) Grad(dst, theta []float64) { f.g.grad(dst, theta) }

// Name returns "huber".
func (f *Huber) Name() string { return "huber" }

// Smoothness returns the certified L ≥ λ_max(XᵀX)/n.
func (f *Huber) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *Huber) Convex() bool { return true }

// LInfSmoothness returns max_i ‖x_i‖_∞² (rounded up), the ℓ1→ℓ∞ smoothness constant.
func (f *Huber) LInfSmoothness() float64 { return f.g.linfSmoothness() }

// ThetaScale returns max|y_i| / max_i‖x_i‖ (see LeastSquares.ThetaScale).
func (f *Huber) ThetaScale() float64 { return glmRegressionScale(f.g) }

// String describes the instance.
func (f *Huber) String() string {
	return f.g.describe("huber", "f(θ) = (1/n)Σ huber_δ(y_i − x_iᵀθ)", ", δ="+fmtG(f.g.delta), f.l)
}

// X returns a copy of the design matrix.
func (f *Huber) X() *mat.Dense { return mat.DenseCopyOf(f.g.x) }

// Y returns a copy of the responses.
func (f *Huber) Y() []float64 { return append([]float64(nil), f.g.y...) }

// HessianAt returns the almost-everywhere Hessian Xᵀ D X / n, D_ii = 1 if |x_iᵀθ − y_i| ≤ δ
// and 0 otherwise.
func (f *Huber) HessianAt(theta []float64) *mat.SymDense { return f.g.hessianAt(theta) }

// Component returns f_i(θ) = huber_δ(y_i − x_iᵀθ) with certified smoothness ‖x_i‖².
func (f *Huber) Component(i int) *Component {
	return f.g.component("huber", i, f.g.rowNorm2Upper(i))
}

// Ridge solves min f(θ) + ‖θ − center‖²/(2τ) by damped (semismooth) Newton and returns the
// solution with a certified suboptimality bound, as Logistic.Ridge.
func (f *Huber) Ridge(center []float64, tau float64) (x []float64, gap float64, ok bool) {
	return f.g.ridge(center, tau)
}

func (f *Huber) ridgeGap(center []float64, tau float64, x []float64) float64 {
	return f.g.ridgeGap(center, tau, x)
}

// gradErrBound bounds the rounding error of Grad at x (see glm.gradErrBound).
func (f *Huber) gradErrBound(x []float64) float64 { return f.g.gradErrBound(x) }
