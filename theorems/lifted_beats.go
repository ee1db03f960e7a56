package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

const ltBeatsStatement = `Lifted GD succeeds where unlifted GD fails (Ma, Lavaei, Sojoudi, NeurIPS 2023, §6.1 and Fig. 1),
quoted experiment. Perturbed matrix completion (Yalcin et al. 2023; generators.PerturbedCompletion,
as the authors' perturbed_mc.py builds it, 0-based): z_i = 1 for even i, M* = zzᵀ, Ω = diagonal ∪ odd
rows and columns, A_ρ(M)_ij = M_ij on Ω and ρM_ij off Ω, ρ = 0.01 (one measurement per ordered
pair, A_(i,j) = mask_ij(E_ij + E_ji)/2). Every sign pattern of the even coordinates fits Ω exactly
(the spurious local minima). Lifted: order l = 3, h(w) = ¼‖⟨A^{⊗3}, w⊗w⟩ − b^{⊗3}‖² (the authors' ¼),
w_0 = ε·x_0^{⊗3}/n^{3/2}, lr 0.02; unlifted: GD on ½‖A(XXᵀ) − b‖² from X_0 = ε·x_0/√n, lr 0.02 (the
authors' lr 0.04 on their ¼-scaled loss: the same iterates). Both at most 2000 steps, stopping at
loss ≤ 1e-9. CustomGD (App. E, Alg. 1; authors' optimizers.py): GD plus, once ‖∇h‖ < 1e-5 after
step 100 and 100 stalled steps have accumulated, an escape step: tensor-PCA x̂ of w (our
multi-start power method, algorithms.BestRank1), u the eigenvector of λ_min(∇f(x̂x̂ᵀ)),
d = u^{⊗3}, Armijo backtracking from η_0 = 0.1 (β = γ = 0.5). Success: ‖x̂x̂ᵀ − M*‖_F ≤ 0.05 with x̂
the tensor-PCA drop of the final w (sign(λ)|λ|^{1/3}v), resp. the final X.

Start. THEOREMS.md and the paper state Lemma 14's spectral start x_0 = v_1 + 0.01·g (‖x_0‖ ≈ 1).
On this instance U = A*(b) = diag(z) + ρ²(zzᵀ − diag z), whose top eigenvector is exactly z/‖z‖:
the spectral start already has every even coordinate of the same sign, and from it unlifted GD,
plain lifted GD and CustomGD all succeed in every run (measured; reported under "spectral
start"). The paper's unlifted rates (≈ 0.4, 0.05, 0, 0.05 for n = 5, 8, 10, 12) are instead
those of a random direction, which picks one of the 2^{⌈n/2⌉} sign patterns of the even
coordinates and reaches ±z with probability 2^{1−⌈n/2⌉} (0.25, 0.125, 0.0625, 0.031). The
reproduction therefore keeps the stated start's norm and randomises its direction: x_0 uniform
on the unit sphere, paired (the same x_0 for every method and every ε of a run, as the
authors' PRNGKey(trial) pairs them). DEVIATION from the stated protocol, made to reproduce the
paper's numbers; the spectral-start table is reported beside. The norm matters: ε multiplies
‖x_0‖^3 in w_0, and the previous encoding's x_0 ~ N(0, I_n) (‖x_0‖ ≈ √n) shifted the ε panel by
a factor ≈ n^{3/2} ≈ 30 at n = 10 and failed its ε = 1e-5 and 1e-6 cells (0–3 and 4–10 of 20
against the paper's 0.85 and 1.0); the unit-norm start reproduces them (below). (The released
perturbed_mc.py as written passes the spectral w_0 to every trial and calls customGD with
arguments that do not match optimizers.py's signature, so Fig. 1 cannot have come from it
verbatim; its optimizer object also carries the stall counter from trial to trial, which added at
most one success in ten when we tried it with the N(0, I_n) start at n = 10, and is not modelled.)

What drives the lifted success (measured, reported): CustomGD's first escape fires on the
initial plateau, where w ≈ 0 and ∇h stays below 1e-5 until the escape at step 201 (‖∇h(w_0)‖ ≈
ε‖P_even x_0‖³/n^{3/2}, growing by ≈ 1.02 per step: at n = 10 this holds for ε ≲ 1e-5, marginally
at 1e-5, where the draw of x_0 decides), the drop is x̂ ≈ 0 and ∇f(0) = −U, so the step goes
along v_1^{⊗3} = (z/‖z‖)^{⊗3}: a spectral restart at scale η_0. Escapes at the spurious points
themselves do not help on this instance: there the lifted curvature along u^{⊗l} is
2‖c‖^{2l} + α^l − β^l (the escape-curvature identity below) with ‖c‖² = ‖A(sym(x̂uᵀ))‖² ≥ 1 ≫
|α − β| = |λ_min| = O(ρ²) (Thm 2/4's condition (11) needs ‖M* − X̂X̂ᵀ‖_F² ≥
(L_s/α_s)·λ_r(X̂X̂ᵀ)·tr M*, with L_s/α_s = 1/ρ² = 1e4 here, and fails). Consequently plain lifted GD does no better than unlifted GD, CustomGD at
ε = 1e-3 (gradient above the threshold on the plateau) does no better either, and CustomGD at the
EVEN order l = 2 succeeds as often as at l = 3 (reported in metrics as even_order_*): the
experiment does not exercise Thm 2's odd-l mechanism, so the even-order control is placed on the
escape-curvature property below, where odd l is what the bound needs.

Claims (paired runs):
  claim  at ε = 1e-7 (the paper's default), pooled over the profile's n: Wilson 99.9% lower
         bound of CustomGD's success rate ≥ Wilson 99.9% upper bound of unlifted GD's;
  claim  (paper profile) every cell of Fig. 1 as read is consistent with ours: Fisher's exact
         two-sided p-value ≥ 0.001 between our k of 20 runs and the paper's round(10·rate) of its
         10 trials — lifted (CustomGD) and unlifted, n ∈ {5, 8, 10, 12} at ε = 1e-7, and ε ∈ {1e-3,
         …, 1e-7} at n = 10. (A two-sample test, because the paper's rates are 10-trial estimates
         read from a plot: our Wilson interval alone would reject a plotted 1.0 against 19/20.)
Measured (paper profile, seeds 1, 2, 3; 34–40 s each on 2 shared cores): at ε = 1e-7 CustomGD
succeeds in 20 of 20 runs for every n on every seed, against unlifted 6/4/1, 3/2/1, 0/0/1, 0/1/2
for n = 5, 8, 10, 12 (seeds 1/2/3); at n = 10 CustomGD succeeds in 0/1/1, 0/3/1, 17/20/18,
20/20/20, 20/20/20 of 20 for ε = 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, unlifted in 0–1 of 20. All 18
cells are consistent with Fig. 1 on every seed (smallest p = 0.031: n = 5 unlifted, seed 3, 1 of
20 against 0.4). Seeds 4–8 hold as well (41–64 s; ε = 1e-5 at n = 10: 12, 14, 18, 18, 18 of 20;
smallest p = 0.03). Plain lifted GD has unlifted GD's success count in every cell, and in every
cell CustomGD's successes are at most its successes after a plateau escape plus plain lifted GD's
(the random start's sign lottery). Spectral start: every method 10/10 at every n. Even order
l = 2: CustomGD 10/10 at every n on every seed (plain lifted GD 0–4 of 10, like unlifted).
Reference numbers (paper_*, Fig. 1 read from the plot, papers/sam-and-tensor.md B.4): lifted
≈ 1.0, 0.9, 0.9, 0.9 and unlifted ≈ 0.4, 0.05, 0, 0.05 at ε = 1e-7; at n = 10 lifted ≈ 0.3, 0.1,
0.85, 1.0, 0.95 and unlifted 0 for ε = 1e-3 … 1e-7. The tables put ours beside them: CustomGD,
plain lifted GD and unlifted GD, per n and per ε, with Wilson intervals; metrics also carry
the final v-eigenvalue ratio (lifted-tensor/rank-one's definition), the escapes and where they
fired, and the run time.
Profiles: quick/ci n = 5, ε = 1e-7 (1e-3 for the control), 40 paired runs, only the lifted
method the claim uses; paper: n ∈ {5, 8, 10, 12} at ε = 1e-7 and ε ∈ {1e-3, …, 1e-7} at n = 10, 20
paired runs each (CustomGD, plain lifted GD, unlifted GD), plus the spectral-start and l = 2 rows
at ε = 1e-7 with 10 runs (run time in metrics: elapsed_seconds).`

