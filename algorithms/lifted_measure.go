package algorithms

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Rank-1 structure of symmetric tensors (THEOREMS.md §6, Ma–Lavaei–Sojoudi Def. 9, Prop. 1):
//
//	‖w‖_S = λ_1^v(w) = max_{‖v‖=1} |⟨w, v^{⊗l}⟩|   (the spectral norm; paper: "λ_1^v = ‖·‖_S"),
//	λ_2^v(w) = max_{‖a‖=1, a ⊥ v_s} |⟨w, a^{⊗l}⟩|   (v_s the maximiser of λ_1^v),
//
// the second is the DERIVED reading of Def. 9 used here (see the theorem statement): the
// paper's literal formula is a minimum over a whole subspace, which is 0 for any 2-dimensional
// span, and its Lemma 2 proof (a minimum over unit v in a 2-plane of R^n) is 0 for odd l by
// v ↦ −v; Prop. 1's proof reads λ_2^v as the spectral norm of w off its dominant direction,
// which is what is computed. The best rank-1 approximation of a symmetric w is λ v^{⊗l} with
// |λ| = ‖w‖_S, so the distance to the nearest symmetric rank-1 tensor is √(‖w‖_F² − ‖w‖_S²).

// Rank1Options tunes BestRank1.
type Rank1Options struct {
	// Starts is the number of random starts added to the deterministic ones (the top two
	// left singular vectors of the mode-1 unfolding).
	Starts int
	// MaxIter bounds the power iterations per start (default 1000).
	MaxIter int
	// Rng draws the random starts (nil: a fixed stream).
	Rng *rand.Rand
}

// Rank1Approx is a symmetric rank-1 approximation λ·v^{⊗l} of w with its certificates.
type Rank1Approx struct {
	Lambda float64   // ⟨w, v^{⊗l}⟩: |Lambda| is a lower bound on ‖w‖_S (achieved by v)
	V      []float64 // unit vector
	// Upper is a certified upper bound on ‖w‖_S: σ_max of the mode-1 unfolding (n × n^{l−1}),
	// since |⟨w, v^{⊗l}⟩| = |vᵀ W_(1) v^{⊗(l−1)}| ≤ σ_max(W_(1)) for unit v, plus rounding.
	Upper float64
	// Norm is ‖w‖_F; Residual is ‖w − λv^{⊗l}‖_F = √(‖w‖_F² − λ²), computed entrywise: an upper
	// bound on the distance to the nearest symmetric rank-1 tensor.
	Norm, Residual float64
	// ResidualLower is √(max(0, ‖w‖_F² − Upper²)): a lower bound on that distance.
	ResidualLower float64
}

// BestRank1 computes a best symmetric rank-1 approximation of w by the shifted symmetric
// higher-order power method (Kolda & Mayo 2011) from the top two left singular vectors of
// the mode-1 unfolding and opts.Starts random unit vectors, keeping the largest |⟨w, v^{⊗l}⟩|.
// Each step tries the unshifted update v ← w·v^{l−1}/‖·‖ and falls back to the shift
// α = (l−1)·‖w‖_F (which makes the iteration monotone) when the unshifted one does not
// increase the objective.
func BestRank1(w *SymTensor, opts Rank1Options) Rank1Approx {
	d, l := w.Dim(), w.Order()
	out := Rank1Approx{Norm: w.Norm(), V: make([]float64, d)}
	unf := ltUnfolding(w)
	if up, ok := numeric.CertifiedGramMaxEig(unf); ok {
		out.Upper = math.Sqrt(up) * (1 + 4*numeric.Eps)
	} else {
		out.Upper = math.NaN()
	}
	if out.Norm == 0 || math.IsNaN(out.Norm) || math.IsInf(out.Norm, 0) {
		out.V[0] = 1
		out.Lambda = w.Contract(out.V)
		out.Residual = out.Norm
		out.ResidualLower = out.Norm
		return out
	}
	var starts [][]float64
	var g mat.SymDense
	g.SymOuterK(1, unf)
	if _, vecs, ok := numeric.EigSym(&g); ok {
		for c := d - 1; c >= max(0, d-2); c-- {
			starts = append(starts, mat.Col(nil, c, vecs))
		}
	}
	rng := opts.Rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(0x1f83d9ab, 0x5be0cd19))
	}
	for range opts.Starts {
		v := make([]float64, d)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		starts = append(starts, v)
	}
	maxIter := opts.MaxIter
	if maxIter <= 0 {
		maxIter = 1000
	}
	signs := []float64{1}
	if l%2 == 0 {
		signs = append(signs, -1) // even order: ±v give the same value; maximise both signs
	}
	best := -1.0
	v, nv, tmp := make([]float64, d), make([]float64, d), make([]float64, d)
	alpha := float64(l-1) * out.Norm
	for _, st := range starts {
		for _, sg := range signs {
			copy(v, st)
			if !ltNormalize(v) {
				continue
			}
			f := sg * w.Contract(v)
			if l%2 == 1 && f < 0 {
				for i := range v {
					v[i] = -v[i]
				}
				f = -f
			}
			for range maxIter {
				w.ContractAllButOne(tmp, v)
				fn := math.Inf(-1)
				for i := range nv {
					nv[i] = sg * tmp[i]
				}
				if ltNormalize(nv) {
					fn = sg * w.Contract(nv)
				}
				if !(fn > f) {
					for i := range nv {
						nv[i] = sg*tmp[i] + alpha*v[i]
					}
					if !ltNormalize(nv) {
						break
					}
					fn = sg * w.Contract(nv)
				}
				if !(fn > f) {
					break
				}
				done := fn-f <= 1e-15*out.Norm
				copy(v, nv)
				f = fn
				if done {
					break
				}
			}
			if f > best {
				best = f
				copy(out.V, v)
			}
		}
	}
	out.Lambda = w.Contract(out.V)
	out.Residual = ltResidualNorm(w, out.Lambda, out.V)
	out.ResidualLower = math.Sqrt(math.Max(0, out.Norm*out.Norm-out.Upper*out.Upper))
	return out
}

