package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const cimStatement = `Two-layer factorisation W = ABᵀ (A ∈ R^{m×h}, B ∈ R^{n×h}; in DeepMF terms W = W_2W_1 with
W_2 = A, W_1 = Bᵀ) trained by gradient descent on a loss ℓ(W) with gradient E = ∇ℓ(W) (for
completion the residual matrix, zero off Ω). The gradients are ∂ℓ/∂A = EB and ∂ℓ/∂B = EᵀA, so
one step acts on the stacked factors Z = [A; B] ((m+n)×h) from the left:

    [A⁺; B⁺] = (I − ηK)[A; B],   K = [[0, E], [Eᵀ, 0]].

Hence the row space of Z never grows: a start with rank Z_0 ≤ k keeps every row of Z_t in the
row space of Z_0, and rank Z_t ≤ k for all t — the sets {rank [A; B] ≤ k} are invariant, the
hierarchy of invariant manifolds of Bai, Zhao, Zhang (2024). Derived here (the paper's text was
not available; its abstract and captions state the hierarchy, and the captions report
rank A = rank Bᵀ = rank W_aug along training). It holds for every η, every loss of W (sensing too)
and every step count.

The start is drawn with rank exactly k < h by construction: Z_0 = U·diag(s)·Rᵀ with U
((m+n)×k) and R (h×k) orthonormal in closed form (two Householder reflections each) and
s_1 ≥ … ≥ s_k > 0, s_k ≥ 1e-3·s_1. Rounding makes the numerical rank of Z_t slightly above k, so
the check is against a derived rounding bound. Per step t:
  step 1  the method's step is the left multiplication: ‖Z_{t+1} − (I − ηK_t)Z_t‖_F = 0, with E_t
          = ∇ℓ(A_tB_tᵀ) from the loss's Grad, judged against ‖Z_t‖ + ‖Z_{t+1}‖ + η(‖E_t‖ + S)(‖A_t‖ + ‖B_t‖)
          (S the magnitude of the terms E is computed from);
  claim   the component outside the initial row space vanishes: ‖Z_t(I − RRᵀ)‖_F = 0, judged
          against the accumulated magnitude c_t + (1 + k)‖Z_t‖_F, where c_0 = (1 + k)‖Z_0‖_F + √k‖s‖
          and c_{t+1} = (1 + η‖E_t‖₂)·c_t + ‖Z_t‖ + ‖Z_{t+1}‖ + η‖E_t‖(‖A_t‖ + ‖B_t‖). Derived: the
          off-space part obeys Z_{t+1}Q = (I − ηK_t)Z_tQ + δ_tQ with Q = I − RRᵀ, ‖I − ηK_t‖₂ = 1 + η‖E_t‖₂,
          and δ_t the rounding of one step, a few units of rounding times the step's terms (errors
          in E itself do not matter: any left multiplication keeps the row space);
          then the numerical rank: σ_{k+1}(Z_T) = 0 (σ_{k+1}(Z) ≤ ‖ZQ‖_F since Z(I − Q) has rank ≤ k;
          skipped when k = m + n, where rank ≤ k is automatic but the row space claim is not),
          judged against the same magnitude plus max(m+n, h)·σ_1(Z_T) for the SVD — the stated
          threshold on σ_{k+1}/σ_1 is this band divided by σ_1(Z_T), reported as rank_threshold
          (at most 1e-3·√k by the discard rule below; typically about 1e-9).
The band is the tolerance model's (2^-40 + 2^-44·T) times these magnitudes. Metrics report
σ_{k+1}/σ_1 of Z_T and the numerical ranks (minus k) of Z_T, A_T and B_T counting singular values
above the band (each is ≤ k by the bound: A and B are row blocks of Z), and of W_T = A_TB_Tᵀ above
band·(‖A‖ + ‖B‖) + 2^-40‖A‖‖B‖ (W is that close to a rank-k matrix).
Draws: m, n ∈ [1, 5], h ∈ [2, 6], k ∈ [1, min(h − 1, m + n)], s_1 in [1e-4, 10); completion on
a random nonempty Ω with weight 1, 1/|Ω| or drawn (the paper's setting) and sensing; entries
(targets, measurements, the reflections' vectors) either rapid's own or seeded Gaussians; η
relative to the local curvature Λ in the flow, moderate and large regimes; T ∈ [1, 8].
Discarded, with the reason counted: runs whose terms pass 1e100, runs whose rounding bound
exceeds 1e-3·‖Z_T‖_F (the check would say nothing), starts with no curvature scale, and runs
whose terms lie within 2^60 of the underflow floor times η and the growth.
Profiles: quick, ci and paper differ only in the number of random instances (200, 100, 1000).`

