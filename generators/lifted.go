package generators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Instances of the lifted tensor family (THEOREMS.md §6, Ma–Lavaei–Sojoudi NeurIPS 2023).

// PerturbedCompletion is the perturbed matrix completion instance of Yalcin et al. (2023) as
// the authors' perturbed_mc.py builds it (0-based indices): z_i = 1 for even i (⌈n/2⌉ ones),
// M* = zzᵀ, Ω = {(i, i)} ∪ {(i, j), (j, i) : j odd} (the paper's 1-based (i, 2k), (2k, i)), and
// the operator A_ρ(M)_ij = M_ij on Ω, ρ·M_ij off Ω: mask_ij = 1 on Ω, ρ elsewhere. M*'s
// off-diagonal support (even × even) is observed only through ρ, so every sign pattern of
// the even coordinates is a near-solution: the instance has many spurious local minima.
type PerturbedCompletion struct {
	N      int
	Rho    float64
	Z      []float64
	Mask   *mat.Dense
	Target *mat.Dense // M* = zzᵀ
}

// NewPerturbedCompletion builds the instance for n ≥ 2 and ρ ∈ (0, 1].
func NewPerturbedCompletion(n int, rho float64) *PerturbedCompletion {
	if n < 2 || !(rho > 0 && rho <= 1) {
		panic(fmt.Sprintf("generators: perturbed completion with n = %d, ρ = %v", n, rho))
	}
	z := make([]float64, n)
	for i := 0; i < n; i += 2 {
		z[i] = 1
	}
	mask := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			v := rho
			if i == j || i%2 == 1 || j%2 == 1 {
				v = 1
			}
			mask.Set(i, j, v)
		}
	}
	target := mat.NewDense(n, n, nil)
	target.Outer(1, mat.NewVecDense(n, z), mat.NewVecDense(n, z))
	return &PerturbedCompletion{N: n, Rho: rho, Z: z, Mask: mask, Target: target}
}

// TopEigenvector returns the unit eigenvector of the largest eigenvalue λ_max of the symmetric
// matrix U (n×n, row-major), its largest-magnitude entry made positive, with λ_max and
// s2 = the largest |λ| over the other eigenvalues. When λ_max ≥ s2, λ_max and s2 are the two
// largest singular values σ_1(U) ≥ σ_2(U) and v is the top singular vector (the paper's v_1).
func TopEigenvector(U []float64, n int) (v []float64, s1, s2 float64, ok bool) {
	vals, vecs, ok := numeric.EigSym(numeric.SymPart(mat.NewDense(n, n, U)))
	if !ok {
		return nil, math.NaN(), math.NaN(), false
	}
	v = mat.Col(nil, n-1, vecs)
	numeric.FixSign(v)
	s2 = math.NaN()
	if n > 1 {
		s2 = math.Max(math.Abs(vals[n-2]), math.Abs(vals[0]))
	}
	return v, vals[n-1], s2, true
}

// SpectralInit returns the paper's Lemma 14 start x_0 = v_1 + noise·g, g ~ N(0, I), with v_1
// the top eigenvector of U = A*(b) (the authors: x_0 = v_1 + 0.01·randn).
func SpectralInit(rng *rand.Rand, v1 []float64, noise float64) []float64 {
	x := make([]float64, len(v1))
	for i, v := range v1 {
		x[i] = v + noise*rng.NormFloat64()
	}
	return x
}

// RandomUnit fills x with a uniformly random unit vector (a Gaussian draw, normalised; x must
// be non-empty).
func RandomUnit(rng *rand.Rand, x []float64) {
	for {
		s := 0.0
		for i := range x {
			x[i] = rng.NormFloat64()
			s += x[i] * x[i]
		}
		if s > 0 {
			s = math.Sqrt(s)
			for i := range x {
				x[i] /= s
			}
			return
		}
	}
}

// GaussianSensing draws m symmetric measurement matrices A_k = (G + Gᵀ)/(2√m), G with iid
// N(0, 1) entries (for symmetric M, ⟨A_k, M⟩ = ⟨G, M⟩/√m ~ N(0, ‖M‖_F²/m), so
// E‖A(M)‖² = ‖M‖_F²), a planted rank-r M* = ZZᵀ with Gaussian Z scaled so that ‖M*‖_F = 1, and
// b = A(M*).
func GaussianSensing(rng *rand.Rand, n, m, r int) (A []*mat.Dense, b []float64, Z *mat.Dense) {
	Z = mat.NewDense(n, r, nil)
	for i := range n {
		for c := range r {
			Z.Set(i, c, rng.NormFloat64())
		}
	}
	var M mat.Dense
	M.Mul(Z, Z.T())
	Z.Scale(1/math.Sqrt(numeric.FrobNorm(&M)), Z)
	M.Mul(Z, Z.T())
	A = make([]*mat.Dense, m)
	b = make([]float64, m)
	s := 1 / (2 * math.Sqrt(float64(m)))
	for k := range A {
		g := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				g.Set(i, j, rng.NormFloat64())
			}
		}
		a := mat.NewDense(n, n, nil)
		a.Add(g, g.T())
		a.Scale(s, a)
		A[k] = a
		b[k] = mat.Sum(ltElementwise(a, &M))
	}
	return A, b, Z
}

func ltElementwise(a, b mat.Matrix) *mat.Dense {
	var c mat.Dense
	c.MulElem(a, b)
	return &c
}