var ltBeatsSteps = append(append([]string(nil), ltEscSteps...),
	"experiment claim: at ε = 1e-7, Wilson lower bound of CustomGD's success rate ≥ Wilson upper bound of unlifted GD's (pooled over n)",
	"experiment claim (paper profile): each Fig. 1 reference rate is consistent with ours (Fisher's exact p ≥ 0.001; lifted and unlifted; per n at ε = 1e-7, per ε at n = 10)",
)

const (
	ltBRho      = 0.01
	ltBLR       = 0.02
	ltBMaxIter  = 2000
	ltBStop     = 1e-9
	ltBSuccess  = 0.05
	ltBNoise    = 0.01
	ltBSalt     = 0x3c6ef372fe94f82b ^ 0x510e527fade682d1
	ltBDefaultE = 1e-7
	// ltBPaperRuns is our runs per Fig. 1 cell under the paper profile (the paper: 10), so
	// that the comparison is limited by the paper's sampling, not ours.
	ltBPaperRuns = 20
	// ltBPaperTrials is the paper's trials per setting: a rate read from the plot is taken
	// as round(10·rate) successes of 10.
	ltBPaperTrials = 10
	// ltBLevel is the level of the two-sided Fisher exact test of a cell.
	ltBLevel = 1e-3
)