var cimSteps = []string{
	"step 1 update: [A⁺; B⁺] = (I − ηK)[A; B] with K = [[0, E], [Eᵀ, 0]], E = ∇ℓ(ABᵀ)",
	"claim: ‖Z_t(I − RRᵀ)‖_F = 0 within the accumulated rounding bound (row space never grows), and σ_{k+1}(Z_T) = 0 within it (numerical rank ≤ k)",
}

// Sizes and the vacuity limit.
const (
	cimMaxDim   = 5 // m, n; h ≤ cimMaxDim + 1
	cimMaxT     = 8
	cimMinDecay = 3 // s_k ≥ 10^-cimMinDecay·s_1
	// cimMaxRelBand: an instance whose rounding band at T exceeds this share of ‖Z_T‖_F is
	// discarded: the check could not see a component of that size.
	cimMaxRelBand = 1e-3
)

const cimDiscardVacuous = "the rounding bound at T exceeds 1e-3·‖Z_T‖_F (growth Π(1 + η‖E_t‖₂) too large): the check would say nothing"

// ConnectivityInvariantManifold builds `connectivity/invariant-manifold` on the given factor
// gradient (algorithms.DeepMFGrad is ours; a user's can stand in), with its explicit examples
// and negative controls.
func ConnectivityInvariantManifold(grad algorithms.DeepMFGradient) *Theorem {
	gd := func() dmfStepper { return dmfGD(grad) }
	th := &Theorem{
		ID:     "connectivity/invariant-manifold",
		Title:  "GD never increases the rank of the stacked factors",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperConnectivity,
		Hypotheses: []string{
			"two-layer W = ABᵀ, any m, n and width h; ℓ(W) differentiable (completion, the paper's setting, or sensing)",
			"plain gradient descent on A and B at once, any constant η > 0 (flow, moderate and large ηΛ)",
			"start Z_0 = [A_0; B_0] of rank exactly k < h (closed-form construction, s_k ≥ 1e-3·s_1)",
		},
		Statement:  cimStatement,
		ProofSteps: cimSteps,
		Tolerance:  DefaultTolerance,
		Property:   cimProperty(gd, false),
		Examples:   cimExamples(gd),
	}
	th.Controls = []Control{
		{
			Name:        "rmsprop",
			Breaks:      BreaksAlgorithm,
			Description: "per-coordinate RMSprop/Adam scaling of the gradient (β = 0.999, ε = 1e-8, bias corrected): a diagonal preconditioner multiplies entries, not rows, and leaves the row space",
			Property:    cimProperty(cimRMSprop(grad), false),
		},
		{
			Name:        "weight-noise",
			Breaks:      BreaksAlgorithm,
			Description: "GD plus Gaussian weight noise of std 1e-6·RMS(Z_0) on every entry at every step (seeded): a full-rank perturbation",
			Property:    cimProperty(cimWeightNoise(grad), false),
		},
		{
			Name:        "rank-k-minus-1",
			Breaks:      BreaksConstant,
			Description: "the claim with rank ≤ k − 1: the row space of the best rank-(k − 1) approximation of Z_0 (its top k − 1 right singular vectors) in place of that of Z_0",
			Property:    cimProperty(gd, true),
		},
	}
	return th
}

