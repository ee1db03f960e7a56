package numeric

import (
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Low-rank measurements of a matrix from its singular values (THEOREMS.md §3–§5).

// SVD returns the thin singular value decomposition a = U·diag(s)·Vᵀ with s descending
// (U is r×k, V is c×k, k = min(r, c)), computed on a power-of-two-rescaled copy so that
// tiny and huge matrices factor alike. ok is false for an empty or non-finite matrix, a
// failed factorisation or a panic inside the factorisation.
func SVD(a mat.Matrix) (u *mat.Dense, s []float64, v *mat.Dense, ok bool) {
	return svd(a, true)
}

// SingularValues returns the singular values of a, descending; ok as for SVD.
func SingularValues(a mat.Matrix) (s []float64, ok bool) {
	_, s, _, ok = svd(a, false)
	return s, ok
}

func svd(a mat.Matrix, vectors bool) (u *mat.Dense, s []float64, v *mat.Dense, ok bool) {
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
	k := min(r, c)
	if maxAbs == 0 {
		s = make([]float64, k)
		if !vectors {
			return nil, s, nil, true
		}
		u, v = mat.NewDense(r, k, nil), mat.NewDense(c, k, nil)
		for i := 0; i < k; i++ {
			u.Set(i, i, 1)
			v.Set(i, i, 1)
		}
		return u, s, v, true
	}
	_, e := math.Frexp(maxAbs)
	b := scaledCopy(a, e)
	var f mat.SVD
	kind := mat.SVDNone
	if vectors {
		kind = mat.SVDThin
	}
	if !f.Factorize(b, kind) {
		return nil, nil, nil, false
	}
	s = f.Values(nil)
	for i := range s {
		s[i] = math.Ldexp(s[i], e)
		if math.IsNaN(s[i]) || math.IsInf(s[i], 0) {
			return nil, nil, nil, false
		}
	}
	if !sort.IsSorted(sort.Reverse(sort.Float64Slice(s))) {
		return nil, nil, nil, false
	}
	if vectors {
		u, v = new(mat.Dense), new(mat.Dense)
		f.UTo(u)
		f.VTo(v)
	}
	return u, s, v, true
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