// Paper Fig. 1 reference rates (read from the plot).
var (
	ltBPaperN         = []int{5, 8, 10, 12}
	ltBPaperLiftedN   = []float64{1.0, 0.9, 0.9, 0.9}
	ltBPaperUnliftedN = []float64{0.4, 0.05, 0, 0.05}
	ltBPaperEps       = []float64{1e-3, 1e-4, 1e-5, 1e-6, 1e-7}
	ltBPaperLiftedE   = []float64{0.3, 0.1, 0.85, 1.0, 0.95}
	ltBPaperUnliftedE = []float64{0, 0, 0, 0, 0}
)

// ltBMethod is the lifted method the claim is about.
type ltBMethod int

const (
	ltBCustom ltBMethod = iota // CustomGD (GD + escape steps)
	ltBPlain                   // plain lifted GD
)

type ltBConfig struct {
	grad   algorithms.LiftedGradient
	claim  ltBMethod // which lifted method the claim compares with unlifted GD
	claimE float64   // the ε of the first claim
}

// ltBCell is one (n, ε, start, order) setting with its paired runs.
type ltBCell struct {
	n        int
	eps      float64
	spectral bool
	order    int
	runs     []ltBRun
}

type ltBRun struct {
	unlifted, custom, plain bool
	dU, dC, dP              float64
	escapes                 int
	plateauEscape           bool
	ratioCustom, ratioPlain float64
	itersCustom, itersPlain int
	ranCustom, ranPlain     bool
}

