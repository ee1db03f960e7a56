package generators

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Scale-invariant instances (Li, Zhang, He, NeurIPS 2024): outer losses f of
//
//	NOP  min f(XYᵀ),   X ∈ R^{d1×r}, Y ∈ R^{d2×r}   (FactorLoss: FactorSquared, FactorSoftplus)
//	OP   min f(⟨x, y⟩), x, y ∈ R^d                  (ScalarTarget)
//
// with the smoothness L of f IN ITS OWN ARGUMENT certified (spectral, as THEOREMS.md asks):
// ‖∇f_B(W) − ∇f_B(W′)‖_F ≤ L‖W − W′‖_F for the matrix losses, |f_B′(w) − f_B′(w′)| ≤ L|w − w′|
// for the scalar ones. The composed objective h(X, Y) = f(XYᵀ) is only locally smooth: at
// (X, Y) its Hessian has norm at most L(‖X‖_F² + ‖Y‖_F²) + ‖∇f(XYᵀ)‖_F (FactorLocalSmoothness).
//
// Every loss is a finite sum f = (1/K)Σ_k f_k; methods take the minibatch B (nil: all) and
// evaluate f_B = (1/|B|)Σ_{k∈B} f_k. Component smoothness bounds every f_B.
//
// The matrix losses satisfy algorithms.MatrixLoss structurally (GradMul applies
// G = ∇f_B(XYᵀ) to a matrix without forming G), the scalar ones algorithms.ScalarLoss2. Like
// every instance they keep scratch: one goroutine at a time; GradMul, Value, Deriv and
// Deriv2 allocate nothing once they have seen the shapes.

// FactorLoss is a drawn NOP outer loss with its certified constants.
type FactorLoss interface {
	// Dims returns (d1, d2), the shape of W.
	Dims() (d1, d2 int)
	// Components returns K.
	Components() int
	// Value returns f_B(XYᵀ).
	Value(X, Y *mat.Dense, batch []int) float64
	// ValueScale returns the magnitude of the terms Value sums (≥ |Value|).
	ValueScale(X, Y *mat.Dense, batch []int) float64
	// GradMul sets GM ← G·M and GtN ← Gᵀ·N, G = ∇f_B(XYᵀ) (either output may be nil).
	GradMul(GM, GtN, X, Y, M, N *mat.Dense, batch []int)
	// GradScale returns S with ‖fl(G·M) − G·M‖_F ≤ c·n·ε·S·‖M‖_F for a modest c and n the
	// largest dimension: the magnitude of the terms G is computed from, so that callers can
	// judge rounding against it even where G cancels to ≈ 0 (near a fit). S ≥ ‖G‖_F.
	GradScale(X, Y *mat.Dense, batch []int) float64
	// Smoothness is the certified L of f = f_{all}; ComponentSmoothness bounds every f_k and
	// hence every minibatch average f_B.
	Smoothness() float64
	ComponentSmoothness() float64
	// Name is the family ("squared", "softplus"); Quadratic reports whether f is quadratic.
	Name() string
	Quadratic() bool
	String() string
}

// FactorSquared is the squared loss to noisy low-rank targets,
//
//	f_k(W) = (c/2)·‖W − UVᵀ − α·N_k‖_F²,   k = 0, …, K−1,
//
// with U ∈ R^{d1×s}, V ∈ R^{d2×s} (s = 0: zero target; a dense target A is U = A, V = I) and
// noise matrices N_k of level α (K = 1 and α = 0: no noise). Its Hessian is c·I, so L = c
// exactly, for every component and minibatch. The paper's toy NOP is c = 2,
// UVᵀ = diag(0.5, 0, 0), N = diag(1, 0.8, 0.5)·U_ξ.
//
// G·M = c·(X(YᵀM) − U(VᵀM) − α·N̄_B·M) costs O((d1 + d2)(r + s)k + |B|·d1·d2·k): with no noise
// it never forms a d1×d2 matrix.
type FactorSquared struct {
	d1, d2 int
	c      float64
	u, v   *mat.Dense // nil when s = 0
	alpha  float64
	noise  []*mat.Dense
	normUV float64 // ‖U‖_F‖V‖_F
	noiseF []float64

	b1, b2, bw siBuf
}

