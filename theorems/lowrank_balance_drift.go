package theorems

import (
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const lrbdStatement = `Deep matrix factorisation W = W_N⋯W_1 (W_j is d_j×d_{j−1}, any widths) trained on any
differentiable loss ℓ(W). With P_j = W_{j−1}⋯W_1 and S_j = W_N⋯W_{j+1} the factor gradients are
∇_j = ∂ℓ/∂W_j = S_jᵀ∇ℓ(W)P_jᵀ. The layer imbalance D_j := W_{j+1}ᵀW_{j+1} − W_jW_jᵀ (d_j×d_j,
j = 1..N−1) changes under one gradient-descent step on all factors at once,
W_j⁺ = W_j − η∇_j, by exactly

    D_j⁺ − D_j = η²(∇_{j+1}ᵀ∇_{j+1} − ∇_j∇_jᵀ)

for every η, every start and every loss: the first-order terms −η(W_{j+1}ᵀ∇_{j+1} + ∇_{j+1}ᵀW_{j+1})
and +η(∇_jW_jᵀ + W_j∇_jᵀ) cancel, because W_{j+1}ᵀ∇_{j+1} = S_jᵀ∇ℓ(W)P_{j+1}ᵀ = ∇_jW_jᵀ. So
gradient flow conserves every D_j (quoted: Arora et al. 2018; Du, Hu, Lee 2018 — the balancedness
that Arora et al. 2019's Theorem 3 assumes); the discrete identity is derived here from the
definitions. Depth N = 1 has no D_j: there is nothing to check, and the draws take N ∈ [2, 4].

Checked along T-step trajectories of the method (T ≤ 5), at every step t and layer j:
  step 1  the method's ∇_j equals S_jᵀ∇ℓ(W)P_jᵀ computed independently (dense ∇ℓ from the loss's
          Grad, explicit products), judged against g_j = Π_{i≠j}‖W_i‖_F·(‖∇ℓ‖_F + S), S the
          magnitude of the terms ∇ℓ is computed from (residuals or measurements);
  step 2  W_{j+1}ᵀ∇_{j+1} = ∇_jW_jᵀ (the cancellation), judged against ‖W_{j+1}‖g_{j+1} + ‖W_j‖g_j;
  claim   ‖(D_j⁺ − D_j) − η²(∇_{j+1}ᵀ∇_{j+1} − ∇_j∇_jᵀ)‖_F = 0 with the method's W⁺ and the
          independent ∇, judged against ‖W_{j+1}‖² + ‖W_j‖² + ‖W_{j+1}⁺‖² + ‖W_j⁺‖²
          + 2η(‖W_{j+1}‖g_{j+1} + ‖W_j‖g_j) + η²(g_{j+1}² + g_j²).
Each judged quantity comes from one step of stored iterates, so the band does not grow with T.
Draws: depth N ∈ [2, 4]; rows, cols and hidden widths in [1, 5] drawn independently (uneven,
rectangular factors) or, for a balanced start (D_j = 0), one width ≥ min(rows, cols); losses:
completion on a random nonempty Ω with weight 1, 1/|Ω| or drawn, and sensing with 1–6 random
A_k; entries either rapid's own (zeros, tiny entries, shrinkable) or seeded Gaussians (generic);
per-factor init scale in [1e-4, 10); η = (ηΛ)/Λ with Λ the local curvature at the start and
ηΛ in [1e-6, 1e-3) (flow), [1e-3, 1) (moderate) or [1, 10) (large) — the identity is exact
algebra, so it must hold for all three. Discarded, with the reason counted: runs whose terms
pass 1e100 (blow-ups), starts with no curvature scale (Λ outside [1e-100, 1e100]), and runs
whose terms lie within 2^60 of the underflow floor times η² (rounding is absolute there).
Metric rel_drift is the largest ‖D_j⁺ − D_j‖_F relative to the claim's scale: the identity is
not 0 = 0 (in the flow regime it is tiny, in the large regime a visible share).
Profiles: quick, ci and paper differ only in the number of random instances (200, 100, 1000).`

var lrbdSteps = []string{
	"step 1 gradient, layer j: the method's ∇_j equals S_jᵀ∇ℓ(W)P_jᵀ computed densely from the loss's Grad and explicit products",
	"step 2 first-order terms cancel, layer j: W_{j+1}ᵀ∇_{j+1} = ∇_jW_jᵀ (both are S_jᵀ∇ℓ(W)P_{j+1}ᵀ)",
	"claim: (D_j⁺ − D_j) − η²(∇_{j+1}ᵀ∇_{j+1} − ∇_j∇_jᵀ) = 0 for every layer j = 1..N−1",
}

// Sizes: each check runs T ≤ 5 steps of a depth ≤ 4 factorisation with widths ≤ 5.
const (
	lrbdMaxDepth = 4
	lrbdMaxT     = 5
)

// LowRankBalanceDrift builds `low-rank/balance-drift` on the given factor gradient
// (algorithms.DeepMFGrad is ours; a user's can stand in), with its explicit examples and
// negative controls.
func LowRankBalanceDrift(grad algorithms.DeepMFGradient) *Theorem {
	gd := dmfGD(grad)
	th := &Theorem{
		ID:     "low-rank/balance-drift",
		Title:  "GD drift of layer balance is second order",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperLowRank,
		Hypotheses: []string{
			"depth N ≥ 2 (N = 1 has no D_j); any widths d_0, …, d_N (rectangular factors)",
			"ℓ(W) differentiable: completion (½·Weight·Σ_Ω residual²) or sensing (½·Weight·Σ_k (⟨A_k, W⟩ − y_k)²)",
			"simultaneous gradient descent on all factors with any constant η > 0 (flow, moderate and large ηΛ)",
			"any start: random factors over decades of scale, or balanced (D_j = 0)",
		},
		Statement:  lrbdStatement,
		ProofSteps: lrbdSteps,
		Tolerance:  DefaultTolerance,
		Property:   lrbdProperty(gd, 1),
		Examples:   lrbdExamples(gd, 1),
	}
	th.Controls = []Control{
		{
			Name:        "eta²/2",
			Breaks:      BreaksConstant,
			Description: "the claim with η²/2 in place of η²",
			Property:    lrbdProperty(gd, 0.5),
		},
		{
			Name:        "dropped-factor",
			Breaks:      BreaksAlgorithm,
			Description: "the top layer's gradient drops W_1 from P_N: ∇_N = ∇ℓ(W)·(W_{N−1}⋯W_2·I)ᵀ with I the d_1×d_0 identity (shape-valid for any widths; equal to the true gradient only when W_1 = I)",
			Property:    lrbdProperty(dmfGD(lrbdDroppedFactor(grad)), 1),
		},
		{
			Name:        "gauss-seidel",
			Breaks:      BreaksAlgorithm,
			Description: "layer-by-layer GD: W_j is updated with the gradient at the already-updated W_1⁺, …, W_{j−1}⁺ (the record keeps the gradients at W)",
			Property:    lrbdProperty(lrbdGaussSeidel(grad), 1),
		},
	}
	return th
}

func init() { Register(LowRankBalanceDrift(algorithms.DeepMFGrad)) }

// lrbdExamples are the explicit instances run before random ones: Razin and Cohen's 2×2
// completion at depth 3 with their Gaussian init and step, Bai et al.'s 4×4 two-block
// pattern at depth 2 with a large step, and a depth-4 sensing instance from a balanced start.
func lrbdExamples(step dmfStepper, coef float64) []Example {
	return []Example{
		{
			Name:        "razin-cohen-2x2-depth3",
			Description: "Razin–Cohen 2×2 completion (W_12 = W_21 = 1, W_22 = 0 observed; ½·SSE), depth 3, per-layer N(0, 8e-3²) init (seeded), η = 3e-3, 5 steps",
			Run: func() Evidence {
				loss := lrbdMust(algorithms.NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1))
				m := algorithms.NewDeepMFSquare(2, 3)
				m.GaussianInit(8e-3, rand.New(rand.NewPCG(1, 2)))
				return lrbdEvidence(step, lrbdExampleDraw(loss, "Razin–Cohen 2×2", m, "gaussian", 3e-3, 5), coef)
			},
		},
		{
			Name:        "two-block-4x4-depth2-large-step",
			Description: "4×4 completion of two fully observed rank-1 2×2 blocks (Bai et al.'s disconnected pattern; ½·SSE), depth 2, width 4, N(0, 0.5²) init, η = 0.2, 5 steps",
			Run: func() Evidence {
				M := mat.NewDense(4, 4, []float64{1, 2, 0, 0, 2, 4, 0, 0, 0, 0, 1, -1, 0, 0, -1, 1})
				I, J := generators.BlockEntries([][]int{{0, 1}, {2, 3}}, [][]int{{0, 1}, {2, 3}})
				loss := lrbdMust(algorithms.CompletionFrom(M, I, J, 1))
				m := algorithms.NewDeepMFSquare(4, 2)
				m.GaussianInit(0.5, rand.New(rand.NewPCG(3, 4)))
				return lrbdEvidence(step, lrbdExampleDraw(loss, "two-block 4×4", m, "gaussian", 0.2, 5), coef)
			},
		},
		{
			Name:        "sensing-balanced-depth4",
			Description: "3×4 sensing with 5 Gaussian A_k (seeded), depth 4 balanced start of width 3 (D_j = 0), η = 0.05, 4 steps",
			Run: func() Evidence {
				rng := rand.New(rand.NewPCG(5, 6))
				A := make([]*mat.Dense, 5)
				y := make([]float64, 5)
				for k := range A {
					A[k] = mat.NewDense(3, 4, nil)
					for i := 0; i < 3; i++ {
						for j := 0; j < 4; j++ {
							A[k].Set(i, j, rng.NormFloat64()/math.Sqrt(12))
						}
					}
					y[k] = rng.NormFloat64()
				}
				loss := lrbdMust(algorithms.NewSensing(A, y, 1))
				W0 := mat.NewDense(3, 4, nil)
				for i := 0; i < 3; i++ {
					for j := 0; j < 4; j++ {
						W0.Set(i, j, 0.3*rng.NormFloat64())
					}
				}
				m, ok := algorithms.BalancedDeepMF(W0, 4, 3)
				if !ok {
					return Discarded(dmfDiscardSVD)
				}
				return lrbdEvidence(step, lrbdExampleDraw(loss, "sensing 3×4", m, dmfStartBalanced, 0.05, 4), coef)
			},
		},
	}
}