// LiftedBeatsUnlifted builds `lifted-tensor/beats-unlifted` on the given lifted gradient
// (algorithms.LiftedGrad is ours).
func LiftedBeatsUnlifted(grad algorithms.LiftedGradient) *Theorem {
	th := &Theorem{
		ID:     "lifted-tensor/beats-unlifted",
		Title:  "Lifted GD succeeds where unlifted GD fails",
		Kind:   Empirical,
		Source: Quoted,
		Paper:  PaperLiftedTensor,
		Hypotheses: []string{
			"perturbed matrix completion, ρ = 0.01, l = 3, small init ε = 1e-7 (the paper's default)",
			"start x_0 uniform on the unit sphere (the stated start's norm, a random direction), shared by the paired runs: the paper's unlifted rates are a random direction's; its stated spectral start makes every method succeed here — reported",
			"CustomGD with the authors' constants (threshold 1e-5, 100 + 100 steps, η_0 = 0.1, Armijo 0.5/0.5)",
			"escape-curvature property: l odd (Thm 2/4), r = 1, any rank-1 lift x^{⊗l}, λ_min(∇f(xxᵀ)) < 0",
		},
		Statement:  ltBeatsStatement + "\n" + ltEscStatement,
		ProofSteps: ltBeatsSteps,
		Tolerance:  DefaultTolerance,
		Property:   ltEscProperty(grad, ltEscTrue),
		Experiment: ltBExperiment(ltBConfig{grad: grad, claim: ltBCustom, claimE: ltBDefaultE}),
		Examples:   []Example{ltEscExampleRun(grad, "sharpness-l3", 3, false)},
	}
	th.Controls = []Control{
		{
			Name:   "even-order",
			Breaks: BreaksHypothesis,
			Description: "the escape-curvature property at the even orders l = 2, 4: (β − G)^l − β^l is ≥ 0 for β ≤ G/2, " +
				"so u^{⊗l} can lose its negative curvature — caught at step 3 (the sharpness example at l = 2 has curvature 0 " +
				"against the bound −2)",
			Examples: []Example{ltEscExampleRun(grad, "sharpness-l2", 2, false)},
			Property: ltEscProperty(grad, ltEscEvenOrders),
		},
		{
			Name:   "constant-2G^l",
			Breaks: BreaksConstant,
			Description: "the odd-l bound strengthened from −2(G/2)^l to −2G^l (the notes' transcription of the key inequality): " +
				"the sharpness example attains −2(G/2)^l, so the stronger form fails there — caught at step 3",
			Examples: []Example{ltEscExampleRun(grad, "sharpness-l3", 3, true)},
			Property: ltEscProperty(grad, ltEscStrong),
		},
		{
			Name:   "gradient-of-half-norm",
			Breaks: BreaksAlgorithm,
			Description: "the escape-curvature property on the gradient of ½‖⟨A^{⊗l}, w⊗w⟩ − b^{⊗l}‖² (twice ours: the authors' ¼ " +
				"dropped to ½), the slip a reimplementation makes — its curvature is twice the identity's, caught at step 2",
			Property: ltEscProperty(ltGradTimes2(grad), ltEscTrue),
		},
		{
			Name:   "no-escape-steps",
			Breaks: BreaksAlgorithm,
			Description: "plain lifted GD (CustomGD without its escape steps) as the lifted method: it converges to the " +
				"lift of whatever sign pattern the random start picked, like unlifted GD — caught at the first claim",
			Experiment: ltBExperiment(ltBConfig{grad: grad, claim: ltBPlain, claimE: ltBDefaultE}),
		},
		{
			Name:   "large-init-1e-3",
			Breaks: BreaksHypothesis,
			Description: "the first claim at ε = 1e-3: the plateau gradient stays above CustomGD's 1e-5 threshold, no " +
				"escape fires before the iterate commits to a sign pattern, and lifted success falls to the unlifted rate — " +
				"caught at the first claim",
			Experiment: ltBExperiment(ltBConfig{grad: grad, claim: ltBCustom, claimE: 1e-3}),
		},
	}
	return th
}

func init() { Register(LiftedBeatsUnlifted(algorithms.LiftedGrad)) }