// NewFactorSquared builds the loss from copies of U (d1×s), V (d2×s) and the noise matrices
// (d1×d2 each; none means K = 1 without noise). U and V may be nil together (zero target),
// in which case d1 and d2 come from the noise or must be given by NewFactorSquaredDims.
// c > 0 and α ≥ 0 are required (plain errors); non-finite data is *Degenerate.
func NewFactorSquared(c float64, U, V *mat.Dense, alpha float64, noise []*mat.Dense) (*FactorSquared, error) {
	if U == nil || V == nil {
		return nil, fmt.Errorf("generators: NewFactorSquared: nil target factor (use NewFactorSquaredDims for a zero target)")
	}
	d1, s := U.Dims()
	d2, s2 := V.Dims()
	if s != s2 {
		return nil, fmt.Errorf("generators: NewFactorSquared: U is %d×%d, V is %d×%d", d1, s, d2, s2)
	}
	return newFactorSquared(d1, d2, c, U, V, alpha, noise)
}

// NewFactorSquaredDims builds a d1×d2 squared loss with zero low-rank target: f_k(W) =
// (c/2)‖W − αN_k‖_F².
func NewFactorSquaredDims(d1, d2 int, c, alpha float64, noise []*mat.Dense) (*FactorSquared, error) {
	return newFactorSquared(d1, d2, c, nil, nil, alpha, noise)
}

func newFactorSquared(d1, d2 int, c float64, U, V *mat.Dense, alpha float64, noise []*mat.Dense) (*FactorSquared, error) {
	if d1 < 1 || d2 < 1 {
		return nil, fmt.Errorf("generators: FactorSquared: dimensions %d×%d", d1, d2)
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return nil, fmt.Errorf("generators: FactorSquared: curvature c = %g, want finite c > 0", c)
	}
	if !(alpha >= 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("generators: FactorSquared: noise level α = %g, want finite α ≥ 0", alpha)
	}
	f := &FactorSquared{d1: d1, d2: d2, c: c, alpha: alpha}
	if U != nil {
		if !siFinite(U) || !siFinite(V) {
			return nil, degenerate("non-finite target")
		}
		f.u, f.v = mat.DenseCopyOf(U), mat.DenseCopyOf(V)
		f.normUV = numeric.FrobNorm(U) * numeric.FrobNorm(V)
	}
	for k, n := range noise {
		if r, cc := n.Dims(); r != d1 || cc != d2 {
			return nil, fmt.Errorf("generators: FactorSquared: noise %d is %d×%d, want %d×%d", k, r, cc, d1, d2)
		}
		if !siFinite(n) {
			return nil, degenerate("non-finite noise")
		}
		f.noise = append(f.noise, mat.DenseCopyOf(n))
		f.noiseF = append(f.noiseF, numeric.FrobNorm(n))
	}
	if len(f.noise) == 0 {
		f.alpha = 0
	}
	return f, nil
}

func siFinite(a *mat.Dense) bool {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		if !numeric.VecFinite(a.RawRowView(i)[:c]) {
			return false
		}
	}
	return true
}

// Dims returns (d1, d2).
func (f *FactorSquared) Dims() (int, int) { return f.d1, f.d2 }

// Components returns K (1 without noise).
func (f *FactorSquared) Components() int { return max(1, len(f.noise)) }

// Curvature returns c.
func (f *FactorSquared) Curvature() float64 { return f.c }

// NoiseLevel returns α.
func (f *FactorSquared) NoiseLevel() float64 { return f.alpha }

// TargetRank returns s, the number of columns of U and V (0 for a zero low-rank target).
func (f *FactorSquared) TargetRank() int {
	if f.u == nil {
		return 0
	}
	_, s := f.u.Dims()
	return s
}

// Target returns the dense target T_B = UVᵀ + α·N̄_B of the minibatch (allocates).
func (f *FactorSquared) Target(batch []int) *mat.Dense {
	t := mat.NewDense(f.d1, f.d2, nil)
	if f.u != nil {
		siGemmNTAdd(t.RawMatrix(), 1, f.u.RawMatrix(), f.v.RawMatrix())
	}
	if f.alpha > 0 {
		siCheckBatch(batch)
		K := f.Components()
		n := siBatchLen(K, batch)
		for i := 0; i < n; i++ {
			t.Add(t, scaled(f.alpha/float64(n), f.noise[siAt(K, batch, i)]))
		}
	}
	return t
}

func scaled(a float64, m *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Scale(a, m)
	return &out
}

// residual writes XYᵀ − UVᵀ into the scratch d1×d2 matrix and returns it.
func (f *FactorSquared) residual(X, Y *mat.Dense) (res []float64) {
	r := f.bw.general(f.d1, f.d2)
	siZero(r)
	siGemmNTAdd(r, 1, X.RawMatrix(), Y.RawMatrix())
	if f.u != nil {
		siGemmNTAdd(r, -1, f.u.RawMatrix(), f.v.RawMatrix())
	}
	return r.Data
}