func lrbdMust[L any](l L, err error) L {
	if err != nil {
		panic("theorems: example loss: " + err.Error())
	}
	return l
}

func lrbdExampleDraw(loss algorithms.EndToEndLoss, desc string, m *algorithms.DeepMF, kind string, eta float64, T int) *dmfDraw {
	lambda := dmfLocalScale(m, loss)
	return &dmfDraw{loss: loss, lossDesc: desc, start: m, startKind: kind, regime: "example", eta: eta, lambda: lambda, T: T}
}

func lrbdProperty(step dmfStepper, coef float64) Property {
	return func(t *rapid.T) Evidence {
		d, reason := dmfDrawRun(t, 2, lrbdMaxDepth, lrbdMaxT)
		if d == nil {
			return Discarded(reason)
		}
		return lrbdEvidence(step, d, coef)
	}
}

// lrbdRef is the independent reference at one iterate: ∇ℓ(W) and every ∇_j = S_jᵀ∇ℓ(W)P_jᵀ
// from explicit products, with the magnitudes their rounding is judged against.
type lrbdRef struct {
	grads []*mat.Dense
	mags  []float64 // g_j = Π_{i≠j}‖W_i‖_F·(‖∇ℓ‖_F + S)
	norms []float64 // ‖W_j‖_F
}