func ltBExperiment(cfg ltBConfig) Experiment {
	return func(ec ExperimentConfig) Evidence {
		paper := ec.Profile == "paper"
		start := time.Now()
		var cells []*ltBCell
		add := func(n int, eps float64, spectral bool, order, runs int) *ltBCell {
			for _, c := range cells {
				if c.n == n && c.eps == eps && c.spectral == spectral && c.order == order {
					return c
				}
			}
			c := &ltBCell{n: n, eps: eps, spectral: spectral, order: order, runs: make([]ltBRun, runs)}
			cells = append(cells, c)
			return c
		}
		var claimCells []*ltBCell
		if paper {
			for _, n := range ltBPaperN {
				claimCells = append(claimCells, add(n, cfg.claimE, false, 3, ltBPaperRuns))
			}
			for _, e := range ltBPaperEps {
				add(10, e, false, 3, ltBPaperRuns)
			}
			for _, n := range ltBPaperN {
				add(n, ltBDefaultE, true, 3, 10)
				add(n, ltBDefaultE, false, 2, 10)
			}
		} else {
			claimCells = append(claimCells, add(5, cfg.claimE, false, 3, 40))
		}
		type job struct {
			cell *ltBCell
			run  int
		}
		var jobs []job
		for _, c := range cells {
			for r := range c.runs {
				jobs = append(jobs, job{c, r})
			}
		}
		// Largest problems first: better load balance.
		for i := 1; i < len(jobs); i++ {
			for j := i; j > 0 && jobs[j].cell.n > jobs[j-1].cell.n; j-- {
				jobs[j], jobs[j-1] = jobs[j-1], jobs[j]
			}
		}
		parallelFor(len(jobs), func(i int) {
			j := jobs[i]
			// Paired runs: the same x_0 stream for every cell with the same n and run index.
			rng := cnRNG(ec.Seed, ltBSalt^uint64(j.cell.n)<<8, j.run)
			j.cell.runs[j.run] = ltBTrial(cfg, j.cell, rng, paper)
		})
		ev := Evidence{Metrics: map[string]float64{}}
		mt := ev.Metrics
		// Claim 1: pooled over the claim cells.
		kL, kU, nn := 0, 0, 0
		for _, c := range claimCells {
			for _, r := range c.runs {
				nn++
				if r.unlifted {
					kU++
				}
				if (cfg.claim == ltBCustom && r.custom) || (cfg.claim == ltBPlain && r.plain) {
					kL++
				}
			}
		}
		loL, _ := cnWilson(kL, nn)
		_, hiU := cnWilson(kU, nn)
		mt["claim_lifted_successes"], mt["claim_unlifted_successes"], mt["claim_runs"] = float64(kL), float64(kU), float64(nn)
		mt["claim_lifted_wilson_lo"], mt["claim_unlifted_wilson_hi"] = loL, hiU
		mt["claim_eps"] = cfg.claimE
		mt["claim_method_is_custom"] = cnBool(cfg.claim == ltBCustom)
		ev.Add(Le(ClaimStep, 0, hiU, loL))
		for _, c := range cells {
			ltBCellMetrics(mt, c)
			// Memory of the lifted state: symmetric storage against the dense n^l tensor.
			sh := algorithms.SymShapeOf(c.n, c.order)
			mt[fmt.Sprintf("state_entries_symmetric_n%d_l%d", c.n, c.order)] = float64(sh.Len())
			mt[fmt.Sprintf("state_entries_dense_n%d_l%d", c.n, c.order)] = float64(sh.DenseLen())
		}
		if paper {
			ltBPaperClaims(&ev, cells)
		}
		ev.Tables = ltBTables(cells, paper)
		mt["elapsed_seconds"] = time.Since(start).Seconds()
		mt["profile_is_paper"] = cnBool(paper)
		mt["rho"], mt["lr"], mt["max_iter"], mt["success_threshold"] = ltBRho, ltBLR, ltBMaxIter, ltBSuccess
		for i, n := range ltBPaperN {
			mt[fmt.Sprintf("paper_lifted_n%d_eps1e-07", n)] = ltBPaperLiftedN[i]
			mt[fmt.Sprintf("paper_unlifted_n%d_eps1e-07", n)] = ltBPaperUnliftedN[i]
		}
		for i, e := range ltBPaperEps {
			mt[fmt.Sprintf("paper_lifted_n10_eps%.0e", e)] = ltBPaperLiftedE[i]
			mt[fmt.Sprintf("paper_unlifted_n10_eps%.0e", e)] = ltBPaperUnliftedE[i]
		}
		method := "CustomGD"
		if cfg.claim == ltBPlain {
			method = "plain lifted GD"
		}
		ev.Instance = fmt.Sprintf("perturbed completion ρ = %g, l = 3, random unit-norm start, profile %s, seed %d; claim 0: Wilson lower(%s) ≥ Wilson upper(unlifted) at ε = %g pooled over n ∈ %v: %d vs %d of %d runs",
			ltBRho, ltProfile(ec.Profile), ec.Seed, method, cfg.claimE, ltBCellNs(claimCells), kL, kU, nn)
		return ev
	}
}

func ltBCellNs(cs []*ltBCell) []int {
	var out []int
	for _, c := range cs {
		out = append(out, c.n)
	}
	return out
}

