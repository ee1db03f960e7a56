package generators

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// LeastSquares is f(θ) = ‖y − Xθ‖²/(2n) for an n×d design X, with the certified smoothness
// constant L = λ_max(XᵀX)/n (spectral, certified by numeric.CertifiedGramMaxEig and divided
// with upward rounding).
type LeastSquares struct {
	g *glm
	l float64
}

// NewLeastSquares builds the instance from copies of X (n×d) and y (len n). It returns a
// *Degenerate error for non-finite data, an uncertifiable spectrum or X = 0 (L = 0), and a
// plain error for mismatched shapes.
func NewLeastSquares(X *mat.Dense, y []float64) (*LeastSquares, error) {
	g, err := newGLM(loss{kind: lossSquared}, X, y)
	if err != nil {
		return nil, err
	}
	l := numeric.DivUp(g.gram, float64(g.n))
	if err := positiveL(l, "X = 0"); err != nil {
		return nil, err
	}
	return &LeastSquares{g: g, l: l}, nil
}

// Dim returns d.
func (f *LeastSquares) Dim() int { return f.g.d }

// N returns n, the number of samples.
func (f *LeastSquares) N() int { return f.g.n }

// Value returns ‖y − Xθ‖²/(2n) (one matrix–vector product, compensated sum, no allocation).
func (f *LeastSquares) Value(theta []float64) float64 { return f.g.value(theta) }

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// With a_i = |y_i| + Σ_j |x_ij x_j|, the magnitude of the residual's terms, and r_i the
// computed residual, S = (1/n) Σ_i (|r_i| + a_i)·a_i: it covers both the cancellation in r_i
// (error γ_{d+1}·a_i) and its square. It is never below |Value(x)|, allocates nothing, and
// uses the instance's scratch (one goroutine at a time, like Value).
func (f *LeastSquares) ValueScale(x []float64) float64 { return f.g.valueScale(x) }

// Grad writes Xᵀ(Xθ − y)/n into dst: two matrix–vector products, no allocation.
func (f *LeastSquares) Grad(dst, theta []float64) { f.g.grad(dst, theta) }

// Name returns "least-squares".
func (f *LeastSquares) Name() string { return "least-squares" }

// Smoothness returns the certified L ≥ λ_max(XᵀX)/n.
func (f *LeastSquares) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *LeastSquares) Convex() bool { return true }

// LInfSmoothness returns max_i ‖x_i‖_∞² (rounded up), the ℓ1→ℓ∞ smoothness constant that
// bounds the steps of exponentiated gradient: ‖∇f(θ) − ∇f(θ')‖_∞ ≤ L₁‖θ − θ'‖₁.
func (f *LeastSquares) LInfSmoothness() float64 { return f.g.linfSmoothness() }

// ThetaScale returns max|y_i| / max_i‖x_i‖, the size of a θ that fits the data, or
// 1/max_i‖x_i‖ when that is outside [1e-100, 1e100] (e.g. y = 0, or responses so small that
// squares of θ would underflow).
func (f *LeastSquares) ThetaScale() float64 { return glmRegressionScale(f.g) }

func glmRegressionScale(g *glm) float64 {
	base := 1 / maxRowNorm(g.x)
	if s := base * numeric.NormInf(g.y); inSafeRange(s) {
		return s
	}
	return base
}

// String describes the instance exactly when small (every entry of X and y) and by its
// dimensions and scales when large.
func (f *LeastSquares) String() string {
	return f.g.describe("least-squares", "f(θ) = ‖y − Xθ‖²/(2n)", "", f.l)
}

// X returns a copy of the design matrix.
func (f *LeastSquares) X() *mat.Dense { return mat.DenseCopyOf(f.g.x) }

// Y returns a copy of the responses.
func (f *LeastSquares) Y() []float64 { return append([]float64(nil), f.g.y...) }

// Hessian returns XᵀX/n (computed in floating point).
func (f *LeastSquares) Hessian() *mat.SymDense { return f.g.gramHessian() }

