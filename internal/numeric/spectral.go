package numeric

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// eigenSlack is the backward-error factor p(n) = 8n + 4 of the certification model: a
// symmetric eigensolver (Householder tridiagonalisation + implicit QL/QR, as gonum's Dsyev)
// returns the exact eigenvalues of A + E with ‖E‖₂ ≤ p(n)·Eps·‖A‖₂. LAPACK documents
// p(n) as "a modestly growing function of n"; the classical analyses give a constant times
// n for the reduction (Wilkinson; Higham, "Accuracy and Stability of Numerical Algorithms",
// §19.3) and observed errors are far smaller, so 8n + 4 is generous.
func eigenSlack(n int) float64 { return float64(8*n+4) * Eps }

// CertifyUpper returns an upper bound on the exact eigenvalue λ whose computed value is v,
// for a symmetric matrix A of order n whose spectral norm is |v| (the largest eigenvalue of a
// PSD matrix, or a spectral norm). Model: by Weyl's inequality a backward-stable solver gives
// |v − λ| ≤ ‖E‖₂ ≤ (8n+4)·Eps·‖A‖₂; the bound adds that slack with ‖A‖₂ = |v|, plus an
// absolute n·2⁻¹⁰²² for underflow in an unscaled computation, and rounds up.
//
// When ‖A‖₂ is larger than |v| (an interior eigenvalue, or the top of an indefinite
// spectrum), use [CertifyLower]'s scale-explicit form or [CertifiedMaxEigSym] instead.
func CertifyUpper(v float64, n int) float64 {
	return certify(v, math.Abs(v), n, +1)
}

// CertifyLower returns a lower bound on the exact eigenvalue λ whose computed value is v, for
// a symmetric matrix A of order n with ‖A‖₂ ≤ scale: v − (8n+4)·Eps·max(|v|, scale) −
// n·2⁻¹⁰²², rounded down. The error of a small eigenvalue is relative to ‖A‖₂, not to |v|,
// so a strong-convexity constant μ = λ_min must pass scale = λ_max (or any bound on ‖A‖₂);
// passing scale = 0 is only correct when |v| = ‖A‖₂.
func CertifyLower(v, scale float64, n int) float64 {
	return certify(v, math.Max(math.Abs(v), math.Abs(scale)), n, -1)
}

func certify(v, scale float64, n int, dir float64) float64 {
	if n < 1 {
		n = 1
	}
	if math.IsNaN(v) || math.IsInf(v, 0) || math.IsNaN(scale) {
		return v
	}
	slack := eigenSlack(n)*scale + float64(n)*0x1p-1022
	return math.Nextafter(v+dir*slack, dir*math.Inf(1))
}

// scanSym returns the largest |a_ij|, whether all entries are finite and whether a is
// diagonal, reading the upper triangle.
func scanSym(a mat.Symmetric) (maxAbs float64, finite, diagonal bool) {
	n := a.SymmetricDim()
	finite, diagonal = true, true
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, false, false
			}
			if v != 0 && i != j {
				diagonal = false
			}
			if v = math.Abs(v); v > maxAbs {
				maxAbs = v
			}
		}
	}
	return maxAbs, finite, diagonal
}