// ltBTrial runs the paired methods of one run of a cell.
// Outside the paper profile only the lifted method the claim uses is run (the test budget).
func ltBTrial(cfg ltBConfig, c *ltBCell, rng *rand.Rand, all bool) ltBRun {
	inst := generators.NewPerturbedCompletion(c.n, ltBRho)
	p, err := algorithms.NewLiftedCompletion(inst.Mask, inst.Target, 1, c.order)
	if err != nil {
		panic(err)
	}
	// A random direction with the stated start's norm (‖v_1 + 0.01·g‖ ≈ 1): see the statement.
	x0 := make([]float64, c.n)
	generators.RandomUnit(rng, x0)
	if c.spectral {
		_, U := p.Weights()
		v1, _, _, ok := generators.TopEigenvector(U, c.n)
		if !ok {
			panic("lifted-tensor/beats-unlifted: eigenvectors of U failed")
		}
		x0 = generators.SpectralInit(rng, v1, ltBNoise)
	}
	var r ltBRun
	// Unlifted GD from the same x_0 (it does not depend on the lifting order).
	X := mat.NewDense(c.n, 1, nil)
	for i, v := range x0 {
		X.Set(i, 0, c.eps*v/math.Sqrt(float64(c.n)))
	}
	algorithms.UnliftedGD(p.Unlifted(), X, algorithms.UnliftedOptions{LR: ltBLR, MaxIter: ltBMaxIter, StopLoss: ltBStop})
	r.dU = ltRecovery(mat.Col(nil, 0, X), c.n, 1, inst.Target)
	r.unlifted = r.dU <= ltBSuccess
	scale := c.eps / math.Pow(float64(c.n), float64(c.order)/2)
	pca := algorithms.Rank1Options{Starts: 4, Rng: rand.New(rand.NewPCG(3, 4))}
	w := algorithms.NewSymTensor(c.n, c.order)
	r.dC, r.dP, r.ratioCustom, r.ratioPlain = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if all || cfg.claim == ltBCustom {
		ltBRunCustom(cfg, c, p, inst, w, scale, x0, pca, &r)
	}
	if all || cfg.claim == ltBPlain {
		ltBRunPlain(cfg, c, p, inst, w, scale, x0, pca, &r)
	}
	return r
}

func ltBRunCustom(cfg ltBConfig, c *ltBCell, p *algorithms.LiftedCompletion, inst *generators.PerturbedCompletion, w *algorithms.SymTensor, scale float64, x0 []float64, pca algorithms.Rank1Options, r *ltBRun) {
	w.SetOuterPower(scale, x0)
	esc := algorithms.AuthorsEscape()
	esc.Rank1 = algorithms.Rank1Options{Starts: 2, Rng: rand.New(rand.NewPCG(5, 6))}
	run := algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: ltBLR, MaxIter: ltBMaxIter, StopLoss: ltBStop, Gradient: cfg.grad, Escape: esc})
	ve := algorithms.VEigenvalues(w, pca)
	r.dC = ltRecovery(algorithms.ExtractVector(ve.Top, c.order), c.n, 1, inst.Target)
	r.custom = r.dC <= ltBSuccess
	r.escapes = run.Escapes
	r.plateauEscape = len(run.EscapeNorms) > 0 && run.EscapeNorms[0] < 1e-3
	r.ratioCustom = ve.Ratio
	r.itersCustom = run.Iterations
	r.ranCustom = true
}

func ltBRunPlain(cfg ltBConfig, c *ltBCell, p *algorithms.LiftedCompletion, inst *generators.PerturbedCompletion, w *algorithms.SymTensor, scale float64, x0 []float64, pca algorithms.Rank1Options, r *ltBRun) {
	w.SetOuterPower(scale, x0)
	run := algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: ltBLR, MaxIter: ltBMaxIter, StopLoss: ltBStop, Gradient: cfg.grad})
	ve := algorithms.VEigenvalues(w, pca)
	r.dP = ltRecovery(algorithms.ExtractVector(ve.Top, c.order), c.n, 1, inst.Target)
	r.plain = r.dP <= ltBSuccess
	r.ratioPlain = ve.Ratio
	r.itersPlain = run.Iterations
	r.ranPlain = true
}

func ltBTag(c *ltBCell) string {
	tag := fmt.Sprintf("n%d_eps%.0e", c.n, c.eps)
	if c.spectral {
		tag = "spectral_" + tag
	}
	if c.order != 3 {
		tag = fmt.Sprintf("even_order_l%d_", c.order) + tag
	}
	return tag
}