// Component returns f_i(θ) = ½(y_i − x_iᵀθ)², so that f = (1/n) Σ f_i, with its own
// certified smoothness ‖x_i‖². It panics if i is out of range.
func (f *LeastSquares) Component(i int) *Component {
	return f.g.component("least-squares", i, f.g.rowNorm2Upper(i))
}

// Ridge returns argmin_θ f(θ) + ‖θ − center‖²/(2τ), the solution of
// (XᵀX/n + I/τ)θ = Xᵀy/n + center/τ, by Cholesky factorisation. It is exact up to rounding
// (relative error about κ·Eps, κ ≤ 1 + τ·L the condition number); use RidgeGapBound for a
// certified suboptimality. ok is false for τ ≤ 0, non-finite input, a failed factorisation
// or a condition number above gonum's ConditionTolerance (1e16).
func (f *LeastSquares) Ridge(center []float64, tau float64) ([]float64, bool) {
	g := f.g
	checkLen("center", center, g.d)
	if !(tau > 0) || math.IsInf(tau, 0) || !numeric.VecFinite(center) {
		return nil, false
	}
	h := g.gramHessian()
	for j := 0; j < g.d; j++ {
		h.SetSym(j, j, h.At(j, j)+1/tau)
	}
	rhs := make([]float64, g.d)
	for i, yi := range g.y {
		g.m[i] = yi / float64(g.n)
	}
	blas64.Gemv(blas.Trans, 1, g.raw, vec(g.m), 0, vec(rhs))
	for j := range rhs {
		rhs[j] += center[j] / tau
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil, false
	}
	var sol mat.VecDense
	if err := chol.SolveVecTo(&sol, mat.NewVecDense(g.d, rhs)); err != nil {
		return nil, false
	}
	x := sol.RawVector().Data
	if !numeric.VecFinite(x) {
		return nil, false
	}
	return append([]float64(nil), x...), true
}

// Minimizer returns the minimum-norm least-squares solution X⁺y, computed by a thin SVD of
// X (rescaled by a power of two) with the cut-off σ_i > max(n, d)·Eps·σ_max — singular values
// below it are treated as zero, as in LAPACK's and NumPy's default rcond. ok is false if the
// SVD fails or the result is not finite.
func (f *LeastSquares) Minimizer() ([]float64, bool) {
	return pinvSolve(f.g.x, f.g.y)
}

func pinvSolve(x *mat.Dense, y []float64) (sol []float64, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			sol, ok = nil, false
		}
	}()
	n, d := x.Dims()
	_, e := math.Frexp(maxAbsDense(x))
	xs := mat.NewDense(n, d, nil)
	xs.Scale(math.Ldexp(1, -e), x) // exact: a power of two
	var svd mat.SVD
	if !svd.Factorize(xs, mat.SVDThin) {
		return nil, false
	}
	sv := svd.Values(nil)
	var u, v mat.Dense
	svd.UTo(&u)
	svd.VTo(&v)
	cut := float64(max(n, d)) * numeric.Eps * sv[0]
	sol = make([]float64, d)
	for k, s := range sv {
		if !(s > cut) {
			break
		}
		var c float64
		for i := 0; i < n; i++ {
			c += u.At(i, k) * y[i]
		}
		c /= s
		for j := 0; j < d; j++ {
			sol[j] += c * v.At(j, k)
		}
	}
	for j := range sol {
		sol[j] = math.Ldexp(sol[j], -e) // X = 2^e Xs ⇒ X⁺ = 2^-e Xs⁺
	}
	return sol, numeric.VecFinite(sol)
}

func (f *LeastSquares) ridgeGap(center []float64, tau float64, x []float64) float64 {
	return f.g.ridgeGap(center, tau, x)
}

// gradErrBound bounds the rounding error of Grad at x (see glm.gradErrBound).
func (f *LeastSquares) gradErrBound(x []float64) float64 { return f.g.gradErrBound(x) }
