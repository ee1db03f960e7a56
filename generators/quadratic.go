package generators

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Quadratic is the convex quadratic f(θ) = ½θᵀHθ − bᵀθ + c with H = QΛQᵀ symmetric PSD,
// stored and evaluated in spectral form: Value and Grad compute w = Qᵀθ and use
// Σ λ_i w_i², Q(Λw) − b (two d×d matrix–vector products, no allocation). So the function
// evaluated is exactly the quadratic whose Hessian is QΛQᵀ with the stored Q; in particular
// a zero in Λ is an exact zero eigenvalue of that Hessian (its null space is the orthogonal
// complement of the other columns of Q), however Q was rounded.
//
// Q is orthogonal up to rounding (a product of Householder reflections, or an eigenvector
// matrix). Smoothness is certified against the stored Q: λ_max(QΛQᵀ) = ‖Λ^½Qᵀ‖₂² ≤
// max_i λ_i·‖Q‖₂², with ‖Q‖₂² bounded by numeric.CertifiedGramMaxEig (≈ 1 + O(d·Eps)); when Q
// is a signed permutation (e.g. the identity), L = max_i λ_i exactly.
type Quadratic struct {
	d        int
	lam      []float64 // ascending, ≥ 0
	q        *mat.Dense
	raw      blas64.General
	b        []float64
	c        float64
	w        []float64 // scratch, len d
	l        float64
	exactQ   bool
	spectrum string
}

// NewQuadratic builds f(θ) = ½θᵀQΛQᵀθ − bᵀθ + c from eigenvalues vals ≥ 0 (len d), the d×d
// matrix q whose columns are the corresponding eigenvectors (nil for the identity), b (nil
// for 0) and c. The eigenpairs are re-sorted ascending. Negative eigenvalues are a plain
// error (not convex); non-finite data and Λ = 0 are *Degenerate.
func NewQuadratic(vals []float64, q *mat.Dense, b []float64, c float64) (*Quadratic, error) {
	d := len(vals)
	if d == 0 {
		return nil, fmt.Errorf("generators: quadratic with no eigenvalues")
	}
	if q == nil {
		q = mat.NewDense(d, d, nil)
		for i := 0; i < d; i++ {
			q.Set(i, i, 1)
		}
	}
	if r, cc := q.Dims(); r != d || cc != d {
		return nil, fmt.Errorf("generators: Q is %d×%d, want %d×%d", r, cc, d, d)
	}
	if b == nil {
		b = make([]float64, d)
	}
	if len(b) != d {
		return nil, fmt.Errorf("generators: len(b) = %d, want %d", len(b), d)
	}
	if !numeric.VecFinite(vals) || !numeric.VecFinite(b) || !denseFinite(q) || !numeric.AllFinite(c) {
		return nil, degenerate("non-finite data")
	}
	for i, v := range vals {
		if v < 0 {
			return nil, fmt.Errorf("generators: eigenvalue λ_%d = %g < 0: not convex", i, v)
		}
	}
	idx := make([]int, d)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return vals[idx[i]] < vals[idx[j]] })
	f := &Quadratic{d: d, lam: make([]float64, d), q: mat.NewDense(d, d, nil), b: append([]float64(nil), b...), c: c, w: make([]float64, d)}
	for k, i := range idx {
		f.lam[k] = vals[i]
		for r := 0; r < d; r++ {
			f.q.Set(r, k, q.At(r, i))
		}
	}
	f.raw = f.q.RawMatrix()
	top := f.lam[d-1]
	if top == 0 {
		return nil, degenerate("H = 0 (L = 0): f is affine, every step size is admissible, nothing to test")
	}
	f.exactQ = signedPermutation(f.q)
	if f.exactQ {
		f.l = top
	} else {
		nq, ok := numeric.CertifiedGramMaxEig(f.q)
		if !ok {
			return nil, degenerate("‖Q‖₂ not certifiable")
		}
		f.l = numeric.MulUp(top, nq)
	}
	if err := positiveL(f.l, "H = 0"); err != nil {
		return nil, err
	}
	return f, nil
}