// eigSym is the robust core of EigSym. exact reports that the values were read off a
// diagonal matrix (no rounding at all).
func eigSym(a mat.Symmetric, vectors bool) (vals []float64, vecs *mat.Dense, exact, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			vals, vecs, exact, ok = nil, nil, false, false
		}
	}()
	n := a.SymmetricDim()
	if n == 0 {
		return nil, nil, false, false
	}
	maxAbs, finite, diagonal := scanSym(a)
	if !finite {
		return nil, nil, false, false
	}
	if diagonal { // includes 1×1 and the zero matrix: exact, no factorisation.
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(p, q int) bool { return a.At(idx[p], idx[p]) < a.At(idx[q], idx[q]) })
		vals = make([]float64, n)
		if vectors {
			vecs = mat.NewDense(n, n, nil)
		}
		for k, i := range idx {
			vals[k] = a.At(i, i)
			if vectors {
				vecs.Set(i, k, 1)
			}
		}
		return vals, vecs, true, true
	}
	// Scale by 2^-e so that the largest entry lies in [½, 1): exact, and far from gonum's
	// tiny-matrix panic and from overflow.
	_, e := math.Frexp(maxAbs)
	b := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			b.SetSym(i, j, math.Ldexp(a.At(i, j), -e))
		}
	}
	vals, vecs, ok = factorize(b, vectors)
	if !ok && !vectors {
		// gonum's values-only path (Dsterf) panics whenever an unreduced block of the
		// tridiagonal form has norm below ~3e-123 (it passes a wrong leading dimension to
		// Dlascl), which rescaling cannot rule out when entries span many orders of
		// magnitude; the eigenvector path (Dsteqr) has no such bug.
		vals, vecs, ok = factorize(b, true)
		vecs = nil
	}
	if !ok || !validEigen(b, vals, vecs) {
		// Dsteqr in turn can return wildly wrong values (1e100 for a 1e-3 matrix) with
		// ok = true on such matrices: validate, and fall back to cyclic Jacobi.
		vals, vecs, ok = jacobiEigen(b, vectors)
		if !ok || !validEigen(b, vals, vecs) {
			return nil, nil, false, false
		}
	}
	for i, v := range vals {
		v = math.Ldexp(v, e)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, nil, false, false
		}
		vals[i] = v
	}
	if !sort.Float64sAreSorted(vals) { // Dsyev sorts; keep the promise regardless.
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(p, q int) bool { return vals[idx[p]] < vals[idx[q]] })
		sv := make([]float64, n)
		var sq *mat.Dense
		if vectors {
			sq = mat.NewDense(n, n, nil)
		}
		for k, i := range idx {
			sv[k] = vals[i]
			if vectors {
				for r := 0; r < n; r++ {
					sq.Set(r, k, vecs.At(r, i))
				}
			}
		}
		vals, vecs = sv, sq
	}
	return vals, vecs, false, true
}

// factorize runs gonum's EigenSym on b, turning a panic into ok = false.
func factorize(b *mat.SymDense, vectors bool) (vals []float64, vecs *mat.Dense, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			vals, vecs, ok = nil, nil, false
		}
	}()
	var es mat.EigenSym
	if !es.Factorize(b, vectors) {
		return nil, nil, false
	}
	vals = es.Values(nil)
	if vectors {
		vecs = &mat.Dense{}
		es.VectorsTo(vecs)
	}
	return vals, vecs, true
}

// EigSym returns the eigenvalues of the symmetric matrix a in ascending order and the
// orthonormal eigenvectors as the columns of vecs, robustly (see the package documentation:
// power-of-two rescaling, exact answers for diagonal matrices, panics recovered). ok is false
// for an empty or non-finite matrix or a failed factorisation.
func EigSym(a mat.Symmetric) (vals []float64, vecs *mat.Dense, ok bool) {
	vals, vecs, _, ok = eigSym(a, true)
	return vals, vecs, ok
}

// MaxEigSym returns the largest eigenvalue of the symmetric matrix a (computed value, not
// certified; see [CertifiedMaxEigSym]).
func MaxEigSym(a mat.Symmetric) (float64, bool) {
	vals, _, _, ok := eigSym(a, false)
	if !ok {
		return math.NaN(), false
	}
	return vals[len(vals)-1], true
}

// MinEigSym returns the smallest eigenvalue of the symmetric matrix a (computed value, not
// certified; see [CertifiedMinEigSym]).
func MinEigSym(a mat.Symmetric) (float64, bool) {
	vals, _, _, ok := eigSym(a, false)
	if !ok {
		return math.NaN(), false
	}
	return vals[0], true
}

// CertifiedMaxEigSym returns an upper bound on λ_max(a): the computed value plus
// (8n+4)·Eps·‖a‖₂ (with ‖a‖₂ = max(|λ_min|, |λ_max|) computed), rounded up. For a diagonal
// matrix the answer is exact and no slack is added.
func CertifiedMaxEigSym(a mat.Symmetric) (float64, bool) {
	vals, _, exact, ok := eigSym(a, false)
	if !ok {
		return math.NaN(), false
	}
	hi := vals[len(vals)-1]
	if exact {
		return hi, true
	}
	scale := math.Max(math.Abs(vals[0]), math.Abs(hi))
	return certify(hi, scale, len(vals), +1), true
}

// CertifiedMinEigSym returns a lower bound on λ_min(a): the computed value minus
// (8n+4)·Eps·‖a‖₂, rounded down; exact for a diagonal matrix. This is the form to use for a
// strong-convexity constant μ.
func CertifiedMinEigSym(a mat.Symmetric) (float64, bool) {
	vals, _, exact, ok := eigSym(a, false)
	if !ok {
		return math.NaN(), false
	}
	lo := vals[0]
	if exact {
		return lo, true
	}
	scale := math.Max(math.Abs(lo), math.Abs(vals[len(vals)-1]))
	return certify(lo, scale, len(vals), -1), true
}

