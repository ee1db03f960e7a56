package generators

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Logistic is logistic regression f(θ) = (1/n) Σ log(1 + exp(−y_i x_iᵀθ)) with labels
// y_i ∈ {−1, +1}, computed stably (numeric.Log1pExp, numeric.Sigmoid). Since the logistic
// loss has ℓ” = σ(1 − σ) ≤ ¼, L = λ_max(XᵀX)/(4n), certified.
type Logistic struct {
	g *glm
	l float64
}

// NewLogistic builds the instance from copies of X (n×d) and labels y ∈ {−1, +1}ⁿ. Labels
// other than ±1 are a plain error; non-finite data and X = 0 are *Degenerate.
func NewLogistic(X *mat.Dense, y []float64) (*Logistic, error) {
	for i, v := range y {
		if v != 1 && v != -1 {
			return nil, fmt.Errorf("generators: logistic label y[%d] = %g, want ±1", i, v)
		}
	}
	g, err := newGLM(loss{kind: lossLogistic}, X, y)
	if err != nil {
		return nil, err
	}
	l := numeric.DivUp(g.gram, 4*float64(g.n))
	if err := positiveL(l, "X = 0"); err != nil {
		return nil, err
	}
	return &Logistic{g: g, l: l}, nil
}

// Dim returns d.
func (f *Logistic) Dim() int { return f.g.d }

// N returns n.
func (f *Logistic) N() int { return f.g.n }

// Value returns f(θ) (no allocation).
func (f *Logistic) Value(theta []float64) float64 { return f.g.value(theta) }

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// Here S = (1/n) Σ_{i,j} |x_ij x_j| + |f(x)|: the loss is 1-Lipschitz in the margin, so the
// margins' rounding passes through unamplified, and each loss is evaluated to a few ulps
// relative. It is never below |Value(x)| and allocates nothing.
func (f *Logistic) ValueScale(x []float64) float64 { return f.g.valueScale(x) }

// Grad writes −(1/n) Σ y_i σ(−y_i x_iᵀθ) x_i into dst: two matrix–vector products, no
// allocation.
func (f *Logistic) Grad(dst, theta []float64) { f.g.grad(dst, theta) }

// Name returns "logistic".
func (f *Logistic) Name() string { return "logistic" }

// Smoothness returns the certified L ≥ λ_max(XᵀX)/(4n).
func (f *Logistic) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *Logistic) Convex() bool { return true }

// LInfSmoothness returns max_i ‖x_i‖_∞²/4 (rounded up), the ℓ1→ℓ∞ smoothness constant for
// exponentiated gradient.
func (f *Logistic) LInfSmoothness() float64 { return f.g.linfSmoothness() }

// ThetaScale returns 1/max_i‖x_i‖: margins x_iᵀθ of order one.
func (f *Logistic) ThetaScale() float64 { return 1 / maxRowNorm(f.g.x) }

// String describes the instance (labels as y).
func (f *Logistic) String() string {
	return f.g.describe("logistic", "f(θ) = (1/n)Σ log(1 + exp(−y_i x_iᵀθ))", "", f.l)
}

// X returns a copy of the design matrix.
func (f *Logistic) X() *mat.Dense { return mat.DenseCopyOf(f.g.x) }

// Y returns a copy of the labels.
func (f *Logistic) Y() []float64 { return append([]float64(nil), f.g.y...) }

// HessianAt returns ∇²f(θ) = Xᵀ diag(σ(m)(1 − σ(m))) X / n, m = Xθ.
func (f *Logistic) HessianAt(theta []float64) *mat.SymDense { return f.g.hessianAt(theta) }

// Component returns f_i(θ) = log(1 + exp(−y_i x_iᵀθ)) with certified smoothness ‖x_i‖²/4.
func (f *Logistic) Component(i int) *Component {
	return f.g.component("logistic", i, numeric.MulUp(f.g.rowNorm2Upper(i), 0.25))
}

// Ridge solves the strongly convex problem h(θ) = f(θ) + ‖θ − center‖²/(2τ) by damped Newton
// (Armijo backtracking, at most 100 iterations, from θ = center) and returns the solution x
// with a CERTIFIED bound gap ≥ h(x) − min h: since h is μ-strongly convex with μ = 1/τ,
// h(x) − min h ≤ ‖∇h(x)‖²/(2μ), evaluated with an explicit bound on the rounding error of
// the computed gradient (see RidgeGapBound). ok is false for τ ≤ 0 or non-finite results.
func (f *Logistic) Ridge(center []float64, tau float64) (x []float64, gap float64, ok bool) {
	return f.g.ridge(center, tau)
}

func (f *Logistic) ridgeGap(center []float64, tau float64, x []float64) float64 {
	return f.g.ridgeGap(center, tau, x)
}

// gradErrBound bounds the rounding error of Grad at x (see glm.gradErrBound).
func (f *Logistic) gradErrBound(x []float64) float64 { return f.g.gradErrBound(x) }
