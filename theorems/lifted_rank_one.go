package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const ltR1Statement = `Thm 1 (Ma, Lavaei, Sojoudi, NeurIPS 2023), quoted: for GD w_{t+1} = w_t − η∇h(w_t) on the lifted
problem from w_0 = ε·x_0^{⊗l} with ε sufficiently small, the iterates are κ-rank-1,

    λ_2^v(w_t)/λ_1^v(w_t) ≤ κ  for every t ∈ [t(κ, l), t_T],
    t(κ, l) = ⌈ ln(‖x_0‖^l/(κ|v_1ᵀx_0|^l)) / ln((1 + ησ_1^l(U))/(1 + ησ_2^l(U))) ⌉,

with U = A*(b) = Σ_k b_k A_k, σ_1 ≥ σ_2 its top singular values and v_1 the top singular vector
(r = 1 here). Hypotheses used: σ_1(U) is a positive eigenvalue of U with σ_1 > σ_2 (for odd l
the growth rate 1 + ησ_1^l needs it); draws without it are discarded and counted.

The v-eigenvalues, as computed (DERIVED reading of Def. 9). The paper defines
λ_k^v(w) = max_{dim S = k} min_{u ∈ S} |⟨w, u⟩|/‖u‖_F² with S spanned by orthogonal symmetric
rank-1 tensors, and λ_1^v = ‖w‖_S. Read literally the inner minimum over a linear span of
dimension ≥ 2 is 0, and the form its Lemma 2 proof uses (minimum over unit v in a 2-plane of R^n
of |⟨w, v^{⊗l}⟩|) is 0 for every odd l (v and −v give opposite signs). Prop. 1's proof reads
λ_2^v as the spectral norm of w off its dominant direction, which is what is computed:
    λ_1^v(w) = ‖w‖_S = max_{‖v‖=1} |⟨w, v^{⊗l}⟩|,     λ_2^v(w) = max_{‖a‖=1, a ⊥ v_s} |⟨w, a^{⊗l}⟩|,
v_s the maximiser. Computation (algorithms.VEigenvalues): v̂ by the shifted symmetric
higher-order power method (Kolda–Mayo; monotone shift (l−1)‖w‖_F) from the top two left singular
vectors of the mode-1 unfolding W_(1) and 2 random starts; |⟨w, v̂^{⊗l}⟩| is a lower bound on
λ_1^v (achieved), σ_max(W_(1)) a certified upper bound. λ_2^v is taken relative to v̂: w is
projected by I − v̂v̂ᵀ along every mode (any a ⊥ v̂ has ⟨w, a^{⊗l}⟩ = ⟨Pw, a^{⊗l}⟩) and the same
power method gives the estimate, σ_max of the projected unfolding a certified upper bound. The
decision uses the certified ratio upper bound σ_max((Pw)_(1))/|⟨w, v̂^{⊗l}⟩|; the estimate is
reported beside it (they agree to 3 digits in the runs seen). Also reported: the relative
distance to the nearest symmetric rank-1 tensor, ‖w − λv̂^{⊗l}‖_F/‖w‖_F (an upper bound; the
best rank-1 approximation has |λ| = ‖w‖_S so the exact value is √(1 − ‖w‖_S²/‖w‖_F²)).

How it is checked (seeded experiment). Gaussian sensing (generators.GaussianSensing: m symmetric
A_k = (G + Gᵀ)/(2√m), planted rank-1 M* = zzᵀ with ‖M*‖_F = 1, b = A(M*)), l = 3, η = 0.1, κ = 0.1,
two kinds of x_0: Lemma 14's x_0 = v_1 + g, g ~ N(0, ρI), ρ = 1/n, and a generic unit Gaussian
direction (Thm 1 does not need alignment; t(κ, l) grows as |v_1ᵀx_0| shrinks). The horizon is
t_T = 2·t(κ, l) and "ε sufficiently small" is made operational: starting at ε = 1e-6, ε is divided
by 1000 until the run stays in the small-iterate regime on [0, t_T], i.e. ‖w_t − w̃_t‖_F ≤
1e-3·‖w̃_t‖_F with w̃_t = (I + ηU^{⊗l})^t w_0 the linearised iterate of Lemma 12 (E_t small). (The
paper's own t_s of Lemma 13, with η̃ = r_U^l·η and the 8·L_s^{l/2}·n^{l/2}·‖x_0^{⊗l}‖_*³ factor, is
shorter than t(κ, l) on every draw tried, so it cannot serve as the horizon.) The ratio is
evaluated at every step of [t(κ, l), t_T] when the window has ≤ 120 steps, else at 120 evenly
spaced steps including both ends. A run passes when the certified ratio is ≤ κ throughout the
window.
  claim  pass rate over both kinds: Wilson 99.9% lower bound ≥ 0.75.
Draws with t(κ, l) beyond the budget (400 steps; paper 1500) are discarded and counted.
Reported: pass rates per kind, the largest ratio in the window (certified and estimate), the
largest ratio before the window, ε used, t(κ, l); and for the first run of each kind the ratio
along the trajectory to 4·t_T (past t_T the nonlinear phase begins; nothing is claimed there).
Profiles: quick/ci n = 3, m = 8, 28 runs per kind; paper n = 4, m = 10, 60 runs per kind.
Measured: every non-discarded run passes (ci: largest certified ratio in the window 0.06–0.07;
paper profile, seeds 1 and 2: 116 of 116 runs each, largest 0.089 and 0.071 generic, 0.042 and
0.054 Lemma 14, Wilson lower bound 0.92, 42–78 s); before the window the ratio reaches 0.99 (two comparable rank-1 components
early on), which is why Thm 1 needs t ≥ t(κ, l). Large-init control (ε = 1, generic starts):
about half the runs exceed κ in the window (certified ratios up to ≈ 0.9).`