// IsPSD reports whether the symmetric matrix a is positive semidefinite up to the
// certification model: psd is false only when λ_min is provably negative, i.e. below
// −(8n+4)·Eps·‖a‖₂. ok is false if the eigenvalues could not be computed.
func IsPSD(a mat.Symmetric) (psd, ok bool) {
	vals, _, exact, ok := eigSym(a, false)
	if !ok {
		return false, false
	}
	lo := vals[0]
	if exact {
		return lo >= 0, true
	}
	scale := math.Max(math.Abs(lo), math.Abs(vals[len(vals)-1]))
	return certify(lo, scale, len(vals), +1) >= 0, true
}

// scanDense returns the entries' largest magnitude and whether they are all finite.
func scanDense(a mat.Matrix) (maxAbs float64, finite bool) {
	r, c := a.Dims()
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			v := a.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, false
			}
			if v = math.Abs(v); v > maxAbs {
				maxAbs = v
			}
		}
	}
	return maxAbs, true
}

// scaledCopy returns 2^-e·a as a new Dense (exact up to underflow of entries below 2⁻¹⁰²²
// relative to the largest).
func scaledCopy(a mat.Matrix, e int) *mat.Dense {
	r, c := a.Dims()
	b := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			b.Set(i, j, math.Ldexp(a.At(i, j), -e))
		}
	}
	return b
}

// entries returns the entries of a vector-shaped matrix (one row or one column).
func entries(a mat.Matrix) []float64 {
	r, c := a.Dims()
	out := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out = append(out, a.At(i, j))
		}
	}
	return out
}

// SpectralNorm returns ‖a‖₂, the largest singular value (NOT the Frobenius norm that
// mat.Norm(a, 2) returns). A row or column vector gives its Euclidean norm directly; the
// zero matrix gives 0; otherwise an SVD of the power-of-two-rescaled matrix is used. ok is
// false for an empty or non-finite matrix or a failed factorisation. The value is computed,
// not certified: a backward-stable SVD is exact for a + E with ‖E‖₂ ≤ p·Eps·‖a‖₂, so
// [CertifyUpper](v, max(r, c)) bounds it.
func SpectralNorm(a mat.Matrix) (s float64, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s, ok = math.NaN(), false
		}
	}()
	r, c := a.Dims()
	if r == 0 || c == 0 {
		return math.NaN(), false
	}
	maxAbs, finite := scanDense(a)
	if !finite {
		return math.NaN(), false
	}
	if maxAbs == 0 {
		return 0, true
	}
	if r == 1 || c == 1 {
		return Norm2(entries(a)), true
	}
	_, e := math.Frexp(maxAbs)
	b := scaledCopy(a, e)
	sb, ok := svdMax(b)
	if !ok {
		// Fall back to the validated symmetric eigensolver on the Gram matrix.
		var lam float64
		if lam, _, _, _, ok = gram(b); !ok {
			return math.NaN(), false
		}
		sb = math.Sqrt(lam)
	}
	s = math.Ldexp(sb, e)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return math.NaN(), false
	}
	return s, true
}

// svdMax returns σ_max(b) from gonum's SVD, validated against ‖b‖_F/√min(r, c) ≤ σ_max ≤
// ‖b‖_F and σ_max ≥ the largest column norm (each with the model's slack); ok is false on a
// panic, a failed factorisation or a value that fails validation.
func svdMax(b *mat.Dense) (s float64, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s, ok = math.NaN(), false
		}
	}()
	var svd mat.SVD
	if !svd.Factorize(b, mat.SVDNone) {
		return math.NaN(), false
	}
	s = svd.Values(nil)[0]
	r, c := b.Dims()
	slack := 4 * eigenSlack(max(r, c))
	var fro2, col float64
	for j := 0; j < c; j++ {
		var cj float64
		for i := 0; i < r; i++ {
			cj += b.At(i, j) * b.At(i, j)
		}
		fro2 += cj
		col = math.Max(col, cj)
	}
	fro := math.Sqrt(fro2)
	if !(s <= fro*(1+slack)) || !(s >= fro/math.Sqrt(float64(min(r, c)))*(1-slack)) || !(s >= math.Sqrt(col)*(1-slack)) {
		return math.NaN(), false
	}
	return s, true
}