// Value returns f_B(XYᵀ) (forms the d1×d2 residual in scratch; no allocation).
func (f *FactorSquared) Value(X, Y *mat.Dense, batch []int) float64 {
	f.check(X, Y)
	siCheckBatch(batch)
	res := f.residual(X, Y)
	if f.alpha == 0 {
		return f.c / 2 * numeric.Norm2Sq(res)
	}
	K := f.Components()
	n := siBatchLen(K, batch)
	var s float64
	for i := 0; i < n; i++ {
		nk := f.noise[siAt(K, batch, i)].RawMatrix()
		for p := 0; p < f.d1; p++ {
			row := siRow(nk, p)
			rr := res[p*f.d2 : (p+1)*f.d2]
			for q, v := range rr {
				e := v - f.alpha*row[q]
				s += e * e
			}
		}
	}
	return f.c / 2 * s / float64(n)
}

// ValueScale returns (c/2)·mean_{k∈B}(‖X‖‖Y‖ + ‖U‖‖V‖ + α‖N_k‖)², the magnitude of the terms
// Value sums (the residual's entries are sums of products bounded by these norms).
func (f *FactorSquared) ValueScale(X, Y *mat.Dense, batch []int) float64 {
	base := numeric.FrobNorm(X)*numeric.FrobNorm(Y) + f.normUV
	if f.alpha == 0 {
		return f.c / 2 * base * base
	}
	K := f.Components()
	n := siBatchLen(K, batch)
	var s float64
	for i := 0; i < n; i++ {
		m := base + f.alpha*f.noiseF[siAt(K, batch, i)]
		s += m * m
	}
	return f.c / 2 * s / float64(n)
}

// GradScale returns c·(‖X‖_F‖Y‖_F + ‖U‖_F‖V‖_F + α·mean_{k∈B}‖N_k‖_F).
func (f *FactorSquared) GradScale(X, Y *mat.Dense, batch []int) float64 {
	s := numeric.FrobNorm(X)*numeric.FrobNorm(Y) + f.normUV
	if f.alpha > 0 {
		K := f.Components()
		n := siBatchLen(K, batch)
		var m float64
		for i := 0; i < n; i++ {
			m += f.noiseF[siAt(K, batch, i)]
		}
		s += f.alpha * m / float64(n)
	}
	return f.c * s
}

// GradMul sets GM ← G·M, GtN ← Gᵀ·N with G = c·(XYᵀ − UVᵀ − α·N̄_B).
func (f *FactorSquared) GradMul(GM, GtN, X, Y, M, N *mat.Dense, batch []int) {
	f.check(X, Y)
	siCheckBatch(batch)
	K := f.Components()
	n := siBatchLen(K, batch)
	if GM != nil { // G·M = c·(X(YᵀM) − U(VᵀM) − α·N̄_B·M)
		f.factorMul(GM.RawMatrix(), X, Y, f.u, f.v, M.RawMatrix(), K, batch, n, siGemmNNAdd)
	}
	if GtN != nil { // Gᵀ·N = c·(Y(XᵀN) − V(UᵀN) − α·N̄_Bᵀ·N)
		f.factorMul(GtN.RawMatrix(), Y, X, f.v, f.u, N.RawMatrix(), K, batch, n, siGemmTNAdd)
	}
}

// factorMul sets dst ← c·(A(BᵀM) − P(QᵀM) − (α/n)·Σ_{i∈B} noise_i·M), the noise products
// through noiseGemm (siGemmNNAdd for G·M, siGemmTNAdd for Gᵀ·N); P, Q may be nil.
func (f *FactorSquared) factorMul(dst blas64.General, A, B, P, Q *mat.Dense, m blas64.General, K int, batch []int, n int,
	noiseGemm func(dst blas64.General, alpha float64, a, b blas64.General)) {
	_, r := A.Dims()
	siZero(dst)
	t1 := f.b1.general(r, m.Cols)
	siZero(t1)
	siGemmTNAdd(t1, 1, B.RawMatrix(), m)
	siGemmNNAdd(dst, f.c, A.RawMatrix(), t1)
	if P != nil {
		t2 := f.b2.general(P.RawMatrix().Cols, m.Cols)
		siZero(t2)
		siGemmTNAdd(t2, 1, Q.RawMatrix(), m)
		siGemmNNAdd(dst, -f.c, P.RawMatrix(), t2)
	}
	if f.alpha > 0 {
		for i := 0; i < n; i++ {
			noiseGemm(dst, -f.c*f.alpha/float64(n), f.noise[siAt(K, batch, i)].RawMatrix(), m)
		}
	}
}