var ltR1Steps = []string{
	"claim: Wilson 99.9% lower bound of the pass rate (certified λ_2^v/λ_1^v ≤ κ on [t(κ, l), 2t(κ, l)]) ≥ 0.75",
}

const (
	ltR1Kappa     = 0.1
	ltR1Eta       = 0.1
	ltR1Order     = 3
	ltR1Threshold = 0.75
	ltR1Linear    = 1e-3
	ltR1Eps0      = 1e-6
	ltR1EpsStep   = 1e-3
	ltR1EpsTries  = 8
	ltR1Samples   = 120
	ltR1Salt      = 0xbb67ae8584caa73b
)

type ltR1Config struct {
	grad     algorithms.LiftedGradient
	bigInit  float64 // > 0: the control's fixed ε (no small-iterate selection)
	kinds    []string
	trialsCI int
}

// LiftedRankOne builds `lifted-tensor/rank-one` on the given lifted gradient
// (algorithms.LiftedGrad is ours).
func LiftedRankOne(grad algorithms.LiftedGradient) *Theorem {
	th := &Theorem{
		ID:     "lifted-tensor/rank-one",
		Title:  "Lifted GD from small init stays near rank 1 (Thm 1)",
		Kind:   Empirical,
		Source: Quoted,
		Paper:  PaperLiftedTensor,
		Hypotheses: []string{
			"w_0 = ε·x_0^{⊗l} with ε small enough that the run stays in the small-iterate regime on the window (‖E_t‖ ≤ 1e-3·‖w̃_t‖)",
			"σ_1(U) is a positive eigenvalue of U = A*(b) and σ_1 > σ_2; v_1ᵀx_0 ≠ 0",
			"λ_2^v read as the spectral norm off the dominant direction (derived; the literal Def. 9 is degenerate)",
		},
		Statement:  ltR1Statement,
		ProofSteps: ltR1Steps,
		Tolerance:  DefaultTolerance,
		Experiment: ltR1Experiment(ltR1Config{grad: grad, kinds: []string{"lemma14", "generic"}, trialsCI: 28}),
	}
	th.Controls = []Control{{
		Name:   "large-init",
		Breaks: BreaksHypothesis,
		Description: "ε = 1 (‖w_0‖_F = 1 = ‖M*‖_F^{3/2}) passed off as small, generic starts, same window: the nonlinear " +
			"terms act from the first step and mix directions (certified ratios up to ≈ 0.9; about half the runs exceed κ " +
			"in the window) — caught at the claim. (Lemma 14 starts at ε = 1 stay within κ on these instances: the spectral " +
			"direction is already near the solution's.)",
		Experiment: ltR1Experiment(ltR1Config{grad: grad, bigInit: 1, kinds: []string{"generic"}, trialsCI: 48}),
	}}
	return th
}