// NewQuadraticFromHessian builds the quadratic from a symmetric PSD H via its computed
// eigendecomposition (numeric.EigSym): the instance is the spectral form QΛQᵀ, which equals
// H up to the eigensolver's backward error (8d+4)·Eps·‖H‖₂. Computed eigenvalues that are
// negative but within that error are set to 0; a provably negative one is an error.
func NewQuadraticFromHessian(h mat.Symmetric, b []float64, c float64) (*Quadratic, error) {
	vals, vecs, ok := numeric.EigSym(h)
	if !ok {
		return nil, degenerate("eigendecomposition of H failed (non-finite or uncertifiable)")
	}
	n := len(vals)
	scale := math.Max(math.Abs(vals[0]), math.Abs(vals[n-1]))
	for i, v := range vals {
		if v < 0 {
			if v+float64(8*n+4)*numeric.Eps*scale < 0 {
				return nil, fmt.Errorf("generators: H has eigenvalue %g < 0: not PSD", v)
			}
			vals[i] = 0
		}
	}
	return NewQuadratic(vals, vecs, b, c)
}

// NewScalarQuadratic returns f(x) = h·x²/2 on R¹, with L = h exactly: THEOREMS' explicit
// example and counterexample instance (h = 1). It panics unless h is finite and > 0.
func NewScalarQuadratic(h float64) *Quadratic {
	if !(h > 0) || math.IsInf(h, 0) {
		panic(fmt.Sprintf("generators: NewScalarQuadratic(%g): need finite h > 0", h))
	}
	f, err := NewQuadratic([]float64{h}, nil, nil, 0)
	if err != nil {
		panic(err)
	}
	return f
}

// signedPermutation reports whether every row and column of q has exactly one nonzero entry
// and it is ±1: then QΛQᵀ is exactly a permuted diagonal matrix.
func signedPermutation(q *mat.Dense) bool {
	n, _ := q.Dims()
	colSeen := make([]bool, n)
	for i := 0; i < n; i++ {
		nz := -1
		for j := 0; j < n; j++ {
			switch v := q.At(i, j); {
			case v == 0:
			case (v == 1 || v == -1) && nz < 0 && !colSeen[j]:
				nz = j
			default:
				return false
			}
		}
		if nz < 0 {
			return false
		}
		colSeen[nz] = true
	}
	return true
}

// Dim returns d.
func (f *Quadratic) Dim() int { return f.d }

// Value returns ½ Σ λ_i (q_iᵀθ)² − bᵀθ + c (no allocation).
func (f *Quadratic) Value(theta []float64) float64 {
	checkLen("θ", theta, f.d)
	blas64.Gemv(blas.Trans, 1, f.raw, vec(theta), 0, vec(f.w))
	var s float64
	for i, wi := range f.w {
		s += f.lam[i] * wi * wi
	}
	return 0.5*s - numeric.Dot(f.b, theta) + f.c
}

// ValueScale returns the magnitude of the terms Value(x) sums — an S with
// |fl(f(x)) − f(x)| ≤ c·(n+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f(x)|.
// Value computes w = Qᵀx, whose entries w_k sum terms of magnitude t_k = Σ_j |q_jk x_j|, so
// (n = 1) S = ½ Σ_k λ_k (|w_k| + t_k)·t_k + Σ_j |b_j x_j| + |c|, which covers the
// cancellation inside Qᵀx as well as the cancellation between ½xᵀHx, bᵀx and c, and is at
// least ½ Σ_k λ_k w_k². It is never below |Value(x)|, allocates nothing, and uses the
// instance's scratch.
func (f *Quadratic) ValueScale(x []float64) float64 {
	v := f.Value(x) // leaves w = Qᵀx in f.w
	var s float64
	for k, wk := range f.w {
		if f.lam[k] == 0 {
			continue
		}
		var t float64
		for j, xj := range x {
			t += math.Abs(f.raw.Data[j*f.raw.Stride+k] * xj)
		}
		s += f.lam[k] * (math.Abs(wk) + t) * t
	}
	var bx float64
	for j, bj := range f.b {
		bx += math.Abs(bj * x[j])
	}
	return scaleAtLeast(0.5*s+bx+math.Abs(f.c), v)
}