func init() { Register(ConnectivityInvariantManifold(algorithms.DeepMFGrad)) }

// cimDraw is a drawn two-layer instance with a rank-k start.
type cimDraw struct {
	loss     algorithms.EndToEndLoss
	lossDesc string
	m, n, h  int
	k        int
	U, R     *mat.Dense // orthonormal frames of Z_0's column and row spaces
	s        []float64  // Z_0's singular values
	Z0       *mat.Dense
	regime   string
	eta      float64
	lambda   float64
	T        int
}

func (d *cimDraw) String() string {
	return fmt.Sprintf("m = %d, n = %d, h = %d, k = %d; %s; Z_0 = U·diag(s)·Rᵀ with s = %.4g, R = %s, Z_0 = %s; T = %d, regime %s, η = %.6g (ηΛ = %.3g)",
		d.m, d.n, d.h, d.k, d.lossDesc, d.s, dmfFmtMat(d.R), dmfFmtMat(d.Z0), d.T, d.regime, d.eta, d.eta*d.lambda)
}

// cimNewDraw builds Z_0 = U·diag(s)·Rᵀ and fills the step scale Λ.
func cimNewDraw(loss algorithms.EndToEndLoss, desc string, U, R *mat.Dense, s []float64) *cimDraw {
	mn, k := U.Dims()
	h, _ := R.Dims()
	rows, cols := loss.Dims()
	if mn != rows+cols || len(s) != k {
		panic("theorems: connectivity draw shapes")
	}
	var US, Z0 mat.Dense
	US.Scale(1, U)
	for j, x := range s {
		col := US.ColView(j).(*mat.VecDense)
		col.ScaleVec(x, col)
	}
	Z0.Mul(&US, R.T())
	d := &cimDraw{loss: loss, lossDesc: desc, m: rows, n: cols, h: h, k: k, U: U, R: R, s: s, Z0: &Z0}
	d.lambda = dmfLocalScale(d.model(), loss)
	return d
}

// model returns the factorisation W = W_2W_1 with W_2 = A, W_1 = Bᵀ read from Z_0.
func (d *cimDraw) model() *algorithms.DeepMF {
	m := algorithms.NewDeepMF(d.m, d.n, d.h)
	m.Layers[1].Copy(d.Z0.Slice(0, d.m, 0, d.h))
	m.Layers[0].Copy(d.Z0.Slice(d.m, d.m+d.n, 0, d.h).T())
	return m
}

// cimStack returns Z = [A; B] = [W_2; W_1ᵀ].
func cimStack(m *algorithms.DeepMF) *mat.Dense {
	A, Bt := m.Layers[1], m.Layers[0]
	rows, h := A.Dims()
	_, cols := Bt.Dims()
	Z := mat.NewDense(rows+cols, h, nil)
	Z.Slice(0, rows, 0, h).(*mat.Dense).Copy(A)
	Z.Slice(rows, rows+cols, 0, h).(*mat.Dense).Copy(Bt.T())
	return Z
}