func (f *FactorSquared) check(X, Y *mat.Dense) {
	xr, xc := X.Dims()
	yr, yc := Y.Dims()
	if xr != f.d1 || yr != f.d2 || xc != yc {
		panic(fmt.Sprintf("generators: FactorSquared: X %d×%d, Y %d×%d for a %d×%d loss", xr, xc, yr, yc, f.d1, f.d2))
	}
}

// Smoothness returns L = c (the Hessian of every f_k is c·I).
func (f *FactorSquared) Smoothness() float64 { return f.c }

// ComponentSmoothness returns c.
func (f *FactorSquared) ComponentSmoothness() float64 { return f.c }

// Name returns "squared".
func (f *FactorSquared) Name() string { return "squared" }

// Quadratic returns true.
func (f *FactorSquared) Quadratic() bool { return true }

// String describes the loss, with every number for small instances.
func (f *FactorSquared) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "squared: f_k(W) = (c/2)‖W − UVᵀ − αN_k‖_F², W %d×%d, c = %s, K = %d, α = %s, L = %s",
		f.d1, f.d2, fmtG(f.c), f.Components(), fmtG(f.alpha), fmtG(f.c))
	if f.u != nil {
		s := f.TargetRank()
		if (f.d1+f.d2)*s <= printLimit {
			fmt.Fprintf(&b, ", U = %s, V = %s", fmtMat(f.u), fmtMat(f.v))
		} else {
			fmt.Fprintf(&b, ", target rank %d, ‖U‖‖V‖ = %s", s, fmtG(f.normUV))
		}
	} else {
		b.WriteString(", UVᵀ = 0")
	}
	if f.alpha > 0 && len(f.noise)*f.d1*f.d2 <= printLimit {
		for k, n := range f.noise {
			fmt.Fprintf(&b, ", N_%d = %s", k, fmtMat(n))
		}
	}
	return b.String()
}

// FactorSoftplus is a non-quadratic NOP loss, a softplus (logistic) loss of linear
// measurements of W:
//
//	f_k(W) = log(1 + exp(⟨A_k, W⟩_F − b_k)),   k = 0, …, K−1
//
// (logistic regression on measurements ⟨A_k, W⟩ with labels s_k ∈ {±1} is this family with
// s_k absorbed into A_k and b_k). With s(z) = log(1 + eᶻ), s″ = σ(1 − σ) ≤ ¼, so the Hessian
// of f = (1/K)Σf_k in vec(W) is (1/K)Σ_k s″(z_k)·a_k a_kᵀ ⪯ (1/(4K))·MᵀM with a_k = vec(A_k)
// and M the K×(d1d2) matrix of rows a_kᵀ:
//
//	L = λ_max(MMᵀ)/(4K) ≤ Σ_k‖A_k‖_F²/(4K),
//
// certified (CertifiedGramMaxEig, then divided rounding up); the trace bound on the right is
// TraceSmoothness. Each f_k is ‖A_k‖_F²/4-smooth, so every minibatch average is
// ComponentSmoothness() = max_k ‖A_k‖_F²/4 smooth.
type FactorSoftplus struct {
	d1, d2 int
	a      []*mat.Dense
	b      []float64
	aNorm  []float64
	l      float64
	lComp  float64
	lTrace float64

	bay  siBuf
	coef []float64
}

// NewFactorSoftplus builds the loss from copies of A_k (d1×d2 each, K ≥ 1) and b. A = 0 and
// non-finite data are *Degenerate.
func NewFactorSoftplus(A []*mat.Dense, b []float64) (*FactorSoftplus, error) {
	if len(A) == 0 || len(A) != len(b) {
		return nil, fmt.Errorf("generators: NewFactorSoftplus: %d matrices, %d offsets", len(A), len(b))
	}
	d1, d2 := A[0].Dims()
	f := &FactorSoftplus{d1: d1, d2: d2, b: append([]float64(nil), b...), coef: make([]float64, len(A))}
	K := len(A)
	M := mat.NewDense(K, d1*d2, nil)
	var trace float64
	for k, ak := range A {
		if r, c := ak.Dims(); r != d1 || c != d2 {
			return nil, fmt.Errorf("generators: NewFactorSoftplus: A_%d is %d×%d, want %d×%d", k, r, c, d1, d2)
		}
		if !siFinite(ak) || !numeric.AllFinite(b[k]) {
			return nil, degenerate("non-finite data")
		}
		f.a = append(f.a, mat.DenseCopyOf(ak))
		f.aNorm = append(f.aNorm, numeric.FrobNorm(ak))
		row := M.RawRowView(k)
		for i := 0; i < d1; i++ {
			copy(row[i*d2:(i+1)*d2], ak.RawRowView(i)[:d2])
		}
		n2 := siFrob2Up(ak)
		f.lComp = math.Max(f.lComp, numeric.MulUp(n2, 0.25))
		trace = numeric.MulUp(trace+n2, 1+numeric.Eps) // the sum, rounded up
	}
	gram, ok := numeric.CertifiedGramMaxEig(M)
	if !ok {
		return nil, degenerate("λ_max(Σ vec(A_k)vec(A_k)ᵀ) could not be certified")
	}
	f.l = numeric.DivUp(gram, 4*float64(K))
	f.lTrace = numeric.DivUp(trace, 4*float64(K))
	if err := positiveL(f.l, "A = 0: f is constant"); err != nil {
		return nil, err
	}
	return f, nil
}