func ltBCounts(c *ltBCell) (kU, kC, kP, plateau, succPlateau int) {
	for _, r := range c.runs {
		if r.unlifted {
			kU++
		}
		if r.custom {
			kC++
			if r.plateauEscape {
				succPlateau++
			}
		}
		if r.plain {
			kP++
		}
		if r.plateauEscape {
			plateau++
		}
	}
	return
}

func ltBCellMetrics(mt map[string]float64, c *ltBCell) {
	tag := ltBTag(c)
	kU, kC, kP, plateau, succPlateau := ltBCounts(c)
	n := len(c.runs)
	mt[tag+"_runs"] = float64(n)
	for _, m := range []struct {
		name string
		k    int
		ran  bool
	}{{"unlifted", kU, true}, {"lifted_custom", kC, c.runs[0].ranCustom}, {"lifted_plain", kP, c.runs[0].ranPlain}} {
		if !m.ran {
			continue
		}
		lo, hi := cnWilson(m.k, n)
		mt[tag+"_"+m.name+"_rate"] = float64(m.k) / float64(n)
		mt[tag+"_"+m.name+"_wilson_lo"], mt[tag+"_"+m.name+"_wilson_hi"] = lo, hi
	}
	mt[tag+"_plateau_escape_runs"] = float64(plateau)
	mt[tag+"_custom_successes_after_plateau_escape"] = float64(succPlateau)
	var esc, rc, rp, ic, ip []float64
	for _, r := range c.runs {
		esc = append(esc, float64(r.escapes))
		rc = append(rc, r.ratioCustom)
		rp = append(rp, r.ratioPlain)
		ic = append(ic, float64(r.itersCustom))
		ip = append(ip, float64(r.itersPlain))
	}
	mt[tag+"_median_escapes"] = ltMedian(esc)
	mt[tag+"_median_final_ratio_custom"] = ltMedian(rc)
	mt[tag+"_median_final_ratio_plain"] = ltMedian(rp)
	mt[tag+"_median_iterations_custom"] = ltMedian(ic)
	mt[tag+"_median_iterations_plain"] = ltMedian(ip)
}

// ltBPaperClaims adds, per Fig. 1 cell and method (CustomGD, unlifted), the claim that our
// rate and the paper's are consistent: Fisher's exact two-sided p-value ≥ 1e-3, with the
// paper's rate read as round(10·rate) successes of its 10 trials.
func ltBPaperClaims(ev *Evidence, cells []*ltBCell) {
	find := func(n int, eps float64) *ltBCell {
		for _, c := range cells {
			if c.n == n && c.eps == eps && !c.spectral && c.order == 3 {
				return c
			}
		}
		return nil
	}
	idx := 1
	check := func(c *ltBCell, paperL, paperU float64) {
		kU, kC, _, _, _ := ltBCounts(c)
		n := len(c.runs)
		pL := ltFisher(kC, n, ltBPaperCount(paperL), ltBPaperTrials)
		pU := ltFisher(kU, n, ltBPaperCount(paperU), ltBPaperTrials)
		ev.Metrics[ltBTag(c)+"_fisher_p_lifted_vs_paper"] = pL
		ev.Metrics[ltBTag(c)+"_fisher_p_unlifted_vs_paper"] = pU
		ev.Add(Le(ClaimStep, idx, ltBLevel, pL), Le(ClaimStep, idx+1, ltBLevel, pU))
		idx += 2
	}
	for i, n := range ltBPaperN {
		if c := find(n, ltBDefaultE); c != nil {
			check(c, ltBPaperLiftedN[i], ltBPaperUnliftedN[i])
		}
	}
	for i, e := range ltBPaperEps {
		if c := find(10, e); c != nil {
			check(c, ltBPaperLiftedE[i], ltBPaperUnliftedE[i])
		}
	}
}

// ltBPaperCount is the paper's success count for a rate read from its plot.
func ltBPaperCount(rate float64) int { return int(math.Round(rate * ltBPaperTrials)) }

