package pep

import (
	"math/big"
)

// Sym is a dense symmetric rational matrix.
type Sym struct {
	n int
	a []big.Rat // row-major n×n, kept symmetric by Set
}

// NewSym returns the n×n zero matrix.
func NewSym(n int) *Sym { return &Sym{n: n, a: make([]big.Rat, n*n)} }

// N returns the order.
func (m *Sym) N() int { return m.n }

// At returns a copy of entry (i, j).
func (m *Sym) At(i, j int) *big.Rat { return new(big.Rat).Set(&m.a[i*m.n+j]) }

// Set sets entries (i, j) and (j, i) to r.
func (m *Sym) Set(i, j int, r *big.Rat) {
	m.a[i*m.n+j].Set(r)
	m.a[j*m.n+i].Set(r)
}

// Clone returns a copy of m.
func (m *Sym) Clone() *Sym {
	out := NewSym(m.n)
	for i := range m.a {
		out.a[i].Set(&m.a[i])
	}
	return out
}

// Neg returns −m.
func (m *Sym) Neg() *Sym {
	out := NewSym(m.n)
	for i := range m.a {
		out.a[i].Neg(&m.a[i])
	}
	return out
}

// Equal reports whether m and o are equal entry by entry.
func (m *Sym) Equal(o *Sym) bool {
	if m.n != o.n {
		return false
	}
	for i := range m.a {
		if m.a[i].Cmp(&o.a[i]) != 0 {
			return false
		}
	}
	return true
}

// IsDiagonal reports whether every off-diagonal entry is 0.
func (m *Sym) IsDiagonal() bool {
	for i := 0; i < m.n; i++ {
		for j := i + 1; j < m.n; j++ {
			if m.a[i*m.n+j].Sign() != 0 {
				return false
			}
		}
	}
	return true
}

// QuadValue returns vᵀ m v for a rational vector v (len n).
func (m *Sym) QuadValue(v []big.Rat) *big.Rat {
	s := new(big.Rat)
	var p big.Rat
	for i := 0; i < m.n; i++ {
		if v[i].Sign() == 0 {
			continue
		}
		for j := 0; j < m.n; j++ {
			if v[j].Sign() == 0 || m.a[i*m.n+j].Sign() == 0 {
				continue
			}
			p.Mul(&v[i], &m.a[i*m.n+j])
			p.Mul(&p, &v[j])
			s.Add(s, &p)
		}
	}
	return s
}

// LDL is an exact factorisation A = L·D·Lᵀ of a positive semidefinite rational matrix, with
// L unit lower triangular and D ≥ 0 diagonal. It writes A as a sum of squares,
// vᵀAv = Σ_k D_k (Σ_j L_jk v_j)², which is the proof that A is PSD.
type LDL struct {
	n int
	l []big.Rat // row-major n×n, unit lower triangular
	d []big.Rat
}

// D returns a copy of pivot k.
func (f *LDL) D(k int) *big.Rat { return new(big.Rat).Set(&f.d[k]) }

// L returns a copy of entry (j, k) of the unit lower-triangular factor.
func (f *LDL) L(j, k int) *big.Rat { return new(big.Rat).Set(&f.l[j*f.n+k]) }

// Rank is the number of positive pivots.
func (f *LDL) Rank() int {
	r := 0
	for k := range f.d {
		if f.d[k].Sign() > 0 {
			r++
		}
	}
	return r
}

// NotPSD is the outcome of FactorPSD on a matrix that is not positive semidefinite: a
// rational witness v with vᵀAv = Value < 0, and where the elimination found it.
type NotPSD struct {
	Witness []big.Rat
	Value   *big.Rat
	Pivot   int // the index whose pivot was negative, or whose zero pivot had a nonzero row
}

// FactorPSD decides exactly whether the symmetric rational matrix a is positive
// semidefinite. It returns the factorisation A = LDLᵀ with D ≥ 0 when it is, and otherwise a
// witness vector v with vᵀAv < 0. Elimination runs in index order without pivoting: in a PSD
// matrix a zero pivot has a zero row in the Schur complement, so order cannot hide
// definiteness, and the residuals of the encoded proofs are diagonal or close to it.
func FactorPSD(a *Sym) (*LDL, *NotPSD) {
	n := a.n
	s := a.Clone() // Schur complement, updated in place on indices ≥ k
	f := &LDL{n: n, l: make([]big.Rat, n*n), d: make([]big.Rat, n)}
	for i := 0; i < n; i++ {
		f.l[i*n+i].SetInt64(1)
	}
	var m, p big.Rat
	for k := 0; k < n; k++ {
		piv := &s.a[k*n+k]
		switch piv.Sign() {
		case -1:
			w := make([]big.Rat, n)
			w[k].SetInt64(1)
			return nil, f.witness(a, k, w)
		case 0:
			for j := k + 1; j < n; j++ {
				b := &s.a[j*n+k]
				if b.Sign() == 0 {
					continue
				}
				// On (e_k, e_j) the Schur complement is [[0, b], [b, c]]: the vector
				// (−(c+1)/(2b), 1) gives −(c+1) + c = −1 < 0.
				c := &s.a[j*n+j]
				w := make([]big.Rat, n)
				w[k].Add(c, big.NewRat(1, 1))
				w[k].Neg(&w[k])
				w[k].Quo(&w[k], new(big.Rat).Mul(big.NewRat(2, 1), b))
				w[j].SetInt64(1)
				return nil, f.witness(a, k, w)
			}
			continue // zero row: nothing to eliminate
		}
		f.d[k].Set(piv)
		for j := k + 1; j < n; j++ {
			if s.a[j*n+k].Sign() == 0 {
				continue
			}
			f.l[j*n+k].Quo(&s.a[j*n+k], piv)
		}
		for i := k + 1; i < n; i++ {
			lik := &f.l[i*n+k]
			if lik.Sign() == 0 {
				continue
			}
			m.Mul(lik, piv)
			for j := k + 1; j <= i; j++ {
				if f.l[j*n+k].Sign() == 0 {
					continue
				}
				p.Mul(&m, &f.l[j*n+k])
				s.a[i*n+j].Sub(&s.a[i*n+j], &p)
				if i != j {
					s.a[j*n+i].Set(&s.a[i*n+j])
				}
			}
		}
	}
	return f, nil
}

// witness maps a vector w supported on indices ≥ k of the Schur complement at step k back to
// the original coordinates, v = L^{-T}w (L holding the columns eliminated so far), so that
// vᵀAv = wᵀSw, and evaluates it on a as an independent check.
func (f *LDL) witness(a *Sym, k int, w []big.Rat) *NotPSD {
	n := f.n
	v := w
	var p big.Rat
	for i := k - 1; i >= 0; i-- {
		for j := i + 1; j < n; j++ {
			if f.l[j*n+i].Sign() == 0 || v[j].Sign() == 0 {
				continue
			}
			p.Mul(&f.l[j*n+i], &v[j])
			v[i].Sub(&v[i], &p)
		}
	}
	val := a.QuadValue(v)
	if val.Sign() >= 0 {
		panic("pep: internal error: PSD witness is not negative")
	}
	return &NotPSD{Witness: v, Value: val, Pivot: k}
}
