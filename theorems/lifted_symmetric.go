package theorems

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const ltSymStatement = `Lemma 1 (Ma, Lavaei, Sojoudi, NeurIPS 2023), quoted: a GD trajectory on the lifted problem (5)
started at a symmetric rank-1 w_0 stays symmetric. The lifted objective (r ≥ 1, order l, w a
tensor of order l over R^{nr}, mode index i + n·c as in the authors' vec):

    h(w) = ¼‖⟨A^{⊗l}, M(w)⟩ − b^{⊗l}‖²,  M(w)_{IJ} = Σ_C w_{(I,C)} w_{(J,C)},
    w_{t+1} = w_t − η∇h(w_t),  ∇h(w)_{(I,C)} = Σ_J G_{IJ} w_{(J,C)},  G = Q^{⊗l}(M) − U^{⊗l}.

Why: h(πw) = h(w) for every permutation π of the l modes (applied jointly to I, C), so
∇h(πw) = π∇h(w) and a symmetric w has a symmetric gradient; by induction every iterate is
symmetric. The checked form holds for every symmetric start (rank 1 or not, both drawn).

How it is checked: GD runs on DENSE tensors (d^l entries, d = nr) with the gradient under test,
which assumes no symmetry. a_t = max over orbits {πI} of (max − min) of w_t on the orbit is the
asymmetry (0 exactly when w_t is symmetric). The claim per step is a_t ≤ A_t, where A_0 = 0 and
A_{t+1} = (A_t·(1 + η·R_t) + s_t)(1 + 4u) is a certified rounding envelope:
  R_t = max(3‖w_t‖²_∞, 1)·max_I Σ(|terms| of ∇h(1)_I) bounds the ∞-Lipschitz constant of ∇h on
      the segment between w_t and πw_t (each term of the cubic part is a product of three
      entries, so its derivative is ≤ 3‖w‖²_∞ times its coefficient; the linear part U^{⊗l} adds
      its coefficients), so the exact gradients at w_t and πw_t differ by ≤ R_t·a_t entrywise;
  s_t = 2γ_K·η·Ḡ_t + 4u(‖w_t‖_∞ + η·Ḡ_t), Ḡ_t = max_I Σ|terms of ∇h(w_t)_I| (the objective's
      AbsGradDense), γ_K = K·u/(1 − K·u), u = 2⁻⁵³ and K = r^l + 2^l + 2l·max(m, n²) + (nr)^l + 3l + 16
      a bound on the roundings along any path of the contractions: any implementation that
      evaluates each gradient entry as a sum of those terms is covered.
From a symmetric start a_t stays at rounding level (typically 0 or 1e-17 relative).
Instances (rapid): matrix completion with random symmetric masks and targets (the fast
structured gradient's objective, as entry weights) and general sensing with 1–6 random
symmetric A_k; n ≤ 4, r ∈ {1, 2}, l ∈ {1, …, 4}, (nr)^l ≤ 216, T ≤ 12 steps, η = c/R_0 with
c ∈ [0.01, 0.5]; starts ε·x^{⊗l} (Lemma 1's form) or a general symmetric tensor. A
diverging run is discarded (counted). Example: the paper's perturbed completion (n = 4, ρ = 0.01,
l = 3) from the spectral start.
Source: QUOTED (Lemma 1); the rounding envelope is derived here.`

var ltSymSteps = []string{
	"claim: a_t ≤ A_t for t = 0, …, T (the asymmetry of the dense iterate within its certified rounding envelope from A_0 = 0)",
}

// ltSymDraw is one instance of lifted-tensor/symmetric.
type ltSymDraw struct {
	obj   algorithms.LiftedObjective
	kind  string
	w0    []float64
	eta   float64
	steps int
	desc  string
}

// ltAbsGrader is implemented by our objectives: per-entry magnitudes of the gradient terms.
type ltAbsGrader interface {
	AbsGradDense(g, w []float64)
}