// Dims returns (d1, d2).
func (f *FactorSoftplus) Dims() (int, int) { return f.d1, f.d2 }

// Components returns K.
func (f *FactorSoftplus) Components() int { return len(f.a) }

func (f *FactorSoftplus) check(X, Y *mat.Dense) {
	xr, xc := X.Dims()
	yr, yc := Y.Dims()
	if xr != f.d1 || yr != f.d2 || xc != yc {
		panic(fmt.Sprintf("generators: FactorSoftplus: X %d×%d, Y %d×%d for a %d×%d loss", xr, xc, yr, yc, f.d1, f.d2))
	}
}

// margin returns z_k = ⟨A_k, XYᵀ⟩ − b_k = ⟨A_k·Y, X⟩ − b_k.
func (f *FactorSoftplus) margin(k int, X, Y *mat.Dense) float64 {
	_, r := X.Dims()
	ay := f.bay.general(f.d1, r)
	siZero(ay)
	siGemmNNAdd(ay, 1, f.a[k].RawMatrix(), Y.RawMatrix())
	return siDot(ay, X.RawMatrix()) - f.b[k]
}

// Value returns f_B(XYᵀ) = mean_{k∈B} softplus(z_k), computed stably.
func (f *FactorSoftplus) Value(X, Y *mat.Dense, batch []int) float64 {
	f.check(X, Y)
	siCheckBatch(batch)
	K := f.Components()
	n := siBatchLen(K, batch)
	var s float64
	for i := 0; i < n; i++ {
		s += numeric.Log1pExp(f.margin(siAt(K, batch, i), X, Y))
	}
	return s / float64(n)
}

// ValueScale returns mean_{k∈B}(‖A_k‖‖X‖‖Y‖ + |b_k| + 1)·(1 + |Value|): softplus is
// 1-Lipschitz, so a margin's rounding passes through unamplified.
func (f *FactorSoftplus) ValueScale(X, Y *mat.Dense, batch []int) float64 {
	K := f.Components()
	n := siBatchLen(K, batch)
	xy := numeric.FrobNorm(X) * numeric.FrobNorm(Y)
	var s float64
	for i := 0; i < n; i++ {
		k := siAt(K, batch, i)
		s += f.aNorm[k]*xy + math.Abs(f.b[k]) + 1
	}
	return s/float64(n) + math.Abs(f.Value(X, Y, batch))
}

// GradScale returns mean_{k∈B} ‖A_k‖_F·(1 + (‖A_k‖_F‖X‖_F‖Y‖_F + |b_k|)/4): G = mean σ(z_k)A_k
// with σ ≤ 1, and a margin's rounding reaches σ(z_k) damped by σ′ ≤ ¼.
func (f *FactorSoftplus) GradScale(X, Y *mat.Dense, batch []int) float64 {
	K := f.Components()
	n := siBatchLen(K, batch)
	xy := numeric.FrobNorm(X) * numeric.FrobNorm(Y)
	var s float64
	for i := 0; i < n; i++ {
		k := siAt(K, batch, i)
		s += f.aNorm[k] * (1 + (f.aNorm[k]*xy+math.Abs(f.b[k]))/4)
	}
	return s / float64(n)
}