// ltBInside reports the Fisher exact p-value of our k of n against the paper's rate (the
// leading number of ref, as round(10·rate) of 10), flagged when below the level.
func ltBInside(k, n int, ref string) string {
	var v float64
	if _, err := fmt.Sscan(ref, &v); err != nil {
		return "—"
	}
	p := ltFisher(k, n, ltBPaperCount(v), ltBPaperTrials)
	if p < ltBLevel {
		return fmt.Sprintf("NO (p = %.1g)", p)
	}
	return fmt.Sprintf("yes (p = %.2g)", p)
}

// ltBTables builds the success-rate tables: ours beside the paper's.
func ltBTables(cells []*ltBCell, paper bool) []Table {
	header := []string{"n", "ε", "CustomGD (ours)", "paper lifted", "plain lifted GD (ours)", "unlifted GD (ours)", "paper unlifted", "consistent with paper: lifted / unlifted (Fisher p ≥ 0.001)", "plateau escapes", "median final λ2/λ1 (CustomGD)"}
	row := func(c *ltBCell, pl, pu string) []string {
		kU, kC, kP, plateau, _ := ltBCounts(c)
		n := len(c.runs)
		inside := "—"
		if pl != "—" {
			inside = ltBInside(kC, n, pl) + " / " + ltBInside(kU, n, pu)
		}
		var rc []float64
		for _, r := range c.runs {
			rc = append(rc, r.ratioCustom)
		}
		custom, plain := ltRate(kC, n), ltRate(kP, n)
		if !c.runs[0].ranCustom {
			custom = "not run (profile)"
		}
		if !c.runs[0].ranPlain {
			plain = "not run (profile)"
		}
		return []string{fmt.Sprint(c.n), fmt.Sprintf("%.0e", c.eps), custom, pl, plain, ltRate(kU, n), pu, inside,
			fmt.Sprintf("%d/%d", plateau, n), ltFmt(ltMedian(rc))}
	}
	paperOf := func(c *ltBCell) (string, string) {
		if c.spectral || c.order != 3 {
			return "—", "—"
		}
		if c.eps == ltBDefaultE {
			for i, n := range ltBPaperN {
				if n == c.n {
					pl := fmt.Sprint(ltBPaperLiftedN[i])
					if n == 10 {
						pl += " (ε-panel: 0.95)"
					}
					return pl, fmt.Sprint(ltBPaperUnliftedN[i])
				}
			}
		}
		if c.n == 10 {
			for i, e := range ltBPaperEps {
				if e == c.eps {
					return fmt.Sprint(ltBPaperLiftedE[i]), fmt.Sprint(ltBPaperUnliftedE[i])
				}
			}
		}
		return "—", "—"
	}
	var byN, byE, other Table
	byN = Table{Title: "success rate vs n at ε = 1e-7, random unit-norm start (paper Fig. 1 left; ours with Wilson 99.9% intervals)", Header: header}
	byE = Table{Title: "success rate vs ε at n = 10, random unit-norm start (paper Fig. 1 right)", Header: header}
	other = Table{Title: "contrasts at ε = 1e-7: the paper's stated spectral start, and CustomGD at the even order l = 2 (its columns are l = 2 runs)", Header: append([]string{"start / order"}, header...)}
	var eCells []*ltBCell
	for _, c := range cells {
		pl, pu := paperOf(c)
		switch {
		case c.spectral:
			other.Rows = append(other.Rows, append([]string{"spectral v_1 + 0.01·g, l = 3"}, row(c, pl, pu)...))
		case c.order != 3:
			other.Rows = append(other.Rows, append([]string{fmt.Sprintf("random, l = %d", c.order)}, row(c, pl, pu)...))
		default:
			if c.eps == ltBDefaultE {
				byN.Rows = append(byN.Rows, row(c, pl, pu))
			}
			if c.n == 10 || !paper {
				if paper || c.eps != ltBDefaultE {
					eCells = append(eCells, c)
				}
			}
		}
	}
	// The ε panel from the largest ε down, as in the paper's figure.
	sort.SliceStable(eCells, func(i, j int) bool { return eCells[i].eps > eCells[j].eps })
	for _, c := range eCells {
		pl, pu := paperOf(c)
		byE.Rows = append(byE.Rows, row(c, pl, pu))
	}
	out := []Table{byN}
	if len(byE.Rows) > 0 {
		out = append(out, byE)
	}
	if len(other.Rows) > 0 {
		out = append(out, other)
	}
	return out
}