func cimDrawInstance(t *rapid.T) (*cimDraw, string) {
	m := rapid.IntRange(1, cimMaxDim).Draw(t, "m")
	n := rapid.IntRange(1, cimMaxDim).Draw(t, "n")
	h := rapid.IntRange(2, cimMaxDim+1).Draw(t, "h")
	k := rapid.IntRange(1, min(h-1, m+n)).Draw(t, "k")
	ent := dmfDrawEntries(t)
	loss, desc := dmfDrawLoss(t, ent, m, n)
	s := make([]float64, k)
	s[0] = dmfDrawRelative(t, "s_1", dmfMinLogScale, dmfMaxLogScale)
	decay := rapid.SliceOfN(rapid.Float64Range(0, cimMinDecay), k-1, k-1).Draw(t, "log10_s_1_over_s_i")
	for i := 1; i < k; i++ {
		s[i] = s[0] * math.Pow(10, -decay[i-1])
	}
	// Sort descending so s is Z_0's singular spectrum as printed.
	for i := 1; i < k; i++ {
		for j := i; j > 0 && s[j] > s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	U := dmfDrawFrame(t, ent, "U", m+n, k)
	R := dmfDrawFrame(t, ent, "R", h, k)
	d := cimNewDraw(loss, ent.kind+" entries; "+desc, U, R, s)
	if !dmfScaleOK(d.lambda) {
		return nil, dmfDiscardScale
	}
	d.eta, d.regime = dmfDrawStep(t, d.lambda)
	d.T = rapid.IntRange(1, cimMaxT).Draw(t, "T")
	return d, ""
}

// cimProperty checks a method (a fresh stepper per trajectory, for stateful ones); dropRank
// checks the claim against the best rank-(k − 1) row space instead (a control).
func cimProperty(method func() dmfStepper, dropRank bool) Property {
	return func(t *rapid.T) Evidence {
		d, reason := cimDrawInstance(t)
		if d == nil {
			return Discarded(reason)
		}
		return cimEvidence(method(), d, dropRank)
	}
}

// cimExamples: Bai et al.'s 4×4 two-block pattern and Razin–Cohen's 2×2 instance, each from a
// rank-1 start in width h > 1.
func cimExamples(method func() dmfStepper) []Example {
	return []Example{
		{
			Name:        "two-block-4x4",
			Description: "4×4 completion of two fully observed rank-1 2×2 blocks (Bai et al.'s disconnected pattern; ½·SSE), width h = 4, rank-1 start of scale 1e-3, η = 0.02, 50 steps",
			Run: func() Evidence {
				M := mat.NewDense(4, 4, []float64{1, 2, 0, 0, 2, 4, 0, 0, 0, 0, 1, -1, 0, 0, -1, 1})
				I, J := generators.BlockEntries([][]int{{0, 1}, {2, 3}}, [][]int{{0, 1}, {2, 3}})
				loss := lrbdMust(algorithms.CompletionFrom(M, I, J, 1))
				rng := rand.New(rand.NewPCG(7, 8))
				U := cimUnitColumn(rng, 8)
				R := cimUnitColumn(rng, 4)
				d := cimNewDraw(loss, "two-block 4×4", U, R, []float64{1e-3})
				d.eta, d.T, d.regime = 0.02, 50, "example"
				return cimEvidence(method(), d, false)
			},
		},
		{
			Name:        "razin-cohen-2x2",
			Description: "Razin–Cohen 2×2 completion (W_12 = W_21 = 1, W_22 = 0; ½·SSE), width h = 2, rank-1 start of scale 8e-3, η = 3e-3, 50 steps",
			Run: func() Evidence {
				loss := lrbdMust(algorithms.NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1))
				rng := rand.New(rand.NewPCG(9, 10))
				d := cimNewDraw(loss, "Razin–Cohen 2×2", cimUnitColumn(rng, 4), cimUnitColumn(rng, 2), []float64{8e-3})
				d.eta, d.T, d.regime = 3e-3, 50, "example"
				return cimEvidence(method(), d, false)
			},
		},
	}
}

// cimUnitColumn returns a random n×1 unit vector.
func cimUnitColumn(rng *rand.Rand, n int) *mat.Dense {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	numeric.ScaleTo(v, 1/numeric.Norm2(v), v)
	return mat.NewDense(n, 1, v)
}

// cimOffSpace returns ‖Z(I − QQᵀ)‖_F for Q with orthonormal columns (Q nil: ‖Z‖_F).
func cimOffSpace(Z, Q *mat.Dense) float64 {
	if Q == nil {
		return numeric.FrobNorm(Z)
	}
	var ZQ, P mat.Dense
	ZQ.Mul(Z, Q)
	P.Mul(&ZQ, Q.T())
	P.Sub(Z, &P)
	return numeric.FrobNorm(&P)
}