// GradMul sets GM ← G·M, GtN ← Gᵀ·N with G = mean_{k∈B} σ(z_k)·A_k.
func (f *FactorSoftplus) GradMul(GM, GtN, X, Y, M, N *mat.Dense, batch []int) {
	f.check(X, Y)
	siCheckBatch(batch)
	K := f.Components()
	n := siBatchLen(K, batch)
	for i := 0; i < n; i++ {
		f.coef[i] = numeric.Sigmoid(f.margin(siAt(K, batch, i), X, Y)) / float64(n)
	}
	if GM != nil {
		gm := GM.RawMatrix()
		siZero(gm)
		for i := 0; i < n; i++ {
			siGemmNNAdd(gm, f.coef[i], f.a[siAt(K, batch, i)].RawMatrix(), M.RawMatrix())
		}
	}
	if GtN != nil {
		gt := GtN.RawMatrix()
		siZero(gt)
		for i := 0; i < n; i++ {
			siGemmTNAdd(gt, f.coef[i], f.a[siAt(K, batch, i)].RawMatrix(), N.RawMatrix())
		}
	}
}

// Smoothness returns the certified L = λ_max(MMᵀ)/(4K).
func (f *FactorSoftplus) Smoothness() float64 { return f.l }

// TraceSmoothness returns the cruder certified bound Σ_k‖A_k‖_F²/(4K) ≥ Smoothness().
func (f *FactorSoftplus) TraceSmoothness() float64 { return f.lTrace }

// ComponentSmoothness returns max_k ‖A_k‖_F²/4 (certified), a bound for every minibatch.
func (f *FactorSoftplus) ComponentSmoothness() float64 { return f.lComp }

// Name returns "softplus".
func (f *FactorSoftplus) Name() string { return "softplus" }

// Quadratic returns false.
func (f *FactorSoftplus) Quadratic() bool { return false }

// Measurement returns copies of A_k and b_k.
func (f *FactorSoftplus) Measurement(k int) (*mat.Dense, float64) {
	return mat.DenseCopyOf(f.a[k]), f.b[k]
}

// String describes the loss.
func (f *FactorSoftplus) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "softplus: f_k(W) = log(1 + exp(⟨A_k, W⟩ − b_k)), W %d×%d, K = %d, L = %s", f.d1, f.d2, len(f.a), fmtG(f.l))
	if len(f.a)*f.d1*f.d2 <= printLimit {
		for k, a := range f.a {
			fmt.Fprintf(&b, ", A_%d = %s", k, fmtMat(a))
		}
		fmt.Fprintf(&b, ", b = %s", fmtVec(f.b))
	}
	return b.String()
}

// Scalar (OP) loss families of ScalarTarget.
const (
	ScalarSquared  = "squared"  // ℓ(z) = z²/2:            ℓ″ = 1
	ScalarLogCosh  = "log-cosh" // ℓ(z) = log cosh z:     ℓ″ = sech² z ≤ 1
	ScalarLogistic = "logistic" // ℓ(z) = log(1 + e^{−sz}): ℓ″ = σ(z)σ(−z) ≤ ¼, labels s = ±1
)

// ScalarTarget is an OP outer loss with noisy targets,
//
//	f_k(w) = c·ℓ(w − a_k),   k = 0, …, K−1,
//
// for ℓ one of ScalarSquared, ScalarLogCosh, ScalarLogistic (labels s_k), targets a_k (the
// paper's a + α·n_k). L = c for squared and log-cosh, c/4 for logistic, for every component
// and minibatch. Squared and log-cosh always have a minimiser; logistic has one iff the
// minibatch holds both labels.
type ScalarTarget struct {
	kind string
	c    float64
	a    []float64
	s    []float64
	l    float64
}

// NewScalarTarget builds the loss from copies of the targets (K ≥ 1) and, for ScalarLogistic
// only, the labels (±1). Bad arguments are plain errors; non-finite data is *Degenerate.
func NewScalarTarget(kind string, c float64, targets, labels []float64) (*ScalarTarget, error) {
	if len(targets) == 0 {
		return nil, fmt.Errorf("generators: NewScalarTarget: no targets")
	}
	if !(c > 0) || math.IsInf(c, 0) {
		return nil, fmt.Errorf("generators: NewScalarTarget: c = %g, want finite c > 0", c)
	}
	if !numeric.VecFinite(targets) {
		return nil, degenerate("non-finite targets")
	}
	f := &ScalarTarget{kind: kind, c: c, a: append([]float64(nil), targets...)}
	switch kind {
	case ScalarSquared, ScalarLogCosh:
		if labels != nil {
			return nil, fmt.Errorf("generators: NewScalarTarget: labels given for %s", kind)
		}
		f.l = c
	case ScalarLogistic:
		if len(labels) != len(targets) {
			return nil, fmt.Errorf("generators: NewScalarTarget: %d labels for %d targets", len(labels), len(targets))
		}
		for i, v := range labels {
			if v != 1 && v != -1 {
				return nil, fmt.Errorf("generators: NewScalarTarget: label %d = %g, want ±1", i, v)
			}
		}
		f.s = append([]float64(nil), labels...)
		f.l = c / 4 // exact: division by a power of two
	default:
		return nil, fmt.Errorf("generators: NewScalarTarget: unknown kind %q", kind)
	}
	return f, nil
}

