package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// LogSumExp is f(θ) = log Σ_{i<k} exp(a_iᵀθ + b_i) for a k×d matrix A, computed stably by
// factoring out the largest term.
//
// Smoothness (Böhning's bound). ∇²f(θ) = Aᵀ(diag(p) − ppᵀ)A with p = softmax(Aθ + b), and
// diag(p) − ppᵀ ≼ ½(I − 11ᵀ/k) =: ½P: for any v, vᵀ(diag(p) − ppᵀ)v = Var_p(v) ≤
// (max v − min v)²/4 ≤ ½Σ(v_i − v̄)² = ½vᵀPv. Since (diag(p) − ppᵀ)1 = 0, also
// ∇²f = A_cᵀ(diag(p) − ppᵀ)A_c with A_c = PA (rows centred), hence
//
//	∇²f ≼ ½ A_cᵀA_c ≼ ½ AᵀA,  L = λ_max(A_cᵀA_c)/2 ≤ λ_max(AᵀA)/2.
//
// The centred bound is used (tighter; it is 0 exactly when f is affine). It is certified
// against the rounding of the centring: with Â_c = fl(A − 1·fl(mean)), ‖A_c − Â_c‖_F ≤
// √k·γ_{k+1}·‖mean_i|a_i|‖ + 2·Eps·‖Â_c‖_F =: e, and L = ½(√λ̄ + e)² with λ̄ the certified
// λ_max(Â_cᵀÂ_c), rounded up.
type LogSumExp struct {
	a    *mat.Dense
	raw  blas64.General
	b    []float64
	k, d int
	u    []float64 // scratch, len k
	l    float64
}

// NewLogSumExp builds f(θ) = log Σ_i exp(a_iᵀθ + b_i) from copies of A (k×d) and b (len k).
// Identical rows (including k = 1) make f affine: *Degenerate.
func NewLogSumExp(A *mat.Dense, b []float64) (*LogSumExp, error) {
	if A == nil || A.IsEmpty() {
		return nil, fmt.Errorf("generators: empty matrix A")
	}
	k, d := A.Dims()
	if len(b) != k {
		return nil, fmt.Errorf("generators: len(b) = %d but A has %d rows", len(b), k)
	}
	a := mat.DenseCopyOf(A)
	f := &LogSumExp{a: a, raw: a.RawMatrix(), b: append([]float64(nil), b...), k: k, d: d, u: make([]float64, k)}
	if !denseFinite(a) || !numeric.VecFinite(f.b) {
		return nil, degenerate("non-finite data")
	}
	identical := true
	for i := 1; i < k && identical; i++ {
		for j := 0; j < d; j++ {
			if a.At(i, j) != a.At(0, j) {
				identical = false
				break
			}
		}
	}
	if identical {
		return nil, degenerate("all rows of A identical (k = 1 or repeated rows): f is affine, L = 0, every step size is admissible, nothing to test")
	}
	l, ok := lseSmoothness(a)
	if !ok {
		return nil, degenerate("λ_max(A_cᵀA_c) not certifiable")
	}
	if err := positiveL(l, "f affine"); err != nil {
		return nil, err
	}
	f.l = l
	return f, nil
}

func lseSmoothness(a *mat.Dense) (float64, bool) {
	k, d := a.Dims()
	kf := float64(k)
	mean := make([]float64, d)
	mabs := make([]float64, d)
	for i := 0; i < k; i++ {
		for j, v := range a.RawRowView(i)[:d] {
			mean[j] += v
			mabs[j] += math.Abs(v)
		}
	}
	for j := range mean {
		mean[j] /= kf
		mabs[j] /= kf
	}
	ac := mat.NewDense(k, d, nil)
	all := make([]float64, 0, k*d)
	for i := 0; i < k; i++ {
		for j := 0; j < d; j++ {
			v := a.At(i, j) - mean[j]
			ac.Set(i, j, v)
			all = append(all, v)
		}
	}
	lam, ok := numeric.CertifiedGramMaxEig(ac)
	if !ok {
		return math.NaN(), false
	}
	gk := (kf + 2) * numeric.Eps
	e := math.Sqrt(kf)*gk*numeric.Norm2(mabs)*(1+gk) + 2*numeric.Eps*math.Sqrt(numeric.CertifiedNorm2Sq(all))
	s := numeric.MulUp(math.Sqrt(lam), 1+numeric.Eps) + e*(1+4*numeric.Eps)
	return numeric.MulUp(numeric.MulUp(s, s), 0.5), true
}