// Grad writes Q(Λ(Qᵀθ)) − b into dst (two matrix–vector products, no allocation).
func (f *Quadratic) Grad(dst, theta []float64) {
	checkLen("θ", theta, f.d)
	checkLen("dst", dst, f.d)
	blas64.Gemv(blas.Trans, 1, f.raw, vec(theta), 0, vec(f.w))
	for i := range f.w {
		f.w[i] *= f.lam[i]
	}
	copy(dst, f.b)
	blas64.Gemv(blas.NoTrans, 1, f.raw, vec(f.w), -1, vec(dst))
}

// Name returns "quadratic".
func (f *Quadratic) Name() string { return "quadratic" }

// Smoothness returns the certified L ≥ λ_max(QΛQᵀ) (exact when Q is a signed permutation).
func (f *Quadratic) Smoothness() float64 { return f.l }

// Convex returns true.
func (f *Quadratic) Convex() bool { return true }

// Spectrum returns how the spectrum was drawn ("well-conditioned", "ill-conditioned",
// "singular"), or "" for a quadratic built directly.
func (f *Quadratic) Spectrum() string { return f.spectrum }

// Eigen returns copies of the construction's eigenvalues (ascending) and eigenvector matrix
// Q (columns), for exact gradient flow θ(τ) = θ* + Q e^{−Λτ} Qᵀ(θ_0 − θ*). Q is orthogonal
// up to rounding: ‖QᵀQ − I‖₂ ≲ d·Eps for drawn instances.
func (f *Quadratic) Eigen() (vals []float64, vecs *mat.Dense) {
	return append([]float64(nil), f.lam...), mat.DenseCopyOf(f.q)
}

// B returns a copy of b.
func (f *Quadratic) B() []float64 { return append([]float64(nil), f.b...) }

// C returns c.
func (f *Quadratic) C() float64 { return f.c }

// Hessian returns QΛQᵀ formed in floating point (symmetrised).
func (f *Quadratic) Hessian() *mat.SymDense {
	d := f.d
	ql := mat.DenseCopyOf(f.q)
	for i := 0; i < d; i++ {
		row := ql.RawRowView(i)
		for j := range row {
			row[j] *= f.lam[j]
		}
	}
	var a mat.Dense
	a.Mul(ql, f.q.T())
	return numeric.SymPart(&a)
}

// ThetaScale returns ‖b‖_∞/λ_max, or 1 when that is outside [1e-100, 1e100] (e.g. b = 0).
func (f *Quadratic) ThetaScale() float64 {
	if s := numeric.NormInf(f.b) / f.lam[f.d-1]; inSafeRange(s) {
		return s
	}
	return 1
}

// pinvCut is the cut-off below which an eigenvalue counts as zero in Minimizer: d·Eps·λ_max.
func (f *Quadratic) pinvCut() float64 { return float64(f.d) * numeric.Eps * f.lam[f.d-1] }

// Minimizer returns the pseudo-inverse solution θ = QΛ⁺Qᵀb, eigenvalues at most
// d·Eps·λ_max counting as zero. It minimises f when b ∈ range(H); ok is false when b has a
// component in the null space larger than 1e-8·‖b‖ (then f is unbounded below and has no
// minimiser), or when the result is not finite.
func (f *Quadratic) Minimizer() ([]float64, bool) {
	d := f.d
	qb := make([]float64, d)
	blas64.Gemv(blas.Trans, 1, f.raw, vec(f.b), 0, vec(qb))
	cut := f.pinvCut()
	var null float64
	for i := range qb {
		if f.lam[i] > cut {
			qb[i] /= f.lam[i]
		} else {
			null += qb[i] * qb[i]
			qb[i] = 0
		}
	}
	if math.Sqrt(null) > 1e-8*numeric.Norm2(f.b) {
		return nil, false
	}
	sol := make([]float64, d)
	blas64.Gemv(blas.NoTrans, 1, f.raw, vec(qb), 0, vec(sol))
	return sol, numeric.VecFinite(sol)
}