func lrbdReference(m *algorithms.DeepMF, loss algorithms.EndToEndLoss) lrbdRef {
	N := m.Depth()
	rows, cols := m.Dims()
	G := mat.NewDense(rows, cols, nil)
	loss.Grad(G, dmfProduct(cols, m.Layers))
	ns := dmfNorms(m)
	gmag := numeric.FrobNorm(G) + dmfGradMag(loss, dmfProdExcept(ns))
	ref := lrbdRef{grads: make([]*mat.Dense, N), mags: make([]float64, N), norms: ns}
	for j := 0; j < N; j++ {
		P := dmfProduct(cols, m.Layers[:j])
		S := dmfProduct(rows, m.Layers[j+1:])
		var SG, g mat.Dense
		SG.Mul(S.T(), G)
		g.Mul(&SG, P.T())
		ref.grads[j] = &g
		ref.mags[j] = dmfProdExcept(ns, j) * gmag
	}
	return ref
}

// lrbdImbalance returns D_j = W_{j+1}ᵀW_{j+1} − W_jW_jᵀ (0-based j: layers j and j+1).
func lrbdImbalance(m *algorithms.DeepMF, j int) *mat.Dense {
	var a, b mat.Dense
	a.Mul(m.Layers[j+1].T(), m.Layers[j+1])
	b.Mul(m.Layers[j], m.Layers[j].T())
	a.Sub(&a, &b)
	return &a
}

// lrbdSecondOrder returns ∇_{j+1}ᵀ∇_{j+1} − ∇_j∇_jᵀ.
func lrbdSecondOrder(grads []*mat.Dense, j int) *mat.Dense {
	var a, b mat.Dense
	a.Mul(grads[j+1].T(), grads[j+1])
	b.Mul(grads[j], grads[j].T())
	a.Sub(&a, &b)
	return &a
}

func lrbdDist(a, b mat.Matrix) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return numeric.FrobNorm(&d)
}