// Components returns K.
func (f *ScalarTarget) Components() int { return len(f.a) }

// Kind returns the family.
func (f *ScalarTarget) Kind() string { return f.kind }

// Name returns the family, as Kind.
func (f *ScalarTarget) Name() string { return f.kind }

// Quadratic reports whether ℓ is quadratic.
func (f *ScalarTarget) Quadratic() bool { return f.kind == ScalarSquared }

// Curvature returns c.
func (f *ScalarTarget) Curvature() float64 { return f.c }

// Targets returns a copy of the targets a_k.
func (f *ScalarTarget) Targets() []float64 { return append([]float64(nil), f.a...) }

func (f *ScalarTarget) each(batch []int) int {
	siCheckBatch(batch)
	return siBatchLen(len(f.a), batch)
}

// Value returns f_B(w).
func (f *ScalarTarget) Value(w float64, batch []int) float64 {
	n := f.each(batch)
	var s float64
	for i := 0; i < n; i++ {
		k := siAt(len(f.a), batch, i)
		z := w - f.a[k]
		switch f.kind {
		case ScalarSquared:
			s += z * z / 2
		case ScalarLogCosh:
			az := math.Abs(z)
			s += az + math.Log1p(math.Exp(-2*az)) - math.Ln2
		case ScalarLogistic:
			s += numeric.Log1pExp(-f.s[k] * z)
		}
	}
	return f.c * s / float64(n)
}

// Deriv returns f_B′(w).
func (f *ScalarTarget) Deriv(w float64, batch []int) float64 {
	n := f.each(batch)
	var s float64
	for i := 0; i < n; i++ {
		k := siAt(len(f.a), batch, i)
		z := w - f.a[k]
		switch f.kind {
		case ScalarSquared:
			s += z
		case ScalarLogCosh:
			s += math.Tanh(z)
		case ScalarLogistic:
			s -= f.s[k] * numeric.Sigmoid(-f.s[k]*z)
		}
	}
	return f.c * s / float64(n)
}

// Deriv2 returns f_B″(w).
func (f *ScalarTarget) Deriv2(w float64, batch []int) float64 {
	n := f.each(batch)
	var s float64
	for i := 0; i < n; i++ {
		k := siAt(len(f.a), batch, i)
		z := w - f.a[k]
		switch f.kind {
		case ScalarSquared:
			s++
		case ScalarLogCosh:
			ch := math.Cosh(z) // +Inf for |z| > 710: sech² = 0
			s += 1 / (ch * ch)
		case ScalarLogistic:
			s += numeric.Sigmoid(z) * numeric.Sigmoid(-z)
		}
	}
	return f.c * s / float64(n)
}

// DerivScale returns c·mean_{k∈B}(|w| + |a_k| + 1), the magnitude of the terms f_B′(w) is
// computed from: the rounding of w − a_k passes through ℓ′ with slope ℓ″ ≤ 1, and tanh, σ
// are bounded by 1. It is ≥ |f_B′(w)|.
func (f *ScalarTarget) DerivScale(w float64, batch []int) float64 {
	n := f.each(batch)
	var s float64
	for i := 0; i < n; i++ {
		s += math.Abs(w) + math.Abs(f.a[siAt(len(f.a), batch, i)]) + 1
	}
	return f.c * s / float64(n)
}

// Smoothness returns the certified L (c, or c/4 for logistic).
func (f *ScalarTarget) Smoothness() float64 { return f.l }

// ComponentSmoothness returns L: every component has the same constant.
func (f *ScalarTarget) ComponentSmoothness() float64 { return f.l }