// Ridge returns argmin_θ f(θ) + ‖θ − center‖²/(2τ) = Q(Λ + I/τ)⁻¹Qᵀ(b + center/τ), exact up
// to rounding (and to the orthogonality of Q, ~d·Eps). ok is false for τ ≤ 0 or a
// non-finite result.
func (f *Quadratic) Ridge(center []float64, tau float64) ([]float64, bool) {
	checkLen("center", center, f.d)
	if !(tau > 0) || math.IsInf(tau, 0) || !numeric.VecFinite(center) {
		return nil, false
	}
	rhs := make([]float64, f.d)
	for j := range rhs {
		rhs[j] = f.b[j] + center[j]/tau
	}
	qr := make([]float64, f.d)
	blas64.Gemv(blas.Trans, 1, f.raw, vec(rhs), 0, vec(qr))
	for i := range qr {
		qr[i] /= f.lam[i] + 1/tau
	}
	sol := make([]float64, f.d)
	blas64.Gemv(blas.NoTrans, 1, f.raw, vec(qr), 0, vec(sol))
	return sol, numeric.VecFinite(sol)
}

// gradErrBound bounds the rounding error of Grad at x in the spectral form: w = Qᵀx errs
// by γ_d‖Q‖_F‖x‖, which Q·Λ amplifies by at most ‖Q‖_F·λ_max; Λw by Eps; Q(Λw) by
// γ_d‖Q‖_F‖Λw‖; subtracting b by Eps(‖Hx‖ + ‖b‖).
func (f *Quadratic) gradErrBound(x []float64) float64 {
	checkLen("x", x, f.d)
	d := float64(f.d)
	gd := (d + 1) * numeric.Eps
	qf := math.Sqrt(d) * (1 + gd)
	if !f.exactQ {
		nq, _ := numeric.CertifiedGramMaxEig(f.q)
		qf = math.Sqrt(d * nq)
	}
	gf := make([]float64, f.d)
	f.Grad(gf, x) // leaves Λw in f.w
	lw := numeric.Norm2(f.w)
	top := f.lam[f.d-1]
	e := qf*top*gd*qf*numeric.Norm2(x) + (gd+2*numeric.Eps)*qf*lw + numeric.Eps*(numeric.Norm2(gf)+2*numeric.Norm2(f.b))
	return e * (1 + 1e-6)
}

// ridgeGap bounds h(x) − min h as glm.ridgeGap does.
func (f *Quadratic) ridgeGap(center []float64, tau float64, x []float64) float64 {
	checkLen("center", center, f.d)
	gf := make([]float64, f.d)
	f.Grad(gf, x)
	return ridgeGapFrom(gf, f.gradErrBound(x), center, tau, x)
}

// String prints "f(x) = 0.5·h·x²" (with " − b·x + c" terms when nonzero) for a scalar
// quadratic, every number for small d, and d, spectrum and scales otherwise.
func (f *Quadratic) String() string {
	if f.d == 1 && f.exactQ {
		s := "f(x) = 0.5·" + fmtG(f.lam[0]) + "·x²"
		if f.b[0] != 0 {
			s += " − " + fmtG(f.b[0]) + "·x"
		}
		if f.c != 0 {
			s += " + " + fmtG(f.c)
		}
		return s
	}
	spec := ""
	if f.spectrum != "" {
		spec = ", spectrum " + f.spectrum
	}
	if f.d*f.d+2*f.d <= printLimit {
		return fmt.Sprintf("quadratic f(θ) = ½θᵀQΛQᵀθ − bᵀθ + c with d=%d%s, Λ=%s, Q=%s, b=%s, c=%s; L=%s", f.d, spec, fmtVec(f.lam), fmtMat(f.q), fmtVec(f.b), fmtG(f.c), fmtG(f.l))
	}
	zeros := 0
	for _, v := range f.lam {
		if v == 0 {
			zeros++
		}
	}
	return fmt.Sprintf("quadratic f(θ) = ½θᵀQΛQᵀθ − bᵀθ + c with d=%d%s, λ ∈ [%s, %s] (%d zero), ‖b‖_∞=%s, c=%s (Q not printed); L=%s", f.d, spec, fmtG(f.lam[0]), fmtG(f.lam[f.d-1]), zeros, fmtG(numeric.NormInf(f.b)), fmtG(f.c), fmtG(f.l))
}