// lrbdEvidence runs the method d.T steps and checks every proof step at every t and layer;
// coef multiplies η² in the claim (1 for the theorem).
func lrbdEvidence(step dmfStepper, d *dmfDraw, coef float64) Evidence {
	m := d.start.Clone()
	N := m.Depth()
	w := algorithms.NewDeepMFWork(m)
	eta := d.eta
	// Horizon 1: every judged quantity is computed from the stored iterates of one step, so
	// rounding does not accumulate along the trajectory.
	ev := Evidence{Horizon: 1, Instance: d.String(), Metrics: map[string]float64{
		"depth": float64(N), "T": float64(d.T), "eta_times_lambda": eta * d.lambda,
		"balanced_start": lrbdIndicator(d.startKind == dmfStartBalanced),
	}}
	var relDrift float64
	for t := 0; t < d.T; t++ {
		prev := m.Clone()
		ref := lrbdReference(prev, d.loss)
		if dmfHuge(ref.norms...) || dmfHuge(ref.mags...) || dmfHuge(eta*numeric.Sum(ref.mags)) {
			return Discarded(dmfDiscardBlowUp)
		}
		step(m, d.loss, w, eta)
		next := dmfNorms(m)
		if !m.Finite() || dmfHuge(next...) {
			return Discarded(dmfDiscardBlowUp)
		}
		uf := dmfUnderflow
		for j := 0; j < N; j++ {
			ev.Add(Eq(lrbdStepName("step 1 gradient", j), t, lrbdDist(w.Grads[j], ref.grads[j]), 0, ref.mags[j]).WithSlack(uf))
		}
		for j := 0; j+1 < N; j++ {
			var up, down mat.Dense
			up.Mul(prev.Layers[j+1].T(), w.Grads[j+1])
			down.Mul(w.Grads[j], prev.Layers[j].T())
			ev.Add(Eq(lrbdStepName("step 2 first-order terms cancel", j), t, lrbdDist(&up, &down), 0,
				ref.norms[j+1]*ref.mags[j+1], ref.norms[j]*ref.mags[j]).WithSlack(2 * uf))
		}
		for j := 0; j+1 < N; j++ {
			dD := lrbdImbalance(m, j)
			dD.Sub(dD, lrbdImbalance(prev, j))
			so := lrbdSecondOrder(ref.grads, j)
			so.Scale(coef*eta*eta, so)
			a, b, ap, bp := ref.norms[j+1], ref.norms[j], next[j+1], next[j]
			ga, gb := ref.mags[j+1], ref.mags[j]
			c := Eq(ClaimStep, t, lrbdDist(dD, so), 0,
				a*a, b*b, ap*ap, bp*bp, 2*eta*(a*ga+b*gb), eta*eta*(ga*ga+gb*gb)).WithSlack(uf * (4 + 4*eta + 2*eta*eta))
			ev.Add(c)
			if c.Scale > 0 {
				relDrift = math.Max(relDrift, numeric.FrobNorm(dD)/c.Scale)
			}
		}
	}
	if underflowDecides(&ev, dmfUnderflowOps, math.Max(1, eta*eta)) != "" {
		return Discarded(dmfDiscardUnderflow)
	}
	ev.Metrics["rel_drift"] = relDrift
	return ev
}

// lrbdStepName appends the 1-based layer to a step's name ("…, layer 2").
func lrbdStepName(step string, j int) string {
	return step + ", layer " + strconv.Itoa(j+1)
}

func lrbdIndicator(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// lrbdDroppedFactor wraps grad so that the top layer's gradient drops W_1 from P_N:
// ∇_N = ∇ℓ(W)·(W_{N−1}⋯W_2·I)ᵀ with I the d_1×d_0 identity (ones on the diagonal), which keeps
// every shape valid. The loss and the other layers are grad's.
func lrbdDroppedFactor(grad algorithms.DeepMFGradient) algorithms.DeepMFGradient {
	return func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork) float64 {
		l := grad(m, loss, w)
		N := m.Depth()
		rows, cols := m.Dims()
		d1, _ := m.Layers[0].Dims()
		eye := mat.NewDense(d1, cols, nil)
		for i := 0; i < min(d1, cols); i++ {
			eye.Set(i, i, 1)
		}
		layers := append([]*mat.Dense{eye}, m.Layers[1:N-1]...)
		P := dmfProduct(cols, layers)
		G := mat.NewDense(rows, cols, nil)
		loss.Grad(G, m.Product())
		w.Grads[N-1].Mul(G, P.T())
		return l
	}
}

// lrbdGaussSeidel is layer-by-layer GD: W_1 ← W_1 − η∇_1(W), then W_j ← W_j − η∇_j at
// (W_1⁺, …, W_{j−1}⁺, W_j, …, W_N). The record keeps the gradients at W, so only the claim
// can see the mutation.
func lrbdGaussSeidel(grad algorithms.DeepMFGradient) dmfStepper {
	return func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork, eta float64) {
		grad(m, loss, w)
		record := make([]*mat.Dense, len(w.Grads))
		for j, g := range w.Grads {
			record[j] = mat.DenseCopyOf(g)
		}
		for j, l := range m.Layers {
			if j > 0 {
				grad(m, loss, w)
			}
			numeric.Axpy(l.RawMatrix().Data, -eta, w.Grads[j].RawMatrix().Data)
		}
		for j, g := range record {
			w.Grads[j].Copy(g)
		}
	}
}
