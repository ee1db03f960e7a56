package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Mahalanobis is ψ(x) = ½xᵀMx with M symmetric positive definite, on C = R^d. Mirror descent
// with it is preconditioned gradient descent θ ← θ − η M⁻¹ g, and D_ψ(x, y) = ½‖x − y‖²_M.
//
// M⁻¹ is never formed: the constructor stores the Cholesky factor L (M = LLᵀ) and each step
// solves M s = g by one forward and one backward substitution, which is backward stable (the
// computed s solves (M + E)s = g with ‖E‖ = O(dε‖M‖)); an explicit inverse would add a second
// κ(M)ε error and cost the same per step.
type Mahalanobis struct {
	d        int
	m        []float64 // M, row-major d×d
	l        []float64 // Cholesky factor L, row-major d×d, lower triangle used
	mu, lmax float64
}

// NewMahalanobis returns ψ(x) = ½xᵀMx. M is copied. It returns an error when M has a
// non-finite entry or is not certifiably positive definite.
//
// The strong-convexity constant is certified rather than just computed: the eigenvalues of
// M/s (s the largest |M_ij|, a scaling that also keeps gonum's EigenSym away from its
// tiny-entry failure) are computed by a backward-stable symmetric eigensolver, so each
// computed eigenvalue is within p(d)·ε·‖M/s‖₂ of a true one (Weyl). We subtract
// 16·d·ε·‖M/s‖₂ from the computed λ_min and scale back; M is rejected when that certified
// lower bound is not positive, or when its Cholesky factorisation fails.
func NewMahalanobis(m mat.Symmetric) (*Mahalanobis, error) {
	if m == nil {
		return nil, fmt.Errorf("algorithms: NewMahalanobis: nil matrix")
	}
	d := m.SymmetricDim()
	if err := mdValidDim("NewMahalanobis", d); err != nil {
		return nil, err
	}
	var s float64
	for i := 0; i < d; i++ {
		for j := 0; j <= i; j++ {
			v := m.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("algorithms: NewMahalanobis: entry (%d,%d) = %g is not finite", i, j, v)
			}
			s = math.Max(s, math.Abs(v))
		}
	}
	if s == 0 {
		return nil, fmt.Errorf("algorithms: NewMahalanobis: M = 0 is not positive definite")
	}
	scaled := mat.NewSymDense(d, nil)
	full := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := m.At(i, j)
			full.SetSym(i, j, v)
			scaled.SetSym(i, j, v/s)
		}
	}
	var eig mat.EigenSym
	if ok := eig.Factorize(scaled, false); !ok {
		return nil, fmt.Errorf("algorithms: NewMahalanobis: eigendecomposition failed")
	}
	vals := eig.Values(nil) // ascending
	lo, hi := vals[0], vals[d-1]
	norm := math.Max(math.Abs(lo), math.Abs(hi))
	slack := 16 * float64(d) * mdEps * norm
	muScaled := lo - slack
	if !(muScaled > 0) {
		return nil, fmt.Errorf("algorithms: NewMahalanobis: computed λ_min = %g·%g does not exceed the eigensolver's error bound %g·%g: not certifiably positive definite", lo, s, slack, s)
	}
	var chol mat.Cholesky
	if ok := chol.Factorize(full); !ok {
		return nil, fmt.Errorf("algorithms: NewMahalanobis: Cholesky factorisation failed (M numerically not positive definite)")
	}
	var tri mat.TriDense
	chol.LTo(&tri)
	mm := &Mahalanobis{
		d:    d,
		m:    make([]float64, d*d),
		l:    make([]float64, d*d),
		mu:   muScaled * s,
		lmax: (hi + slack) * s,
	}
	for i := 0; i < d; i++ {
		for j := 0; j < d; j++ {
			mm.m[i*d+j] = full.At(i, j)
			if j <= i {
				mm.l[i*d+j] = tri.At(i, j)
			}
		}
	}
	return mm, nil
}

// Name returns "mahalanobis".
func (m *Mahalanobis) Name() string { return "mahalanobis" }

// Spectrum returns certified bounds lo ≤ λ_min(M) and λ_max(M) ≤ hi; lo is the μ returned by
// StrongConvexity and hi is the ℓ2 smoothness constant of ψ.
func (m *Mahalanobis) Spectrum() (lo, hi float64) { return m.mu, m.lmax }

// halfLtNormSq returns ½‖Lᵀ(x − y)‖², or ½‖Lᵀx‖² when y is nil: a sum of squares, so it is
// never negative, and the difference is formed before the product so nearby points keep
// their relative accuracy.
func (m *Mahalanobis) halfLtNormSq(x, y []float64) float64 {
	d := m.d
	var acc float64
	for j := 0; j < d; j++ {
		var s float64
		for i := j; i < d; i++ {
			v := x[i]
			if y != nil {
				v -= y[i]
			}
			s += m.l[i*d+j] * v
		}
		acc += s * s
	}
	return acc / 2
}

// Value returns ½xᵀMx = ½‖Lᵀx‖².
func (m *Mahalanobis) Value(x []float64) float64 {
	mdCheckDims("mahalanobis", m.d, x)
	return m.halfLtNormSq(x, nil)
}

// Grad writes Mx into dst.
func (m *Mahalanobis) Grad(dst, x []float64) {
	mdCheckDims("mahalanobis", m.d, dst, x)
	d := m.d
	for i := 0; i < d; i++ {
		row := m.m[i*d : (i+1)*d]
		dst[i] = mdDot(row, x)
	}
}

// Divergence returns ½(x − y)ᵀM(x − y) = ½‖Lᵀ(x − y)‖².
func (m *Mahalanobis) Divergence(x, y []float64) float64 {
	mdCheckDims("mahalanobis", m.d, x, y)
	return m.halfLtNormSq(x, y)
}

// MirrorStep writes x − η M⁻¹g into dst (M dst = Mx − ηg), solving with the Cholesky factor:
// dst first receives L⁻¹g (forward substitution), then L⁻ᵀL⁻¹g (back substitution, in
// place), then x − η·dst.
func (m *Mahalanobis) MirrorStep(dst, x, g []float64, eta float64) {
	mdCheckDims("mahalanobis", m.d, dst, x, g)
	d, l := m.d, m.l
	for i := 0; i < d; i++ {
		s := g[i]
		row := l[i*d : i*d+i]
		for j, lij := range row {
			s -= lij * dst[j]
		}
		dst[i] = s / l[i*d+i]
	}
	for i := d - 1; i >= 0; i-- {
		s := dst[i]
		for j := i + 1; j < d; j++ {
			s -= l[j*d+i] * dst[j]
		}
		dst[i] = s / l[i*d+i]
	}
	for i := range dst {
		dst[i] = x[i] - eta*dst[i]
	}
}

// Project copies y: C = R^d.
func (m *Mahalanobis) Project(dst, y []float64) {
	mdCheckDims("mahalanobis", m.d, dst, y)
	copy(dst, y)
}

// Feasibility returns 0 for finite points and +Inf otherwise.
func (m *Mahalanobis) Feasibility(x []float64) float64 {
	mdCheckDims("mahalanobis", m.d, x)
	if !mdAllFinite(x) {
		return math.Inf(1)
	}
	return 0
}

// StrongConvexity returns the certified lower bound on λ_min(M), w.r.t. ℓ2.
func (m *Mahalanobis) StrongConvexity() (float64, string) { return m.mu, "l2" }