func init() { Register(LiftedRankOne(algorithms.LiftedGrad)) }

// ltR1Run is one trial's outcome.
type ltR1Run struct {
	kind                  string
	discard               string
	tk, T                 int
	eps                   float64
	maxRatio, maxUpper    float64
	maxBefore             float64
	pass, diverged        bool
	sigma1, sigma2, align float64
	trajectory            [][]string
}

func ltR1Experiment(cfg ltR1Config) Experiment {
	return func(ec ExperimentConfig) Evidence {
		paper := ec.Profile == "paper"
		n, m, trials, tMax := 3, 8, cfg.trialsCI, 400
		if paper {
			n, m, trials, tMax = 4, 10, 60, 1500
			if cfg.bigInit > 0 {
				trials = 120
			}
		}
		type job struct{ kind, trial int }
		var jobs []job
		for k := range cfg.kinds {
			for tr := range trials {
				jobs = append(jobs, job{k, tr})
			}
		}
		runs := make([]ltR1Run, len(jobs))
		parallelFor(len(jobs), func(i int) {
			j := jobs[i]
			rng := cnRNG(ec.Seed, ltR1Salt^uint64(j.kind+1)<<4, j.trial)
			runs[i] = ltR1Trial(cfg, cfg.kinds[j.kind], n, m, tMax, rng, j.trial == 0)
		})
		ev := Evidence{Metrics: map[string]float64{}}
		mt := ev.Metrics
		pass, total := 0, 0
		discards := map[string]int{}
		for k, kind := range cfg.kinds {
			kp, kt, div := 0, 0, 0
			var worst, worstEst, worstBefore float64
			var eps, tks []float64
			for i, r := range runs {
				if jobs[i].kind != k {
					continue
				}
				if r.discard != "" {
					discards[r.discard]++
					continue
				}
				kt++
				if r.pass {
					kp++
				}
				if r.diverged {
					div++
				}
				worst = math.Max(worst, r.maxUpper)
				worstEst = math.Max(worstEst, r.maxRatio)
				worstBefore = math.Max(worstBefore, r.maxBefore)
				eps = append(eps, math.Log10(r.eps))
				tks = append(tks, float64(r.tk))
				if r.trajectory != nil {
					ev.Tables = append(ev.Tables, Table{
						Title:  fmt.Sprintf("lifted GD trajectory, %s start (first run): σ_1 = %.3f, σ_2 = %.3f, |v_1ᵀx_0|/‖x_0‖ = %.3f, ε = %.0e, window [t(κ,l), t_T] = [%d, %d]", kind, r.sigma1, r.sigma2, r.align, r.eps, r.tk, r.T),
						Header: []string{"t", "h(w_t)", "‖w_t‖_F", "λ2/λ1 estimate", "λ2/λ1 certified", "rel. dist. to rank 1", "in window"},
						Rows:   r.trajectory,
					})
				}
			}
			pass += kp
			total += kt
			mt[kind+"_runs"] = float64(kt)
			mt[kind+"_passes"] = float64(kp)
			mt[kind+"_diverged"] = float64(div)
			lo, hi := cnWilson(kp, kt)
			mt[kind+"_pass_wilson_lo"], mt[kind+"_pass_wilson_hi"] = lo, hi
			mt[kind+"_max_ratio_certified_in_window"] = worst
			mt[kind+"_max_ratio_estimate_in_window"] = worstEst
			mt[kind+"_max_ratio_before_window"] = worstBefore
			mt[kind+"_median_log10_eps"] = ltMedian(eps)
			mt[kind+"_median_t_kappa"] = ltMedian(tks)
		}
		nd := 0
		for reason, c := range discards {
			nd += c
			ev.Instance += fmt.Sprintf(" [discarded %d: %s]", c, reason)
		}
		mt["discarded"] = float64(nd)
		lo, hi := cnWilson(pass, total)
		mt["pass_rate"] = float64(pass) / math.Max(1, float64(total))
		mt["pass_wilson_lo"], mt["pass_wilson_hi"] = lo, hi
		mt["kappa"] = ltR1Kappa
		mt["eta"] = ltR1Eta
		mt["order"] = ltR1Order
		mt["n"], mt["m"] = float64(n), float64(m)
		mt["threshold"] = ltR1Threshold
		mt["profile_is_paper"] = cnBool(paper)
		mt["init_scale_fixed"] = cfg.bigInit
		ev.Instance = fmt.Sprintf("Gaussian sensing n = %d, m = %d, rank 1, l = %d, η = %g, κ = %g, kinds %v, %d runs each, profile %s, seed %d; claim: Wilson lower bound of the pass rate ≥ %g",
			n, m, ltR1Order, ltR1Eta, ltR1Kappa, cfg.kinds, trials, ltProfile(ec.Profile), ec.Seed, ltR1Threshold) + ev.Instance
		ev.Add(Le(ClaimStep, -1, ltR1Threshold, lo))
		return ev
	}
}