// ltNormalize scales v to unit norm; false for a zero or non-finite v.
func ltNormalize(v []float64) bool {
	n := numeric.Norm2(v)
	if !(n > 0) || math.IsInf(n, 0) {
		return false
	}
	for i := range v {
		v[i] /= n
	}
	return true
}

// ltUnfolding returns the mode-1 unfolding W_(1) (d × d^{l−1}) of w.
func ltUnfolding(w *SymTensor) *mat.Dense {
	s := w.Shape
	dense := make([]float64, s.DenseLen())
	w.ToDense(dense)
	return mat.NewDense(s.d, s.DenseLen()/s.d, dense)
}

// ltResidualNorm is ‖w − λv^{⊗l}‖_F computed entrywise.
func ltResidualNorm(w *SymTensor, lambda float64, v []float64) float64 {
	s := w.Shape
	var t float64
	for k, x := range w.Data {
		p := lambda
		for _, i := range s.Index(k) {
			p *= v[i]
		}
		r := x - p
		t += s.mult[k] * r * r
	}
	return math.Sqrt(t)
}

// VEigen is the pair of v-eigenvalues of a symmetric tensor with their certificates.
type VEigen struct {
	Top Rank1Approx // λ_1^v = ‖w‖_S ∈ [|Top.Lambda|, Top.Upper], maximiser Top.V
	// Second is the best rank-1 approximation of w off Top.V (w projected by (I − vvᵀ) along
	// every mode): |Second.Lambda| ≤ λ_2^v ≤ Second.Upper, with λ_2^v taken relative to Top.V.
	Second Rank1Approx
	// Ratio is |Second.Lambda|/|Top.Lambda| (the estimate), RatioUpper is
	// Second.Upper/|Top.Lambda| (certified, relative to Top.V).
	Ratio, RatioUpper float64
}

// VEigenvalues computes λ_1^v and λ_2^v (the derived reading above) of w.
func VEigenvalues(w *SymTensor, opts Rank1Options) VEigen {
	top := BestRank1(w, opts)
	s := w.Shape
	d, l := s.d, s.l
	// P = I − vvᵀ along every mode.
	P := make([]float64, d*d)
	for i := range d {
		for j := range d {
			P[i*d+j] = -top.V[i] * top.V[j]
		}
		P[i*d+i]++
	}
	dense := make([]float64, s.DenseLen())
	w.ToDense(dense)
	a, b := make([]float64, len(dense)), make([]float64, len(dense))
	proj := ltApplyAllModes(dense, d, l, P, a, b)
	wp := &SymTensor{Shape: s, Data: make([]float64, s.Len())}
	wp.FromDense(proj)
	second := BestRank1(wp, opts)
	out := VEigen{Top: top, Second: second}
	t := math.Abs(top.Lambda)
	out.Ratio = math.Abs(second.Lambda) / t
	out.RatioUpper = second.Upper / t
	return out
}

// ExtractVector returns x with x^{⊗l} = λv^{⊗l}: x = sign(λ)|λ|^{1/l}·v for odd l; for even l
// a negative λ has no real l-th root and |λ|^{1/l}·v is returned (its lift has the wrong sign,
// so the recovered matrix is far from a positive semidefinite target). This is the paper's
// tensor-PCA "drop" step.
func ExtractVector(a Rank1Approx, l int) []float64 {
	x := make([]float64, len(a.V))
	m := math.Pow(math.Abs(a.Lambda), 1/float64(l))
	if l%2 == 1 && a.Lambda < 0 {
		m = -m
	}
	for i, v := range a.V {
		x[i] = m * v
	}
	return x
}

// Unvec returns X ∈ R^{n×r} from x = vec(X) (column-stacked: x[i + n·c] = X_ic).
func Unvec(x []float64, n, r int) *mat.Dense {
	X := mat.NewDense(n, r, nil)
	for c := range r {
		for i := range n {
			X.Set(i, c, x[i+n*c])
		}
	}
	return X
}