// Dim returns d.
func (f *LogSumExp) Dim() int { return f.d }

// K returns k, the number of terms.
func (f *LogSumExp) K() int { return f.k }

// margins sets f.u = Aθ + b.
func (f *LogSumExp) margins(theta []float64) {
	checkLen("θ", theta, f.d)
	copy(f.u, f.b)
	blas64.Gemv(blas.NoTrans, 1, f.raw, vec(theta), 1, vec(f.u))
}

// Value returns log Σ exp(a_iᵀθ + b_i) (no allocation).
func (f *LogSumExp) Value(theta []float64) float64 {
	f.margins(theta)
	return numeric.LogSumExp(f.u)
}

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// Here n = k and S = 1 + max_i (|b_i| + Σ_j |a_ij x_j|) + |f(x)|: log-sum-exp is
// 1-Lipschitz in the ∞-norm of its arguments, so the error of the margins a_iᵀx + b_i passes
// through unamplified, and the stable evaluation m + log Σ exp(u_i − m) adds O(k·ε) and
// ε·|m|. It is never below |Value(x)|, allocates nothing, and uses the instance's scratch.
func (f *LogSumExp) ValueScale(x []float64) float64 {
	v := f.Value(x)
	var mx float64
	for i := 0; i < f.k; i++ {
		a := math.Abs(f.b[i])
		for j, xj := range f.raw.Data[i*f.raw.Stride : i*f.raw.Stride+f.d] {
			a += math.Abs(xj * x[j])
		}
		mx = math.Max(mx, a)
	}
	return 1 + mx + math.Abs(v)
}

// softmax overwrites f.u (the margins) with p = softmax(f.u).
func (f *LogSumExp) softmax() {
	m := math.Inf(-1)
	for _, v := range f.u {
		m = math.Max(m, v)
	}
	var s float64
	for i, v := range f.u {
		e := math.Exp(v - m)
		f.u[i] = e
		s += e
	}
	for i := range f.u {
		f.u[i] /= s
	}
}

// Grad writes Aᵀ softmax(Aθ + b) into dst (two matrix–vector products, no allocation).
func (f *LogSumExp) Grad(dst, theta []float64) {
	checkLen("dst", dst, f.d)
	f.margins(theta)
	f.softmax()
	blas64.Gemv(blas.Trans, 1, f.raw, vec(f.u), 0, vec(dst))
}

// HessianAt returns Aᵀ(diag(p) − ppᵀ)A, p = softmax(Aθ + b), formed as A_cᵀ(diag p − ppᵀ)A_c
// with A_c = A − 1(pᵀA) to avoid cancellation.
func (f *LogSumExp) HessianAt(theta []float64) *mat.SymDense {
	f.margins(theta)
	f.softmax()
	// Rows of A centred at the p-mean: Aᵀ(diag p − ppᵀ)A = Σ_i p_i (a_i − ā)(a_i − ā)ᵀ.
	abar := make([]float64, f.d)
	blas64.Gemv(blas.Trans, 1, f.raw, vec(f.u), 0, vec(abar))
	w := mat.NewDense(f.k, f.d, nil)
	for i := 0; i < f.k; i++ {
		s := math.Sqrt(f.u[i])
		for j := 0; j < f.d; j++ {
			w.Set(i, j, s*(f.a.At(i, j)-abar[j]))
		}
	}
	h := mat.NewSymDense(f.d, nil)
	h.SymOuterK(1, w.T())
	return h
}

// Name returns "log-sum-exp".
func (f *LogSumExp) Name() string { return "log-sum-exp" }