// cimEvidence runs the method d.T steps and checks the update and the off-space component at
// every t, then the numerical rank of Z_T. dropRank checks against the row space of the best
// rank-(k − 1) approximation of Z_0 instead of R's (a control).
func cimEvidence(step dmfStepper, d *cimDraw, dropRank bool) Evidence {
	model := d.model()
	w := algorithms.NewDeepMFWork(model)
	basis, kb := d.R, d.k
	if dropRank {
		kb = d.k - 1
		basis = nil
		if kb > 0 {
			_, _, V, ok := numeric.SVD(d.Z0)
			if !ok {
				return Discarded(dmfDiscardSVD)
			}
			basis = mat.DenseCopyOf(V.Slice(0, d.h, 0, kb))
		}
	}
	eta, fk := d.eta, float64(kb)
	ev := Evidence{Horizon: d.T, Instance: d.String(), Metrics: map[string]float64{
		"k": float64(d.k), "h": float64(d.h), "T": float64(d.T), "eta_times_lambda": eta * d.lambda,
	}}
	Z := cimStack(model)
	nz := numeric.FrobNorm(Z)
	acc := (1+float64(d.k))*nz + math.Sqrt(float64(d.k))*numeric.Norm2(d.s)
	ev.Add(Eq(ClaimStep, 0, cimOffSpace(Z, basis), 0, acc, (1+fk)*nz).WithSlack(dmfUnderflow))
	growth, offRel := 1.0, 0.0
	for t := 0; t < d.T; t++ {
		A, Bt := mat.DenseCopyOf(model.Layers[1]), mat.DenseCopyOf(model.Layers[0])
		rows, cols := d.m, d.n
		var W mat.Dense
		W.Mul(A, Bt)
		E := mat.NewDense(rows, cols, nil)
		d.loss.Grad(E, &W)
		na, nb, ne := numeric.FrobNorm(A), numeric.FrobNorm(Bt), numeric.FrobNorm(E)
		e2, ok := numeric.SpectralNorm(E)
		if !ok {
			e2 = ne // an upper bound
		}
		sE := dmfGradMag(d.loss, na*nb)
		// (I − ηK)Z = [A − η·E·B; B − η·Eᵀ·A].
		var EB, EtA mat.Dense
		EB.Mul(E, Bt.T())
		EB.Scale(eta, &EB)
		EtA.Mul(E.T(), A)
		EtA.Scale(eta, &EtA)
		ref := mat.DenseCopyOf(Z)
		ref.Slice(0, rows, 0, d.h).(*mat.Dense).Sub(A, &EB)
		ref.Slice(rows, rows+cols, 0, d.h).(*mat.Dense).Sub(Bt.T(), &EtA)

		step(model, d.loss, w, eta)
		Zn := cimStack(model)
		nzn := numeric.FrobNorm(Zn)
		if !model.Finite() || dmfHuge(nzn, eta*(ne+sE)*(na+nb), acc) {
			return Discarded(dmfDiscardBlowUp)
		}
		ev.Add(Eq("step 1 update", t, lrbdDist(Zn, ref), 0, nz, nzn, eta*(ne+sE)*(na+nb)).WithSlack(dmfUnderflow * (2 + eta)))
		amp := 1 + eta*e2
		growth *= amp
		acc = amp*acc + nz + nzn + eta*ne*(na+nb)
		Z, nz = Zn, nzn
		off := cimOffSpace(Z, basis)
		ev.Add(Eq(ClaimStep, t+1, off, 0, acc, (1+fk)*nz).WithSlack(dmfUnderflow * growth))
		if nz > 0 {
			offRel = math.Max(offRel, off/nz)
		}
	}
	sZ, ok := numeric.SingularValues(Z)
	if !ok || sZ[0] == 0 {
		return Discarded(dmfDiscardSVD)
	}
	tol := DefaultTolerance
	bandScale := acc + (1+fk)*nz + float64(max(d.m+d.n, d.h))*sZ[0]
	band := (tol.Rel + tol.PerStep*float64(d.T)) * bandScale
	if band > cimMaxRelBand*nz {
		return Discarded(cimDiscardVacuous)
	}
	if kb < len(sZ) {
		ev.Add(Eq(ClaimStep, d.T, sZ[kb], 0, bandScale).WithSlack(dmfUnderflow * growth))
	}
	if underflowDecides(&ev, dmfUnderflowOps, math.Max(1, eta)*growth) != "" {
		return Discarded(dmfDiscardUnderflow)
	}
	// Numerical ranks at the derived thresholds: σ_{k+1} of Z, A and B is at most ‖ZQ‖_F ≤ band
	// (A and B are row blocks of Z); W = ABᵀ is within ‖AQ‖‖B‖ + ‖A‖‖BQ‖ ≤ band·(‖A‖ + ‖B‖) of a
	// rank-k matrix, plus its own product rounding (2^-40·‖A‖‖B‖ covers it).
	A, Bt := model.Layers[1], model.Layers[0]
	na, nb := numeric.FrobNorm(A), numeric.FrobNorm(Bt)
	ev.Metrics["rank_threshold"] = band / sZ[0]
	ev.Metrics["growth"] = growth
	ev.Metrics["off_space_rel"] = offRel
	if d.k < len(sZ) {
		ev.Metrics["sigma_k1_over_sigma_1"] = sZ[d.k] / sZ[0]
	}
	ev.Metrics["numerical_rank_Z_minus_k"] = float64(cimCountAbove(sZ, band) - d.k)
	for _, r := range []struct {
		name string
		M    mat.Matrix
		thr  float64
	}{{"A", A, band}, {"B", Bt, band}, {"W", model.Product(), band*(na+nb) + tol.Rel*na*nb}} {
		if s, ok := numeric.SingularValues(r.M); ok {
			ev.Metrics["numerical_rank_"+r.name+"_minus_k"] = float64(cimCountAbove(s, r.thr) - d.k)
		}
	}
	return ev
}