// ltR1Trial runs one trial.
func ltR1Trial(cfg ltR1Config, kind string, n, m, tMax int, rng *rand.Rand, keepTrajectory bool) ltR1Run {
	run := ltR1Run{kind: kind}
	A, b, _ := generators.GaussianSensing(rng, n, m, 1)
	p, err := algorithms.NewLiftedSensing(A, b, 1, ltR1Order)
	if err != nil {
		panic(err)
	}
	U := ltSensingU(A, b)
	v1, s1, s2, ok := generators.TopEigenvector(U, n)
	if !ok {
		run.discard = "the eigendecomposition of U failed"
		return run
	}
	run.sigma1, run.sigma2 = s1, s2
	if !(s1 > s2) {
		run.discard = "σ_1(U) is not a positive eigenvalue above σ_2 (the growth rate 1 + ησ_1^l needs it)"
		return run
	}
	var x0 []float64
	if kind == "lemma14" {
		x0 = generators.SpectralInit(rng, v1, 1/math.Sqrt(float64(n)))
	} else {
		x0 = make([]float64, n)
		generators.RandomUnit(rng, x0)
	}
	nx := numeric.Norm2(x0)
	align := math.Abs(numeric.Dot(v1, x0))
	run.align = align / nx
	L := float64(ltR1Order)
	gap := math.Log((1 + ltR1Eta*math.Pow(s1, L)) / (1 + ltR1Eta*math.Pow(s2, L)))
	tk := math.Ceil(math.Log(math.Pow(nx, L)/(ltR1Kappa*math.Pow(align, L))) / gap)
	if !(tk <= float64(tMax)) {
		run.discard = fmt.Sprintf("t(κ, l) beyond the %d-step budget (small |v_1ᵀx_0| or eigen-gap)", tMax)
		return run
	}
	run.tk = max(1, int(tk))
	run.T = 2 * run.tk
	samples := ltR1SampleTimes(run.tk, run.T)
	eps := ltR1Eps0
	tries := ltR1EpsTries
	if cfg.bigInit > 0 {
		eps, tries = cfg.bigInit, 1
	}
	for try := 0; try < tries; try++ {
		res, linear := ltR1Run1(cfg, p, U, x0, eps, run.tk, run.T, samples, cfg.bigInit == 0)
		if linear || cfg.bigInit > 0 {
			run.eps = eps
			run.maxRatio, run.maxUpper, run.maxBefore, run.diverged = res.maxRatio, res.maxUpper, res.maxBefore, res.diverged
			run.pass = !res.diverged && res.maxUpper <= ltR1Kappa
			if keepTrajectory {
				run.trajectory = ltR1Trajectory(cfg, p, x0, eps, run.tk, run.T)
			}
			return run
		}
		eps *= ltR1EpsStep
	}
	run.discard = "no ε ≥ 1e-27 keeps the run in the small-iterate regime"
	return run
}