// LiftedSymmetric builds `lifted-tensor/symmetric` on the given dense lifted gradient
// (algorithms.LiftedGradDense is ours).
func LiftedSymmetric(grad algorithms.LiftedDenseGradient) *Theorem {
	th := &Theorem{
		ID:     "lifted-tensor/symmetric",
		Title:  "A symmetric start stays symmetric (Lemma 1)",
		Kind:   Exact,
		Source: Quoted,
		Paper:  PaperLiftedTensor,
		Hypotheses: []string{
			"w_0 symmetric under every permutation of its l modes (rank 1 ε·x^{⊗l} as in Lemma 1, or any symmetric tensor)",
			"plain GD with a constant step on h(w) = ¼‖⟨A^{⊗l}, M(w)⟩ − b^{⊗l}‖², symmetric measurement matrices (completion entries or general sensing)",
			"the gradient evaluates each entry as a sum of the objective's terms (rounding envelope with K roundings per path)",
		},
		Statement:  ltSymStatement,
		ProofSteps: ltSymSteps,
		Tolerance:  DefaultTolerance,
		Property:   ltSymProperty(grad, ltSymStart),
		Examples: []Example{{
			Name:        "perturbed-completion-n4-l3",
			Description: "the paper's perturbed completion (n = 4, ρ = 0.01), l = 3, w_0 = 1e-3·x_0^{⊗3} from the spectral start x_0 = v_1 + 0.01·g, η = 0.02, 10 steps",
			Run: func() Evidence {
				inst := generators.NewPerturbedCompletion(4, 0.01)
				p, err := algorithms.NewLiftedCompletion(inst.Mask, inst.Target, 1, 3)
				if err != nil {
					panic(err)
				}
				_, U := p.Weights()
				v1, _, _, ok := generators.TopEigenvector(U, 4)
				if !ok {
					panic("lifted-tensor/symmetric: eigenvectors of U failed")
				}
				x0 := generators.SpectralInit(cnRNG(1, ltSalt, 0), v1, 0.01)
				w := algorithms.NewSymTensor(4, 3)
				w.SetOuterPower(1e-3, x0)
				dense := make([]float64, w.Shape.DenseLen())
				w.ToDense(dense)
				return ltSymEvidence(grad, &ltSymDraw{obj: p, kind: "perturbed completion", w0: dense, eta: 0.02, steps: 10,
					desc: "perturbed completion n = 4, ρ = 0.01, l = 3, ε = 1e-3, spectral start, η = 0.02"})
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:   "non-symmetric-start",
			Breaks: BreaksHypothesis,
			Description: "w_0 = a symmetric start plus 1e-3·‖w_0‖_∞ times a random non-symmetric tensor: the hypothesis fails, " +
				"the iterates stay non-symmetric (GD has no reason to symmetrise them) — caught at the claim from t = 0",
			Property: ltSymProperty(grad, ltSymNonSymmetricStart),
		},
		{
			Name:   "one-sided-swap",
			Breaks: BreaksAlgorithm,
			Description: "a gradient that symmetrises only the first factor of each lifted measurement (σ ranges over swaps " +
				"of mode 1 only, weights as if all 2^l swaps were taken) — the kind of slip a hand-written contraction makes; " +
				"it is not equivariant under mode permutations, so a symmetric start turns asymmetric at t = 1 — caught at the claim",
			Property: ltSymPropertyOn(ltSymOneSidedSwap, ltSymStart, true),
		},
	}
	return th
}

func init() { Register(LiftedSymmetric(algorithms.LiftedGradDense)) }

const ltSalt = 0x6a09e667f3bcc909

// ltSymStart draws a symmetric start: ε·x^{⊗l} or a general symmetric tensor.
func ltSymStart(t *rapid.T, d, l int) ([]float64, string) {
	s := algorithms.SymShapeOf(d, l)
	w := &algorithms.SymTensor{Shape: s, Data: make([]float64, s.Len())}
	scale := math.Pow(10, rapid.Float64Range(-3, 0).Draw(t, "log10_scale"))
	desc := ""
	if rapid.Bool().Draw(t, "rank_one") {
		x := make([]float64, d)
		for i := range x {
			x[i] = rapid.Float64Range(-1, 1).Draw(t, "x")
		}
		w.SetOuterPower(scale, x)
		desc = fmt.Sprintf("w_0 = %.3g·x^{⊗%d}, x = %.3g", scale, l, x)
	} else {
		for k := range w.Data {
			w.Data[k] = scale * rapid.Float64Range(-1, 1).Draw(t, "w")
		}
		desc = fmt.Sprintf("w_0 general symmetric, entries in ±%.3g", scale)
	}
	dense := make([]float64, s.DenseLen())
	w.ToDense(dense)
	return dense, desc
}

// ltSymNonSymmetricStart is the control's start: symmetric plus a small non-symmetric part.
func ltSymNonSymmetricStart(t *rapid.T, d, l int) ([]float64, string) {
	w, desc := ltSymStart(t, d, l)
	m := numeric.NormInf(w)
	if m == 0 {
		m = 1
	}
	for i := range w {
		w[i] += 1e-3 * m * rapid.Float64Range(-1, 1).Draw(t, "perturbation")
	}
	return w, desc + " + 1e-3·‖w_0‖_∞·(non-symmetric noise)"
}

func ltRandSymMatrix(t *rapid.T, n int, label string) *mat.Dense {
	a := mat.NewDense(n, n, nil)
	for i := range n {
		for j := 0; j <= i; j++ {
			v := rapid.Float64Range(-1, 1).Draw(t, label)
			a.Set(i, j, v)
			a.Set(j, i, v)
		}
	}
	return a
}

func ltSymProperty(grad algorithms.LiftedDenseGradient, start func(*rapid.T, int, int) ([]float64, string)) Property {
	return ltSymPropertyOn(grad, start, false)
}

// ltSymPropertyOn draws instances; rank1Completion restricts them to rank-1 completion with
// n ≥ 2 and l ≥ 2 (where the one-sided-swap mutant is defined and differs from the truth).
func ltSymPropertyOn(grad algorithms.LiftedDenseGradient, start func(*rapid.T, int, int) ([]float64, string), rank1Completion bool) Property {
	return func(t *rapid.T) Evidence {
		lo := 1
		if rank1Completion {
			lo = 2
		}
		n := rapid.IntRange(lo, 4).Draw(t, "n")
		r := 1
		if !rank1Completion {
			r = rapid.IntRange(1, 2).Draw(t, "r")
		}
		l := rapid.IntRange(lo, 4).Draw(t, "l")
		d := n * r
		if math.Pow(float64(d), float64(l)) > 216 || math.Pow(float64(n), float64(2*l)) > 4096 {
			// Too large for the dense reference within the test budget: shrink the order.
			for l > lo && (math.Pow(float64(d), float64(l)) > 216 || math.Pow(float64(n), float64(2*l)) > 4096) {
				l--
			}
		}
		var obj algorithms.LiftedObjective
		kind := "completion"
		if !rank1Completion && rapid.Bool().Draw(t, "sensing") {
			kind = "sensing"
			m := rapid.IntRange(1, 6).Draw(t, "m")
			A := make([]*mat.Dense, m)
			b := make([]float64, m)
			for k := range A {
				A[k] = ltRandSymMatrix(t, n, "A")
				b[k] = rapid.Float64Range(-1, 1).Draw(t, "b")
			}
			p, err := algorithms.NewLiftedSensing(A, b, r, l)
			if err != nil {
				panic(err)
			}
			obj = p
		} else {
			p, err := algorithms.NewLiftedCompletion(ltRandSymMatrix(t, n, "mask"), ltRandSymMatrix(t, n, "target"), r, l)
			if err != nil {
				panic(err)
			}
			obj = p
		}
		w0, sdesc := start(t, d, l)
		R0 := ltSymLipschitz(obj, w0)
		c := rapid.Float64Range(0.01, 0.5).Draw(t, "c")
		steps := rapid.IntRange(1, 12).Draw(t, "T")
		dr := &ltSymDraw{obj: obj, kind: kind, w0: w0, eta: c / R0, steps: steps,
			desc: fmt.Sprintf("%s n = %d, r = %d, l = %d, %s, η = %.3g (= %.3g/R_0), T = %d", kind, n, r, l, sdesc, c/R0, c, steps)}
		return ltSymEvidence(grad, dr)
	}
}

// ltSymLipschitz is R = max(3‖w‖²_∞, 1)·max_I Σ|terms of ∇h(1)_I|.
func ltSymLipschitz(obj algorithms.LiftedObjective, w []float64) float64 {
	ones := make([]float64, len(w))
	for i := range ones {
		ones[i] = 1
	}
	g := make([]float64, len(w))
	obj.(ltAbsGrader).AbsGradDense(g, ones)
	v := numeric.NormInf(w)
	return math.Max(3*v*v, 1) * numeric.NormInf(g)
}

// ltSymRoundings is K of the statement.
func ltSymRoundings(obj algorithms.LiftedObjective) int {
	n, r, l := obj.N(), obj.Rank(), obj.Order()
	m := n * n
	if s, ok := obj.(*algorithms.LiftedSensing); ok {
		m = max(m, s.Measurements())
	}
	return ltPow(r, l) + ltPow(2, l) + 2*l*m + ltPow(n*r, l) + 3*l + 16
}

func ltPow(b, e int) int {
	p := 1
	for range e {
		p *= b
	}
	return p
}

// ltOrbitSpread is a_t: the largest spread (max − min) of w over the orbits of the mode
// permutations, and the largest |w|.
func ltOrbitSpread(s *algorithms.SymShape, w []float64) (spread, maxAbs float64) {
	lo := make([]float64, s.Len())
	hi := make([]float64, s.Len())
	for k := range lo {
		lo[k], hi[k] = math.Inf(1), math.Inf(-1)
	}
	for off, v := range w {
		k := s.EntryOfOffset(off)
		lo[k] = math.Min(lo[k], v)
		hi[k] = math.Max(hi[k], v)
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	for k := range lo {
		spread = math.Max(spread, hi[k]-lo[k])
	}
	return spread, maxAbs
}

func ltSymEvidence(grad algorithms.LiftedDenseGradient, dr *ltSymDraw) Evidence {
	obj := dr.obj
	s := algorithms.SymShapeOf(obj.Dim(), obj.Order())
	w := append([]float64(nil), dr.w0...)
	g := make([]float64, len(w))
	gabs := make([]float64, len(w))
	u := numeric.Eps
	K := float64(ltSymRoundings(obj))
	gammaK := K * u / (1 - K*u)
	ev := Evidence{Horizon: dr.steps, Instance: dr.desc, Metrics: map[string]float64{
		"n": float64(obj.N()), "r": float64(obj.Rank()), "l": float64(obj.Order()), "T": float64(dr.steps),
	}}
	A := 0.0
	var maxRel float64
	for t := 0; ; t++ {
		a, wmax := ltOrbitSpread(s, w)
		if !numeric.VecFinite(w) || wmax > 1e100 {
			return Discarded("the GD run diverged (non-finite or |w| > 1e100)")
		}
		ev.Add(Le(ClaimStep, t, a, A, a, A))
		if wmax > 0 {
			maxRel = math.Max(maxRel, a/wmax)
		}
		if t == dr.steps {
			break
		}
		grad(obj, g, w)
		obj.(ltAbsGrader).AbsGradDense(gabs, w)
		gbar := numeric.NormInf(gabs)
		R := ltSymLipschitz(obj, w)
		st := 2*gammaK*dr.eta*gbar + 4*u*(wmax+dr.eta*gbar)
		A = (A*(1+dr.eta*R) + st) * (1 + 4*u)
		for i := range w {
			w[i] -= dr.eta * g[i]
		}
	}
	ev.Metrics["max_relative_asymmetry"] = maxRel
	ev.Metrics["final_envelope"] = A
	return ev
}

// ltSymOneSidedSwap is the mutated gradient of the one-sided-swap control, for rank-1
// completion objectives: G'_{IJ} = W^{⊗l}_{IJ}·½(M_{IJ} + M_{I¹J¹}) − U^{⊗l}_{IJ} with I¹, J¹ the
// indices with i_1 and j_1 exchanged (the true gradient averages over all 2^l exchanges), then
// g = G'·w. Mode 1 is singled out, so the map is not equivariant.
func ltSymOneSidedSwap(p algorithms.LiftedObjective, g, w []float64) float64 {
	c, ok := p.(*algorithms.LiftedCompletion)
	if !ok || c.Rank() != 1 {
		panic("lifted-tensor/symmetric: the one-sided-swap control runs on rank-1 completion objectives")
	}
	h := c.GradDense(g, w)
	W, U := c.Weights()
	n, l := c.N(), c.Order()
	nl := len(w)
	iq, jq := make([]int, l), make([]int, l)
	for I := range nl {
		ltIndexOf(iq, I, n)
		var acc float64
		for J := range nl {
			ltIndexOf(jq, J, n)
			wt, ut := 1.0, 1.0
			for q := range l {
				wt *= W[iq[q]*n+jq[q]]
				ut *= U[iq[q]*n+jq[q]]
			}
			// I¹, J¹: exchange the first digits.
			p1 := ltPow(n, l-1)
			I1 := I - iq[0]*p1 + jq[0]*p1
			J1 := J - jq[0]*p1 + iq[0]*p1
			acc += (wt*(w[I]*w[J]+w[I1]*w[J1])/2 - ut) * w[J]
		}
		g[I] = acc
	}
	return h
}

// ltIndexOf writes the base-d digits of off into idx (most significant first).
func ltIndexOf(idx []int, off, d int) {
	for q := len(idx) - 1; q >= 0; q-- {
		idx[q] = off % d
		off /= d
	}
}