// cimCountAbove counts the singular values above thr.
func cimCountAbove(s []float64, thr float64) int {
	n := 0
	for _, x := range s {
		if x > thr {
			n++
		}
	}
	return n
}

// cimRMSprop is GD with Adam's per-coordinate second-moment scaling (β = 0.999, ε = 1e-8,
// bias corrected): each entry moves by η·g/(√v̂ + ε). The record is the plain gradient.
func cimRMSprop(grad algorithms.DeepMFGradient) func() dmfStepper {
	const beta, eps = 0.999, 1e-8
	return func() dmfStepper {
		var v [][]float64
		decay := 1.0
		return func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork, eta float64) {
			grad(m, loss, w)
			if v == nil {
				v = make([][]float64, m.Depth())
				for j, g := range w.Grads {
					v[j] = make([]float64, len(g.RawMatrix().Data))
				}
			}
			decay *= beta
			for j, l := range m.Layers {
				g, x := w.Grads[j].RawMatrix().Data, l.RawMatrix().Data
				for i, gi := range g {
					v[j][i] = beta*v[j][i] + (1-beta)*gi*gi
					x[i] -= eta * gi / (math.Sqrt(v[j][i]/(1-decay)) + eps)
				}
			}
		}
	}
}

// cimWeightNoise is GD followed by Gaussian noise of std 1e-6·RMS(Z_0) on every entry, from a
// fixed seed per trajectory.
func cimWeightNoise(grad algorithms.DeepMFGradient) func() dmfStepper {
	return func() dmfStepper {
		rng := rand.New(rand.NewPCG(11, 12))
		std := -1.0
		return func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork, eta float64) {
			if std < 0 {
				var n2, count float64
				for _, l := range m.Layers {
					n2 += numeric.FrobNorm2(l)
					count += float64(len(l.RawMatrix().Data))
				}
				std = 1e-6 * math.Sqrt(n2/count)
			}
			grad(m, loss, w)
			w.Apply(m, eta)
			for _, l := range m.Layers {
				x := l.RawMatrix().Data
				for i := range x {
					x[i] += std * rng.NormFloat64()
				}
			}
		}
	}
}