// ltR1SampleTimes lists the window times at which the ratio is evaluated.
func ltR1SampleTimes(tk, T int) map[int]bool {
	out := map[int]bool{}
	if T-tk <= ltR1Samples {
		for t := tk; t <= T; t++ {
			out[t] = true
		}
		return out
	}
	for i := 0; i < ltR1Samples; i++ {
		out[tk+int(math.Round(float64(i)*float64(T-tk)/float64(ltR1Samples-1)))] = true
	}
	return out
}

type ltR1Result struct {
	maxRatio, maxUpper, maxBefore float64
	diverged                      bool
}

// ltR1Run1 runs GD to T from ε·x_0^{⊗l}; with checkLinear it stops early (false) as soon as
// ‖w_t − w̃_t‖ > 1e-3‖w̃_t‖.
func ltR1Run1(cfg ltR1Config, p *algorithms.LiftedSensing, U []float64, x0 []float64, eps float64, tk, T int, samples map[int]bool, checkLinear bool) (ltR1Result, bool) {
	d, l := p.Dim(), p.Order()
	w := algorithms.NewSymTensor(d, l)
	w.SetOuterPower(eps, x0)
	lin := w.Clone()
	tmp := w.Clone()
	var wk algorithms.LiftedWork
	var res ltR1Result
	linear := true
	before := 0
	opts := algorithms.Rank1Options{Starts: 2, Rng: rand.New(rand.NewPCG(1, 2))}
	run := algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: ltR1Eta, MaxIter: T, Gradient: cfg.grad,
		Visit: func(t int, w *algorithms.SymTensor, h float64) bool {
			if checkLinear {
				if t > 0 {
					lin.ApplyEveryMode(tmp, U, &wk)
					lin.Axpy(ltR1Eta, tmp)
				}
				diff := w.Clone()
				diff.Axpy(-1, lin)
				if !(diff.Norm() <= ltR1Linear*lin.Norm()) {
					linear = false
					return false
				}
			}
			if samples[t] {
				ve := algorithms.VEigenvalues(w, opts)
				res.maxRatio = math.Max(res.maxRatio, ve.Ratio)
				res.maxUpper = math.Max(res.maxUpper, ve.RatioUpper)
				if math.IsNaN(ve.RatioUpper) {
					res.maxUpper = math.Inf(1)
				}
			} else if t > 0 && t < tk && t%max(1, tk/40) == 0 && before < 40 {
				before++
				ve := algorithms.VEigenvalues(w, opts)
				res.maxBefore = math.Max(res.maxBefore, ve.Ratio)
			}
			return true
		}})
	if run.Reason == algorithms.StopDiverged {
		res.diverged = true
		res.maxUpper = math.Inf(1)
	}
	return res, linear
}

// ltR1Trajectory reruns the first trial to 4·T and samples the ratio at 16 times.
func ltR1Trajectory(cfg ltR1Config, p *algorithms.LiftedSensing, x0 []float64, eps float64, tk, T int) [][]string {
	w := algorithms.NewSymTensor(p.Dim(), p.Order())
	w.SetOuterPower(eps, x0)
	end := 4 * T
	var rows [][]string
	opts := algorithms.Rank1Options{Starts: 2, Rng: rand.New(rand.NewPCG(1, 2))}
	algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: ltR1Eta, MaxIter: end, Gradient: cfg.grad,
		Visit: func(t int, w *algorithms.SymTensor, h float64) bool {
			if t == 0 || t == tk || t == T || t%max(1, end/12) == 0 {
				ve := algorithms.VEigenvalues(w, opts)
				in := "no"
				if t >= tk && t <= T {
					in = "yes"
				}
				rows = append(rows, []string{fmt.Sprint(t), ltFmt(h), ltFmt(w.Norm()), ltFmt(ve.Ratio), ltFmt(ve.RatioUpper),
					ltFmt(ve.Top.Residual / ve.Top.Norm), in})
			}
			return true
		}})
	return rows
}