// Minimiser returns w* with f_B′(w*) = 0 to working precision (bisection on the
// nondecreasing f_B′ until the bracket cannot shrink), and ok = false when f_B has no
// minimiser (logistic with one label only). For squared loss it is the bisection result
// too, not the mean formula, so that every family is treated alike.
func (f *ScalarTarget) Minimiser(batch []int) (w float64, ok bool) {
	n := f.each(batch)
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := 0; i < n; i++ {
		a := f.a[siAt(len(f.a), batch, i)]
		lo, hi = math.Min(lo, a), math.Max(hi, a)
	}
	width := 1 + (hi - lo)
	lo, hi = lo-width, hi+width
	// A strict sign change is required: f′ may tend to 0 without crossing it (logistic with one
	// label), and a derivative that underflowed to 0 far out is not a minimiser.
	for i := 0; !(f.Deriv(lo, batch) < 0 && f.Deriv(hi, batch) > 0); i++ {
		if i == 60 {
			return math.NaN(), false
		}
		width *= 2
		lo, hi = lo-width, hi+width
	}
	for {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if d := f.Deriv(mid, batch); d == 0 {
			return mid, true
		} else if d < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	if math.Abs(f.Deriv(lo, batch)) <= math.Abs(f.Deriv(hi, batch)) {
		return lo, true
	}
	return hi, true
}

// String describes the loss with every number when K is small.
func (f *ScalarTarget) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: f_k(w) = c·ℓ(w − a_k), c = %s, K = %d, L = %s", f.kind, fmtG(f.c), len(f.a), fmtG(f.l))
	if len(f.a) <= printLimit {
		fmt.Fprintf(&b, ", a = %s", fmtVec(f.a))
		if f.s != nil {
			fmt.Fprintf(&b, ", labels = %s", fmtVec(f.s))
		}
	}
	return b.String()
}

// FactorLocalSmoothness returns L(‖X‖_F² + ‖Y‖_F²) + ‖G‖_F, a bound on the Hessian norm of
// h(X, Y) = f(XYᵀ) at (X, Y) for f L-smooth with gradient G there:
// ∇²h[Δ, Δ] = ∇²f[ΔX·Yᵀ + X·ΔYᵀ]² + 2⟨G, ΔX·ΔYᵀ⟩ ≤ (L(‖X‖² + ‖Y‖²) + ‖G‖)‖Δ‖².
func FactorLocalSmoothness(L float64, X, Y *mat.Dense, gradNorm float64) float64 {
	nx, ny := numeric.FrobNorm(X), numeric.FrobNorm(Y)
	return L*(nx*nx+ny*ny) + gradNorm
}

// InnerLocalSmoothness returns L(‖x‖² + ‖y‖²) + |f′|, the same bound for h(x, y) = f(⟨x, y⟩).
func InnerLocalSmoothness(L float64, x, y []float64, deriv float64) float64 {
	nx, ny := numeric.Norm2(x), numeric.Norm2(y)
	return L*(nx*nx+ny*ny) + math.Abs(deriv)
}

// PaperStart returns the start of the paper's toy experiments (App. A.4):
// x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, so |‖x_0‖² − ‖y_0‖²| = 1.12 = 2|B_0|.
func PaperStart() (x0, y0 []float64) {
	x0 = []float64{0.2, -0.1, 0.3}
	y0 = make([]float64, 3)
	for i, v := range x0 {
		y0[i] = -3 * v
	}
	return x0, y0
}

// PaperNOP returns the paper's toy NOP loss f = ‖xyᵀ − (A + αN)‖² (no ½: c = 2) with
// A = diag(0.5, 0, 0) and the given noise draws N_k = diag(1, 0.8, 0.5)·U_k (each U_k a 3×3
// matrix of standard normal draws, row-major, supplied by the caller), K = len(U).
func PaperNOP(alpha float64, U [][]float64) (*FactorSquared, error) {
	A := mat.NewDense(3, 3, []float64{0.5, 0, 0, 0, 0, 0, 0, 0, 0})
	id := mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})
	var noise []*mat.Dense
	rows := []float64{1, 0.8, 0.5}
	for _, u := range U {
		if len(u) != 9 {
			return nil, fmt.Errorf("generators: PaperNOP: noise draw of length %d, want 9", len(u))
		}
		n := mat.NewDense(3, 3, nil)
		for i := 0; i < 3; i++ {
			for j := 0; j < 3; j++ {
				n.Set(i, j, rows[i]*u[3*i+j])
			}
		}
		noise = append(noise, n)
	}
	return NewFactorSquared(2, A, id, alpha, noise)
}

// PaperOP returns the paper's toy OP loss f = (xᵀy − (a + α·n_k))² with a = 0.5 (no ½:
// c = 2, squared family) for the caller's standard normal draws n_k.
func PaperOP(alpha float64, n []float64) (*ScalarTarget, error) {
	targets := []float64{0.5}
	if len(n) > 0 {
		targets = make([]float64, len(n))
		for k, v := range n {
			targets[k] = 0.5 + alpha*v
		}
	}
	return NewScalarTarget(ScalarSquared, 2, targets, nil)
}