// Smoothness returns the certified Böhning bound L ≥ λ_max(A_cᵀA_c)/2 (see the type).
func (f *LogSumExp) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *LogSumExp) Convex() bool { return true }

// ThetaScale returns 1/max_i‖a_i‖.
func (f *LogSumExp) ThetaScale() float64 { return 1 / maxRowNorm(f.a) }

// A returns a copy of A.
func (f *LogSumExp) A() *mat.Dense { return mat.DenseCopyOf(f.a) }

// B returns a copy of b.
func (f *LogSumExp) B() []float64 { return append([]float64(nil), f.b...) }

// String describes the instance.
func (f *LogSumExp) String() string {
	if f.k*f.d+f.k <= printLimit {
		return fmt.Sprintf("log-sum-exp f(θ) = log Σ_i exp(a_iᵀθ + b_i) with k=%d, d=%d, A=%s, b=%s; L=%s", f.k, f.d, fmtMat(f.a), fmtVec(f.b), fmtG(f.l))
	}
	return fmt.Sprintf("log-sum-exp f(θ) = log Σ_i exp(a_iᵀθ + b_i) with k=%d, d=%d, max|A_ij|=%s, max|b_i|=%s (data not printed); L=%s", f.k, f.d, fmtG(maxAbsDense(f.a)), fmtG(numeric.NormInf(f.b)), fmtG(f.l))
}

// Ridge solves min f(θ) + ‖θ − center‖²/(2τ) by damped Newton and returns the solution with
// a certified suboptimality bound (see RidgeGapBound), as Logistic.Ridge.
func (f *LogSumExp) Ridge(center []float64, tau float64) (x []float64, gap float64, ok bool) {
	checkLen("center", center, f.d)
	if !(tau > 0) || math.IsInf(tau, 0) || !numeric.VecFinite(center) {
		return nil, math.NaN(), false
	}
	x = ridgeNewton(newtonProblem{d: f.d, value: f.Value, grad: f.Grad, hess: f.HessianAt}, center, tau, 100)
	gap = f.ridgeGap(center, tau, x)
	if !numeric.VecFinite(x) || math.IsNaN(gap) || math.IsInf(gap, 0) {
		return nil, math.NaN(), false
	}
	return x, gap, true
}

// gradErrBound bounds the rounding error of Grad at x: margins err by
// δu_∞ ≤ γ_d·max_i‖a_i‖·‖x‖ + Eps·‖b‖_∞; softmax is 2-Lipschitz from ℓ∞ to ℓ1 (its Jacobian
// diag p − ppᵀ has ‖·‖_{∞→1} ≤ 2) and is evaluated to (k+4)·Eps relative; Aᵀp errs by
// γ_k‖A‖_F‖p‖.
func (f *LogSumExp) gradErrBound(x []float64) float64 {
	checkLen("x", x, f.d)
	d, k := float64(f.d), float64(f.k)
	gd, gk := (d+1)*numeric.Eps, (k+1)*numeric.Eps
	all := make([]float64, 0, f.k*f.d)
	for i := 0; i < f.k; i++ {
		all = append(all, f.a.RawRowView(i)[:f.d]...)
	}
	rootF := math.Sqrt(numeric.CertifiedNorm2Sq(all)) * (1 + numeric.Eps)
	gf := make([]float64, f.d)
	f.Grad(gf, x) // leaves p in f.u
	normP := numeric.Norm2(f.u)
	du := gd*maxRowNorm(f.a)*numeric.Norm2(x)*(1+gd) + numeric.Eps*numeric.NormInf(f.b)
	return (rootF*2*du + ((k+4)*numeric.Eps+gk)*rootF*normP) * (1 + 1e-6)
}

// ridgeGap bounds h(x) − min h as glm.ridgeGap does.
func (f *LogSumExp) ridgeGap(center []float64, tau float64, x []float64) float64 {
	checkLen("center", center, f.d)
	gf := make([]float64, f.d)
	f.Grad(gf, x)
	return ridgeGapFrom(gf, f.gradErrBound(x), center, tau, x)
}