// gram computes λ_max(XᵀX) for the power-of-two-rescaled X in the smaller of XᵀX (c×c) and
// XXᵀ (r×r), which have the same nonzero eigenvalues. It returns the value unscaled, the
// entries of X row by row, and the order k and inner dimension m of the Gram matrix formed.
func gram(x *mat.Dense) (lam float64, all []float64, k, m int, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			lam, ok = math.NaN(), false
		}
	}()
	r, c := x.Dims()
	maxAbs, finite := scanDense(x)
	if !finite {
		return math.NaN(), nil, 0, 0, false
	}
	raw := x.RawMatrix()
	all = make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		all = append(all, raw.Data[i*raw.Stride:i*raw.Stride+c]...)
	}
	if maxAbs == 0 {
		return 0, all, min(r, c), max(r, c), true
	}
	if r == 1 || c == 1 {
		n := Norm2(all)
		return n * n, all, 1, r * c, true
	}
	_, e := math.Frexp(maxAbs)
	xs := scaledCopy(x, e)
	var g mat.SymDense
	if c <= r {
		g.SymOuterK(1, xs.T()) // XᵀX, c×c
		k, m = c, r
	} else {
		g.SymOuterK(1, xs) // XXᵀ, r×r
		k, m = r, c
	}
	v, ok := MaxEigSym(&g)
	if !ok {
		return math.NaN(), all, k, m, false
	}
	lam = math.Ldexp(v, 2*e)
	if math.IsInf(lam, 0) || math.IsNaN(lam) {
		return math.NaN(), all, k, m, false
	}
	return lam, all, k, m, true
}

// GramMaxEig returns the computed λ_max(XᵀX) = ‖X‖₂², forming whichever of XᵀX and XXᵀ is
// smaller. For certified constants use [CertifiedGramMaxEig].
func GramMaxEig(x *mat.Dense) (float64, bool) {
	if r, c := x.Dims(); r == 0 || c == 0 {
		return math.NaN(), false
	}
	lam, _, _, _, ok := gram(x)
	return lam, ok
}

// CertifiedGramMaxEig returns an upper bound on λ_max(XᵀX) = ‖X‖₂² for an r×c matrix X.
// Model (X rescaled by a power of two, which is exact):
//
//   - forming G = XᵀX (or XXᵀ) with inner dimension m = max(r, c) gives fl(G) = G + ΔG with
//     |ΔG| ≤ γ_m |X|ᵀ|X| entrywise, so ‖ΔG‖₂ ≤ γ_m‖X‖_F² ≤ m·Eps·‖X‖_F²;
//   - the eigensolver on the k×k Gram matrix (k = min(r, c)) errs by at most
//     (8k+4)·Eps·‖fl(G)‖₂ ≤ (8k+4)·Eps·‖X‖_F²·(1 + m·Eps);
//
// so the result is λ̂ + (8k + 4 + 2m)·Eps·‖X‖_F² (+ 2⁻⁹⁰⁰·‖X‖_F² for underflow of entries
// negligible against the largest), with ‖X‖_F² itself bounded by [CertifiedNorm2Sq] and
// the sum rounded up. Using ‖X‖_F² in place of ‖X‖₂² costs at most a factor rank(X) in the
// slack, still below 1e-9 relative for a 1000×100 X. A row or column vector X gives the
// certified ‖X‖² directly, and X = 0 gives exactly 0.
func CertifiedGramMaxEig(x *mat.Dense) (float64, bool) {
	r, c := x.Dims()
	if r == 0 || c == 0 {
		return math.NaN(), false
	}
	lam, all, k, m, ok := gram(x)
	if !ok {
		return math.NaN(), false
	}
	f2 := CertifiedNorm2Sq(all) // ≥ ‖X‖_F²
	if f2 == 0 || r == 1 || c == 1 {
		// X = 0, or a vector, for which ‖X‖₂ = ‖X‖_F.
		return f2, true
	}
	if math.IsInf(f2, 0) {
		return math.NaN(), false
	}
	slack := MulUp(float64(8*k+4+2*m)*Eps+0x1p-900, f2)
	return math.Nextafter(lam+slack, math.Inf(1)), true
}

// SymPart returns (a + aᵀ)/2 of the square matrix a as a SymDense: the symmetric matrix whose
// quadratic form is a's.
func SymPart(a mat.Matrix) *mat.SymDense {
	n, _ := a.Dims()
	s := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			s.SetSym(i, j, (a.At(i, j)+a.At(j, i))/2)
		}
	}
	return s
}

// FixSign makes the largest-magnitude entry of v positive (the first one on ties), flipping v
// in place: an eigenvector's sign is arbitrary, and fixing it makes results reproducible.
func FixSign(v []float64) {
	k := 0
	for i, x := range v {
		if math.Abs(x) > math.Abs(v[k]) {
			k = i
		}
	}
	if len(v) > 0 && v[k] < 0 {
		for i := range v {
			v[i] = -v[i]
		}
	}
}
