package numeric

import (
	"math"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Low-rank measurements of a matrix from its singular values (THEOREMS.md §3–§5).

// SVD returns the thin singular value decomposition a = U·diag(s)·Vᵀ with s descending
// (U is r×k, V is c×k, k = min(r, c)), computed on a power-of-two-rescaled copy so that
// tiny and huge matrices factor alike. ok is false for an empty or non-finite matrix, a
// failed factorisation or a panic inside the factorisation.
func SVD(a mat.Matrix) (u *mat.Dense, s []float64, v *mat.Dense, ok bool) {
	return new(SVDWork).SVD(a)
}

// SingularValues returns the singular values of a, descending; ok as for SVD.
func SingularValues(a mat.Matrix) (s []float64, ok bool) {
	return new(SVDWork).SingularValues(a)
}

// SVDWork is the workspace of repeated SVDs of same-sized matrices (an iterative method's
// inner loop): after the first call for a shape, a factorisation allocates nothing. The
// results are those of SVD and SingularValues, bit for bit; U, s and V are views into the
// workspace, valid until its next call.
type SVDWork struct {
	r, c    int
	vectors bool
	a       blas64.General // the rescaled copy, destroyed by the factorisation
	u, vt   blas64.General
	s, work []float64
	uDense  *mat.Dense // r×k view of u
	vDense  *mat.Dense // c×k, the transpose of vt
}

// SVD is SVD(a) in the workspace.
func (w *SVDWork) SVD(a mat.Matrix) (u *mat.Dense, s []float64, v *mat.Dense, ok bool) {
	return w.factor(a, true)
}

// SingularValues is SingularValues(a) in the workspace.
func (w *SVDWork) SingularValues(a mat.Matrix) (s []float64, ok bool) {
	_, s, _, ok = w.factor(a, false)
	return s, ok
}

// reshape sizes the buffers for an r×c matrix, with or without vectors (the jobs of the
// factorisation, on which its optimal work size depends), as gonum's mat.SVD would.
func (w *SVDWork) reshape(r, c int, vectors bool) {
	if w.a.Data != nil && w.r == r && w.c == c && w.vectors == vectors {
		return
	}
	k := min(r, c)
	*w = SVDWork{r: r, c: c, vectors: vectors,
		a: blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)},
		s: make([]float64, k)}
	jobU, jobVT := lapack.SVDNone, lapack.SVDNone
	if vectors {
		jobU, jobVT = lapack.SVDStore, lapack.SVDStore
		w.u = blas64.General{Rows: r, Cols: k, Stride: k, Data: make([]float64, r*k)}
		w.vt = blas64.General{Rows: k, Cols: c, Stride: c, Data: make([]float64, k*c)}
		w.uDense = mat.NewDense(r, k, w.u.Data)
		w.vDense = mat.NewDense(c, k, nil)
	}
	query := []float64{0}
	lapack64.Gesvd(jobU, jobVT, w.a, w.u, w.vt, w.s, query, -1)
	w.work = make([]float64, int(query[0]))
}

func (w *SVDWork) factor(a mat.Matrix, vectors bool) (u *mat.Dense, s []float64, v *mat.Dense, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			u, s, v, ok = nil, nil, nil, false
		}
	}()
	r, c := a.Dims()
	if r == 0 || c == 0 {
		return nil, nil, nil, false
	}
	maxAbs, finite := scanDense(a)
	if !finite {
		return nil, nil, nil, false
	}
	w.reshape(r, c, vectors)
	k := min(r, c)
	if maxAbs == 0 {
		clear(w.s)
		if !vectors {
			return nil, w.s, nil, true
		}
		clear(w.u.Data)
		w.vDense.Zero()
		for i := 0; i < k; i++ {
			w.uDense.Set(i, i, 1)
			w.vDense.Set(i, i, 1)
		}
		return w.uDense, w.s, w.vDense, true
	}
	_, e := math.Frexp(maxAbs)
	for i := 0; i < r; i++ {
		row := w.a.Data[i*c : (i+1)*c]
		for j := range row {
			row[j] = math.Ldexp(a.At(i, j), -e)
		}
	}
	jobU, jobVT := lapack.SVDNone, lapack.SVDNone
	if vectors {
		jobU, jobVT = lapack.SVDStore, lapack.SVDStore
	}
	if !lapack64.Gesvd(jobU, jobVT, w.a, w.u, w.vt, w.s, w.work, len(w.work)) {
		return nil, nil, nil, false
	}
	s = w.s
	for i := range s {
		s[i] = math.Ldexp(s[i], e)
		if math.IsNaN(s[i]) || math.IsInf(s[i], 0) {
			return nil, nil, nil, false
		}
	}
	for i := 1; i < len(s); i++ {
		if s[i] > s[i-1] {
			return nil, nil, nil, false
		}
	}
	if !vectors {
		return nil, s, nil, true
	}
	vd := w.vDense.RawMatrix()
	for i := 0; i < k; i++ {
		for j := 0; j < c; j++ {
			vd.Data[j*vd.Stride+i] = w.vt.Data[i*w.vt.Stride+j]
		}
	}
	return w.uDense, s, w.vDense, true
}

// EffectiveRank is Roy and Vetterli's effective rank exp(−Σ p_i log p_i), p_i = σ_i/Σσ_j,
// over the nonzero singular values (0 log 0 = 0; the authors' code adds 1e-10 inside the log,
// which changes the value by less than 1e-9 here). The zero matrix has effective rank 0.
func EffectiveRank(s []float64) float64 {
	total := Sum(s)
	if total == 0 {
		return 0
	}
	h := make([]float64, 0, len(s))
	for _, x := range s {
		if x > 0 {
			p := x / total
			h = append(h, -p*math.Log(p))
		}
	}
	return math.Exp(Sum(h))
}

// NuclearNorm is Σσ_i.
func NuclearNorm(s []float64) float64 { return Sum(s) }

// DistToRankK is the Frobenius distance from the matrix to the set of matrices of rank at
// most k (Eckart–Young): sqrt(Σ_{i>k} σ_i²).
func DistToRankK(s []float64, k int) float64 {
	if k >= len(s) {
		return 0
	}
	return Norm2(s[max(k, 0):])
}

// NumericalRank counts the singular values above rel·σ_1 (0 for the zero matrix).
func NumericalRank(s []float64, rel float64) int {
	if len(s) == 0 || s[0] == 0 {
		return 0
	}
	n := 0
	for _, x := range s {
		if x > rel*s[0] {
			n++
		}
	}
	return n
}
