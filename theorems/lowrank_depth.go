package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
	"github.com/implicitreg/verify/internal/stats"
)

// low-rank/depth (THEOREMS.md §3): matrix completion from few entries by deep factorisations
// trained from small init, against each other and against the minimum-nuclear-norm completion.

// The authors' setup (papers/matrix-factorization.md A.3) and the training rule of every profile.
const (
	ldPaperD        = 100
	ldPaperRank     = 5
	ldPaperObserved = 2000
	ldPaperEasy     = 5000
	ldPaperLR       = 1e-3
	// ldStopLoss: training stops once mean_Ω (W_ij − M_ij)² ≤ 1e-6 (the authors' train_thres on
	// their training loss, the mean squared residual over Ω; THEOREMS.md writes ½·mean — ours
	// is the authors', a factor 2 stricter).
	ldStopLoss = 1e-6
)

// Reproduction bands, paper profile only, asserted on every single run (the paper's numbers
// are single runs; see ldStatement for the reasons behind each band).
const (
	ldBandDeepErrorMax     = 1e-3     // depth ≥ 3 reconstruction error (paper 2–4e-5)
	ldBandDeepErankLo      = 4.5      // depth ≥ 3 effective rank (paper ≈ 4.95, truth ≈ 4.9)
	ldBandDeepErankHi      = 5.5      //
	ldBandDepth2ErankMin   = 6        // depth 2 effective rank at init scale 1e-3 (paper 10.1, reference run 8.69)
	ldBandNuclearErrorLo   = 1e-2     // minimum-nuclear-norm error: fails to recover M (relative error ≥ 10%)
	ldBandNuclearErrorHi   = 0.11 * 3 // and stays within 3× the paper's ≈ 0.11 (see ldStatement: not reproduced)
	ldBandAbundantErrorMax = 1e-3     // every method with 5000 entries (paper ≤ 9e-5)
)

// Reference numbers, by provenance (papers/matrix-factorization.md A.4; THEOREMS.md §3).
// fig2: the authors' notebook plot.ipynb, figure "2" (2000 entries unless "abundant", read off
// the plot: approximate; the minimum nuclear norms are printed); blog: the offconvex table
// (2019-07-10, figure image); refrun: the reference run quoted in THEOREMS.md §3 (one seed).
var ldPaperMetrics = map[string]float64{
	"paper_fig2_error_depth2_s1e-06":          2.5e-2,
	"paper_fig2_error_depth2_s1e-03":          1.1e-1,
	"paper_fig2_error_deep_lo":                2e-5,
	"paper_fig2_error_deep_hi":                4e-5,
	"paper_fig2_erank_depth2_s1e-06":          6.6,
	"paper_fig2_erank_depth2_s1e-03":          10.1,
	"paper_fig2_erank_deep":                   4.95,
	"paper_fig2_erank_truth":                  4.9,
	"paper_fig2_error_nuclear":                0.11,
	"paper_fig2_erank_nuclear":                9.5,
	"paper_fig2_nuclear_norm_min":             210.15,
	"paper_fig2_nuclear_norm_min_below_truth": 1 - 210.15/219.4,
	"paper_fig2_nuclear_norm_deep":            219.4,
	"paper_fig2_nuclear_norm_depth2_lo":       215.5,
	"paper_fig2_nuclear_norm_depth2_hi":       217.2,
	"paper_fig2_abundant_error_depth2_lo":     5e-6,
	"paper_fig2_abundant_error_depth2_hi":     9e-5,
	"paper_fig2_abundant_error_deep":          4e-6,
	"paper_fig2_abundant_error_nuclear":       8e-7,
	"paper_fig2_abundant_nuclear_norm_min":    221.03,
	"paper_blog_error_nuclear":                1.06e-1,
	"paper_blog_error_depth2":                 5.92e-2,
	"paper_blog_error_depth3":                 2.58e-5,
	"paper_refrun_depth3_s1e-03_iterations":   28329,
	"paper_refrun_depth3_s1e-03_error":        3.6e-5,
	"paper_refrun_depth3_s1e-03_erank":        4.99,
	"paper_refrun_depth3_s1e-03_nuclear_norm": 219.6,
	"paper_refrun_depth2_s1e-03_iterations":   32097,
	"paper_refrun_depth2_s1e-03_error":        4.7e-2,
	"paper_refrun_depth2_s1e-03_erank":        8.69,
	"paper_refrun_truth_nuclear_norm":         219.6,
	"paper_refrun_truth_erank":                4.91,
	"paper_d":                                 ldPaperD,
	"paper_rank":                              ldPaperRank,
	"paper_observed":                          ldPaperObserved,
	"paper_observed_abundant":                 ldPaperEasy,
	"paper_lr":                                ldPaperLR,
	"paper_stop_loss":                         ldStopLoss,
	"paper_nuclear_constraint_tolerance":      1e-3,
	"paper_fig2_init_scale_lo":                1e-6,
	"paper_fig2_init_scale_hi":                1e-3,
	"paper_fig2_nuclear_norm_truth_line":      219.4,
	"paper_fig2_abundant_erank_all_methods":   5,
}

// ldProfile is the experiment's size under a profile.
type ldProfile struct {
	name     string
	d, rank  int
	observed int // |Ω| of the scarce case, the one every claim is about
	abundant int // |Ω| of the abundant case (paper: run and checked; otherwise a control's)
	easy     bool
	depths   []int // trained depths: 2 first, then the deep ones (≥ 3)
	scales   []float64
	seeds    int
	lr       float64
	maxIter  int
	// The nuclear-norm baseline stops at this certified relative gap or iteration count.
	gapTol     float64
	nucMaxIter int
}

// ldProfileOf maps cfg.Profile to sizes. The empty profile is what checks.ControlTest passes
// under go test: it runs as ci. ci and quick run 24×24, rank 3, |Ω| = 1.85× the r(2d − r)
// degrees of freedom (the paper: 2000/975 = 2.05×), lr 2e-3; ldStatement says why.
func ldProfileOf(p string) ldProfile {
	switch p {
	case "paper":
		return ldProfile{name: "paper", d: ldPaperD, rank: ldPaperRank, observed: ldPaperObserved, abundant: ldPaperEasy, easy: true,
			depths: []int{2, 3, 4}, scales: []float64{1e-3, 1e-6}, seeds: 6, lr: ldPaperLR, maxIter: 200000, gapTol: 1e-6, nucMaxIter: 20000}
	case "quick":
		return ldProfile{name: "quick", d: 24, rank: 3, observed: 250, abundant: 480,
			depths: []int{2, 3, 4}, scales: []float64{1e-3}, seeds: 10, lr: 2e-3, maxIter: 30000, gapTol: 1e-4, nucMaxIter: 20000}
	}
	return ldProfile{name: "ci", d: 24, rank: 3, observed: 250, abundant: 480,
		depths: []int{2, 3}, scales: []float64{1e-3}, seeds: 10, lr: 2e-3, maxIter: 30000, gapTol: 1e-4, nucMaxIter: 20000}
}

func (p ldProfile) String() string {
	sc := make([]string, len(p.scales))
	for i, s := range p.scales {
		sc[i] = fmt.Sprintf("%g", s)
	}
	s := fmt.Sprintf("profile %s: %d×%d, rank %d, %d observed entries (%.0f%%, %.2f× the %d degrees of freedom), depths %v, init scales {%s}, %d seeds, adaptive lr %g, at most %d steps",
		p.name, p.d, p.d, p.rank, p.observed, 100*float64(p.observed)/float64(p.d*p.d), float64(p.observed)/float64(p.dof()), p.dof(),
		p.depths, strings.Join(sc, ", "), p.seeds, p.lr, p.maxIter)
	if p.easy {
		s += fmt.Sprintf("; abundant case %d entries at init scale %g", p.abundant, p.scales[0])
	}
	return s
}

// dof is the dimension r(2d − r) of the rank-r d×d matrices.
func (p ldProfile) dof() int { return p.rank * (2*p.d - p.rank) }

// ldVariant is what a control changes: the theorem itself is ldVariant{grad: g}.
type ldVariant struct {
	grad algorithms.DeepMFGradient
	// deepAs > 0 trains that depth wherever a depth ≥ 3 is claimed (the claims keep their labels).
	deepAs int
	// scale > 0 replaces the profile's init scales.
	scale float64
	// abundant makes the claimed (scarce) case observe the profile's abundant count.
	abundant bool
}

// ldInstance is one seed's completion problem.
type ldInstance struct {
	M                        *mat.Dense
	loss                     *algorithms.Completion
	truthErank, truthNuclear float64
	onOmega                  []bool // row-major mask of Ω
	seed, d                  int
}

func ldNewInstance(M *mat.Dense, I, J []int, seed int) *ldInstance {
	d, _ := M.Dims()
	loss, err := algorithms.CompletionFrom(M, I, J, 2/float64(len(I))) // (2/|Ω|)/2·Σr² = mean_Ω r²
	if err != nil {
		panic(err) // UniformEntries returns distinct in-range entries: a programmer error
	}
	sv, ok := numeric.SingularValues(M)
	in := &ldInstance{M: M, loss: loss, onOmega: make([]bool, d*d), seed: seed, d: d}
	in.truthErank, in.truthNuclear = math.NaN(), math.NaN()
	if ok {
		in.truthErank, in.truthNuclear = numeric.EffectiveRank(sv), numeric.NuclearNorm(sv)
	}
	for k := range I {
		in.onOmega[I[k]*d+J[k]] = true
	}
	return in
}

// ldOutcome is what one solution W is measured by.
type ldOutcome struct {
	err     float64 // ‖W − M‖_F²/d² (= ‖W − M‖_F²/‖M‖_F², since ‖M‖_F = d)
	erank   float64
	nuclear float64 // ‖W‖_*
	// nuclearFeasible is ‖W′‖_* for W′ = W with its Ω entries replaced by M's: an exact
	// interpolant, comparable with the certified bounds of the nuclear-norm baseline.
	nuclearFeasible float64
}

// ldMeasure measures W against the instance; a failed SVD or non-finite W gives NaN (which
// never passes a claim).
func ldMeasure(W *mat.Dense, in *ldInstance) ldOutcome {
	var D mat.Dense
	D.Sub(W, in.M)
	o := ldOutcome{err: numeric.FrobNorm2(&D) / float64(in.d*in.d), erank: math.NaN(), nuclear: math.NaN(), nuclearFeasible: math.NaN()}
	if sv, ok := numeric.SingularValues(W); ok {
		o.erank, o.nuclear = numeric.EffectiveRank(sv), numeric.NuclearNorm(sv)
	}
	F := mat.DenseCopyOf(W)
	f, m := F.RawMatrix(), in.M.RawMatrix()
	for p, on := range in.onOmega {
		if on {
			i, j := p/in.d, p%in.d
			f.Data[i*f.Stride+j] = m.Data[i*m.Stride+j]
		}
	}
	if sv, ok := numeric.SingularValues(F); ok {
		o.nuclearFeasible = numeric.NuclearNorm(sv)
	}
	if math.IsNaN(o.err) || math.IsInf(o.err, 0) {
		o.err = math.NaN()
	}
	return o
}

// ldRun is one training run.
type ldRun struct {
	ldOutcome
	trained    int // depth actually trained
	iterations int
	loss       float64
	reason     string
	ms         float64
}

// ldTrain trains a depth-N factorisation from the authors' Gaussian init with the authors'
// adaptive step until the training loss reaches ldStopLoss or the budget is spent.
func ldTrain(grad algorithms.DeepMFGradient, in *ldInstance, depth int, scale float64, p ldProfile, rng *rand.Rand) ldRun {
	f := algorithms.NewDeepMFSquare(in.d, depth)
	f.GaussianInit(algorithms.AuthorsInitStd(scale, depth, in.d), rng)
	start := time.Now()
	run := algorithms.TrainDeepMF(f, in.loss, algorithms.DeepMFOptions{
		LR: p.lr, Adaptive: true, MaxIter: p.maxIter, StopLoss: ldStopLoss, Gradient: grad,
	})
	ms := float64(time.Since(start).Microseconds()) / 1000
	return ldRun{ldOutcome: ldMeasure(f.Product(), in), trained: depth, iterations: run.Iterations, loss: run.Loss, reason: run.Reason, ms: ms}
}

// ldNuclear is the certified minimum-nuclear-norm completion of one instance.
type ldNuclear struct {
	ldOutcome
	primal, dual, gap, relGap float64
	iterations                int
	ms                        float64
}

func ldSolveNuclear(in *ldInstance, p ldProfile) ldNuclear {
	start := time.Now()
	res, err := algorithms.MinNuclearCompletion(in.loss, algorithms.NuclearOptions{GapTol: p.gapTol, MaxIter: p.nucMaxIter})
	if err != nil {
		panic(fmt.Sprintf("low-rank/depth: nuclear-norm baseline failed on seed %d: %v", in.seed, err))
	}
	if !res.Certified {
		panic(fmt.Sprintf("low-rank/depth: nuclear-norm baseline uncertified on seed %d", in.seed))
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	return ldNuclear{ldOutcome: ldMeasure(res.X, in), primal: res.Primal, dual: res.Dual, gap: res.Gap, relGap: res.RelGap, iterations: res.Iterations, ms: ms}
}

// ldCase is one observation count with the scales it is trained at.
type ldCase struct {
	name     string
	observed int
	scales   []float64
}

// ldResults holds every run: runs[seed][case][scale][depth index], nuc[seed][case].
type ldResults struct {
	inst [][]*ldInstance
	runs [][][][]ldRun
	nuc  [][]ldNuclear
}

// ldJob is one unit of parallel work: a training run, or a nuclear solve when depth is 0.
type ldJob struct{ seed, c, k, di, depth int }

func ldRunAll(v ldVariant, p ldProfile, cases []ldCase, seed uint64) *ldResults {
	r := &ldResults{inst: make([][]*ldInstance, p.seeds), runs: make([][][][]ldRun, p.seeds), nuc: make([][]ldNuclear, p.seeds)}
	var jobs []ldJob
	for s := range p.seeds {
		// One stream per seed for M and every Ω, so that a control draws the same M as the
		// theorem for the same seed.
		rng := rand.New(rand.NewPCG(seed, 0x6c6f772d72616e6b^uint64(s+1)))
		M := generators.LowRankTarget(rng, p.d, p.d, p.rank)
		r.inst[s] = make([]*ldInstance, len(cases))
		r.runs[s] = make([][][]ldRun, len(cases))
		r.nuc[s] = make([]ldNuclear, len(cases))
		for c, cs := range cases {
			I, J := generators.UniformEntries(rng, p.d, p.d, cs.observed)
			r.inst[s][c] = ldNewInstance(M, I, J, s)
			r.runs[s][c] = make([][]ldRun, len(cs.scales))
			for k := range cs.scales {
				r.runs[s][c][k] = make([]ldRun, len(p.depths))
				for di, N := range p.depths {
					if N >= 3 && v.deepAs > 0 {
						N = v.deepAs
					}
					jobs = append(jobs, ldJob{s, c, k, di, N})
				}
			}
			jobs = append(jobs, ldJob{s, c, 0, -1, 0})
		}
	}
	// Longest first: deeper runs and smaller inits take more steps; nuclear solves are short.
	sort.SliceStable(jobs, func(a, b int) bool {
		ja, jb := jobs[a], jobs[b]
		if ja.depth != jb.depth {
			return ja.depth > jb.depth
		}
		return cases[ja.c].scales[ja.k] < cases[jb.c].scales[jb.k]
	})
	parallelFor(len(jobs), func(i int) {
		j := jobs[i]
		in := r.inst[j.seed][j.c]
		if j.depth == 0 {
			r.nuc[j.seed][j.c] = ldSolveNuclear(in, p)
			return
		}
		rng := rand.New(rand.NewPCG(seed^0x696e6974, uint64(j.seed)<<32|uint64(j.c)<<24|uint64(j.k)<<16|uint64(j.depth)))
		r.runs[j.seed][j.c][j.k][j.di] = ldTrain(v.grad, in, j.depth, cases[j.c].scales[j.k], p, rng)
	})
	return r
}

// ldScaleName formats an init scale for metric names: s1e-03, s1e-06.
func ldScaleName(s float64) string { return fmt.Sprintf("s%.0e", s) }

// ldSub returns a[s] − b[s].
func ldSub(a, b []float64) []float64 {
	out := make([]float64, len(a))
	for s := range a {
		out[s] = a[s] - b[s]
	}
	return out
}

func ldLog10s(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log10(x)
	}
	return out
}

// ldLog10Floored is log10 max(x, ldStopLoss) (NaN stays NaN): the deep runs stop once the mean
// squared residual on Ω is 1e-6, so they do not resolve errors below it, and an exact
// nuclear-norm recovery (error ≈ 1e-11) would otherwise weigh as five decades in a mean.
func ldLog10Floored(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log10(math.Max(x, ldStopLoss))
		if math.IsNaN(x) {
			out[i] = math.NaN()
		}
	}
	return out
}

// ldGeo records the geometric mean of positive xs and its one-sided bounds (each at bxLevel),
// computed on log10 and mapped back.
func ldGeo(m map[string]float64, name string, xs []float64) bxMean {
	b := bxInterval(ldLog10s(xs))
	m[name] = math.Pow(10, b.mean)
	m[name+"_ci_lo"] = math.Pow(10, b.lo)
	m[name+"_ci_hi"] = math.Pow(10, b.hi)
	return b
}

func ldMinMax(xs []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range xs {
		if math.IsNaN(x) {
			return math.NaN(), math.NaN()
		}
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

// ldOrdering adds one ordering claim over seeds: the upper bound of the mean of the per-seed
// differences must be ≤ 0. It records the mean, bounds and the rate of seeds where the
// ordering holds (with its Wilson lower bound).
func ldOrdering(ev *Evidence, name string, diff []float64) {
	below := 0
	for _, x := range diff {
		if x < 0 {
			below++
		}
	}
	bm := bxInterval(diff)
	bm.put(ev.Metrics, name)
	ev.Metrics["rate_"+name+"_negative"] = float64(below) / float64(len(diff))
	lo, _ := stats.Wilson(below, len(diff), stats.Z999)
	ev.Metrics["rate_"+name+"_negative_wilson_lo"] = lo
	ev.Add(Le(ClaimStep, -1, bm.hi, 0))
}

const ldStatement = `Depth lowers effective rank and error in matrix completion (Arora, Cohen, Hu, Luo, NeurIPS 2019,
§4 and the authors' code roosephu/deep_matrix_factorization; quoted claim, THEOREMS.md §3).
Complete a d×d rank-r matrix M from |Ω| entries observed uniformly at random by gradient descent
on a depth-N factorisation W = W_N⋯W_1 (all factors d×d, so the widths do not limit the rank),
started near zero. Quoted: deeper factorisations end with lower effective rank and lower
reconstruction error; depth ≥ 3 beats the minimum-nuclear-norm completion when observations are
scarce; the deep solutions do not minimise the nuclear norm (‖W‖_* ≈ ‖M‖_* exceeds the minimum),
so no single norm explains the bias; with abundant entries every method recovers M.

Setup (the authors' code, papers/matrix-factorization.md A.3): M = UVᵀ with U, V iid N(0, 1),
rescaled to ‖M‖_F = d (generators.LowRankTarget); Ω uniform without replacement
(generators.UniformEntries); per-layer iid N(0, std²) init, std = s^{1/N}/√d
(algorithms.AuthorsInitStd: ‖W(0)‖_F ≈ s·√d); training loss mean_Ω (W_ij − M_ij)² — the authors';
THEOREMS.md writes ½·mean, ours is a factor 2 stricter at the same threshold; GD on every factor
with the authors' single global adaptive step (v_t = 0.99v_{t−1} + 0.01Σ_j‖∇_j‖²,
η_t = lr/(√(v_t/(1 − 0.99^t)) + 1e-4)), until the training loss is ≤ 1e-6 or the step budget is
spent (runs stopped by the budget are counted in runs_max_iter and judged on what they reached,
never dropped). Error = ‖W − M‖_F²/d² (= ‖W − M‖_F²/‖M‖_F²); effective rank = exp(entropy of
σ_i/Σσ_j) (Roy and Vetterli). Baseline: min ‖X‖_* s.t. X_Ω = M_Ω exactly (the authors' cvxpy/SCS
run allows |X_ij − M_ij| ≤ 1e-3), algorithms.MinNuclearCompletion, with a certified duality gap:
its error and effective rank are those of a feasible X with ‖X‖_* ≤ OPT + Gap (nuclear_gap_max,
nuclear_rel_gap_max).

Checked per init scale s and claimed depth N ≥ 3, over seeds (each a fresh M, Ω and init), as the
one-sided 99.9% upper bound (Student-t, n − 1 degrees of freedom, as in the balancedness
experiments) of the mean of a per-seed paired difference being ≤ 0 — the bound must be below 0,
not only the mean:
  claim  erank(W_N) − erank(W_2)                        (depth lowers the effective rank)
  claim  lg err(W_N) − lg err(W_2)                      (depth lowers the error)
  claim  lg err(W_N) − lg err(X_nuclear)                (depth ≥ 3 beats the nuclear norm)
with lg e = log10 max(e, 1e-6): errors span decades (geometric means), and the deep runs stop at
training loss 1e-6 and do not resolve errors below it, so an exact nuclear-norm recovery (≈ 1e-11,
which happens on some small draws) counts as 1e-6 instead of five extra decades.
rate_*_negative (with its Wilson lower bound) is the share of seeds where each ordering holds.
Paper profile only:
  claim  per seed, Primal < ‖W′_N‖_*, W′_N = W_N with its Ω entries replaced by M's (an exact
         interpolant within the training residual of W_N), Primal ≥ OPT the baseline's certified
         upper bound: a certificate that W′_N is not a minimum-nuclear-norm completion (the seed
         with the smallest excess is judged). On small instances the nuclear norm recovers M on
         some draws (20×20: about 1 in 16), and there both solutions are M, so ci and quick only
         report the excess.
  reproduction bands, each on every single run (the paper's numbers are single runs):
  depth ≥ 3 error ≤ 1e-3 — the paper's 2–4e-5 (reference run 3.6e-5) are runs that found the
    rank-r solution and stopped at training loss 1e-6; 1e-3 asserts "recovered" with room for a
    slow draw, 25× below depth 2's best (2.5e-2) and 100× below the nuclear norm's 0.11;
  depth ≥ 3 effective rank within [4.5, 5.5] (paper ≈ 4.95, truth ≈ 4.9);
  depth 2 effective rank ≥ 6 at s = 1e-3 (paper 10.1, reference run 8.69; at s = 1e-6 depth 2
    approaches the truth — paper 6.6 — and is only reported);
  nuclear-norm error within [1e-2, 3·0.11]: the exact minimiser fails to recover M (relative
    Frobenius error ≥ 10%, a decade above the deep band). The paper's 0.11 (blog 0.106) is NOT
    reproduced: our certified minimisers err 0.024–0.040 on the six draws of seed 1337228193,
    0.045 (geometric mean, at most 0.062) on those of seed 42 and 0.04–0.08 on three trial draws.
    The authors' cvxpy/SCS run (|X_ij − M_ij| ≤ 1e-3) printed a minimum of 210.15, 4.2% below
    ‖M‖_*; ours are 1.4% and 1.8% below on average over those two runs, with certified gaps
    ≤ 1e-6 (nuclear_norm_min_below_truth beside paper_fig2_nuclear_norm_min_below_truth), so
    their X was probably not the exact minimiser. A first version of this band, 0.11/3 to 3·0.11,
    failed on that run and was replaced for that reason;
  with 5000 entries (s = 1e-3, depth 2's worst scale) every method's error ≤ 1e-3 (paper: depth 2
    5e-6–9e-5, deep 4e-6, nuclear 8e-7).
Profiles: paper = the setup above: 100×100, rank 5, 2000 entries (and 5000), depths 2, 3, 4,
s ∈ {1e-3, 1e-6}, lr 1e-3, 6 seeds, at most 2e5 steps (the authors allow 1e6; their runs stop
after ≈3e4–5e4). ci (go test) = 24×24, rank 3, 250 entries (43%, 1.85× the r(2d − r) = 135
degrees of freedom), depths 2, 3, s = 1e-3, 10 seeds, lr 2e-3 (twice the paper's: on trial draws
errors and ranks agree with lr 1e-3 to two digits, and the authors' curves for lr 1e-3 and 3e-4
coincide), at most 3e4 steps; quick = ci plus depth 4. The small instance is chosen, by trial
draws, to sit where the paper's 100×100 sits — depth 3 recovers M, depth 2 and the nuclear norm
do not: at 20×20 rank 2 (≈ 8 entries per row; the paper has 20) depth 3 lands on a wrong
solution on ≈ 1 draw in 10; at 24×24 rank 3 with the paper's 2.05× the nuclear norm recovers M
on ≈ 3 draws in 80 (its threshold sits lower, relative to the degrees of freedom, on small
matrices); at 1.85× it recovered none of 80 while depth 3 recovered M on all of 20. Ten seeds:
depth 2's excess rank varies fivefold between draws, too much for a six-seed bound.
Measured, paper profile (33 and 37 min on two shared cores): seed 42 holds — depth 2 error
0.044 at s = 1e-3 and 0.0029 at 1e-6 (erank 8.7, 5.6), depth 3 2.0e-5 and 2.6e-5 (erank 5.01,
4.92), depth 4 2.3e-5 and 2.3e-5, nuclear norm 0.045 (erank 7.9), 5000 entries every method
≤ 2e-5. Seed 1337228193 is violated: depth 4 at s = 1e-6 stalled on 1 of 6 draws — training loss
flat at 0.088 from step 5e4 to the 2e5 budget while its layers slowly grew (W ended with error
75) — so the depth-4, s = 1e-6 claims and the deep bands fail there, as they should (a stalled
run is judged as reached); its other numbers match seed 42's.
Metrics: per depth and scale the geometric-mean error and mean effective rank with their bounds
and extremes, the mean nuclear norm of W and of W′, mean and largest iteration counts, runs that
hit the budget, the largest final training loss; the baseline's error, rank, certified bounds
and gap; the truth's rank and nuclear norm; paper_fig2_* (the authors' notebook
figure "2", read off the plot, approximate; minimum nuclear norms printed), paper_blog_* (the
offconvex blog table) and paper_refrun_* (the single-seed reference run quoted in THEOREMS.md §3)
beside ours. timing_* metrics (ms per run and µs per step by depth, ms per nuclear solve, the whole
experiment) are wall times: reported, never judged, and like every timing_* metric outside the
same-seed-same-output rule.`

var ldSteps = []string{
	"claim: per init scale s and claimed depth N ≥ 3 (in profile order), upper 99.9% bound of the mean over seeds of erank(W_N) − erank(W_2) ≤ 0",
	"claim: … of lg err(W_N) − lg err(W_2) ≤ 0, lg e = log10 max(e, 1e-6)",
	"claim: … of lg err(W_N) − lg err(X_nuclear) ≤ 0",
	"claim (paper profile): per seed, certified min ‖X‖_* ≤ Primal < ‖W′_N‖_*, W′_N = W_N exact on Ω (the deep solutions do not minimise the nuclear norm)",
	"reproduction (paper profile): depth ≥ 3 error ≤ 1e-3 and effective rank within [4.5, 5.5], every run",
	"reproduction (paper profile): depth 2 effective rank ≥ 6 at s = 1e-3, every run",
	"reproduction (paper profile): nuclear-norm error within [1e-2, 3·0.11], every seed (the paper's 0.11 itself is not reproduced)",
	"reproduction (paper profile): with 5000 entries every method's error ≤ 1e-3",
}

// LowRankDepth builds `low-rank/depth` on the given factor gradient (algorithms.DeepMFGrad is
// ours; a user's implementation stands in through DeepMFOptions.Gradient).
func LowRankDepth(grad algorithms.DeepMFGradient) *Theorem {
	if grad == nil {
		grad = algorithms.DeepMFGrad
	}
	th := &Theorem{
		ID:     "low-rank/depth",
		Title:  "Depth lowers effective rank and error in completion",
		Kind:   Empirical,
		Source: Quoted,
		Paper:  PaperLowRank,
		Hypotheses: []string{
			"M = UVᵀ of rank r with Gaussian factors, ‖M‖_F = d; Ω uniform without replacement and scarce (|Ω| ≈ 2× the r(2d − r) degrees of freedom)",
			"full-width factors (every W_j d×d); per-layer Gaussian init with small scale s (‖W(0)‖_F ≈ s√d ≪ ‖M‖_F)",
			"GD on every factor with the authors' global adaptive step, small lr, trained to mean_Ω residual² ≤ 1e-6",
		},
		Statement:  ldStatement,
		ProofSteps: ldSteps,
		Tolerance:  DefaultTolerance,
		Experiment: ldExperiment(ldVariant{grad: grad}),
	}
	th.Controls = []Control{
		{
			Name:   "depth-1",
			Breaks: BreaksAlgorithm,
			Description: "depth 1 (GD on W itself) trained wherever depth 3 is claimed: the gradient is zero off Ω, so the " +
				"unobserved entries stay at their tiny init — error ≈ 1 − |Ω|/d², effective rank high; caught by all three ordering claims",
			Experiment: ldExperiment(ldVariant{grad: grad, deepAs: 1}),
		},
		{
			Name:   "large-init",
			Breaks: BreaksHypothesis,
			Description: "init scale s = 1 (‖W(0)‖_F ≈ √d, no longer near zero): the low-rank bias fades (ci: depth 3 ends at " +
				"erank ≈ 2.5× the truth's, error ≈ 0.1–0.3) and depth 3 loses to the nuclear norm by one to two decades; caught by the nuclear-norm claim",
			Experiment: ldExperiment(ldVariant{grad: grad, scale: 1}),
		},
		{
			Name:   "abundant-observations",
			Breaks: BreaksHypothesis,
			Description: "observations no longer scarce (ci: 480 of 576 entries, 3.6× the degrees of freedom): the nuclear norm " +
				"recovers M (error ≈ 1e-9, counted as 1e-6) while depth 3 stops at ≈ 5e-6, so depth 3 no longer beats it; " +
				"caught by the nuclear-norm claim",
			Experiment: ldExperiment(ldVariant{grad: grad, abundant: true}),
		},
	}
	return th
}

func init() { Register(LowRankDepth(algorithms.DeepMFGrad)) }

func ldExperiment(v ldVariant) Experiment {
	return func(cfg ExperimentConfig) Evidence {
		p := ldProfileOf(cfg.Profile)
		scales := p.scales
		if v.scale > 0 {
			scales = []float64{v.scale}
		}
		cases := []ldCase{{name: "scarce", observed: p.observed, scales: scales}}
		if v.abundant {
			cases[0].observed = p.abundant
		}
		if p.easy {
			cases = append(cases, ldCase{name: "abundant", observed: p.abundant, scales: scales[:1]})
		}
		start := time.Now()
		r := ldRunAll(v, p, cases, cfg.Seed)

		ev := Evidence{Metrics: map[string]float64{}}
		mt := ev.Metrics
		var notes []string
		if v.deepAs > 0 {
			notes = append(notes, fmt.Sprintf("control: depth %d trained wherever depth ≥ 3 is claimed", v.deepAs))
		}
		if v.scale > 0 {
			notes = append(notes, fmt.Sprintf("control: init scale %g", v.scale))
		}
		if v.abundant {
			notes = append(notes, fmt.Sprintf("control: %d observed entries in the claimed case", p.abundant))
		}
		ev.Instance = fmt.Sprintf("%v; experiment seed %d; claims in order, per scale and depth ≥ 3: erank vs depth 2, error vs depth 2, error vs nuclear norm (and, paper profile, nuclear-norm excess)", p, cfg.Seed)
		if len(notes) > 0 {
			ev.Instance += "; " + strings.Join(notes, "; ")
		}

		// Sizes beside the paper's.
		mt["d"], mt["rank"], mt["observed"] = float64(p.d), float64(p.rank), float64(cases[0].observed)
		mt["observed_fraction"] = float64(cases[0].observed) / float64(p.d*p.d)
		mt["degrees_of_freedom"] = float64(p.dof())
		mt["observed_over_dof"] = float64(cases[0].observed) / float64(p.dof())
		mt["seeds"], mt["lr"], mt["max_iter"], mt["stop_loss"] = float64(p.seeds), p.lr, float64(p.maxIter), ldStopLoss
		mt["nuclear_gap_tol"] = p.gapTol
		mt["confidence_one_sided"] = 1 - bxLevel
		mt["profile_is_paper"] = bxBool(p.name == "paper")
		for i, s := range scales {
			mt[fmt.Sprintf("init_scale_%d", i)] = s
		}
		for k, val := range ldPaperMetrics {
			mt[k] = val
		}

		col := func(c, k, di int, get func(ldRun) float64) []float64 {
			out := make([]float64, p.seeds)
			for s := range out {
				out[s] = get(r.runs[s][c][k][di])
			}
			return out
		}
		nucCol := func(c int, get func(ldNuclear) float64) []float64 {
			out := make([]float64, p.seeds)
			for s := range out {
				out[s] = get(r.nuc[s][c])
			}
			return out
		}
		errOf := func(x ldRun) float64 { return x.err }
		erankOf := func(x ldRun) float64 { return x.erank }

		// Per-run summaries (every case, scale and depth), counts and timings.
		maxIter, diverged, total, lossMax := 0, 0, 0, 0.0
		msBy, stepsBy := map[int]float64{}, map[int]float64{}
		for c, cs := range cases {
			suffix := ""
			if cs.name == "abundant" && c > 0 {
				suffix = "_abundant"
			}
			for k, s := range cs.scales {
				sc := ldScaleName(s)
				for di, N := range p.depths {
					tag := fmt.Sprintf("depth%d_%s%s", N, sc, suffix)
					ldGeo(mt, "error_"+tag, col(c, k, di, errOf))
					_, mt["error_"+tag+"_max"] = ldMinMax(col(c, k, di, errOf))
					bxInterval(col(c, k, di, erankOf)).put(mt, "erank_"+tag)
					mt["erank_"+tag+"_min"], mt["erank_"+tag+"_max"] = ldMinMax(col(c, k, di, erankOf))
					bxInterval(col(c, k, di, func(x ldRun) float64 { return x.nuclear })).put(mt, "nuclear_norm_"+tag)
					its := col(c, k, di, func(x ldRun) float64 { return float64(x.iterations) })
					mt["iterations_"+tag] = bxInterval(its).mean
					_, mt["iterations_"+tag+"_max"] = ldMinMax(its)
					hit := 0
					for s := range p.seeds {
						x := r.runs[s][c][k][di]
						total++
						switch x.reason {
						case algorithms.StopMaxIter:
							hit++
							maxIter++
						case algorithms.StopDiverged:
							diverged++
						}
						mt["trained_depth_for_depth"+fmt.Sprint(N)] = float64(x.trained)
						msBy[N] += x.ms
						lossMax = math.Max(lossMax, ldNaNHigh(x.loss))
						stepsBy[N] += float64(x.iterations)
					}
					mt["runs_max_iter_"+tag] = float64(hit)
				}
			}
			ldGeo(mt, "error_nuclear"+suffix, nucCol(c, func(x ldNuclear) float64 { return x.err }))
			_, mt["error_nuclear"+suffix+"_max"] = ldMinMax(nucCol(c, func(x ldNuclear) float64 { return x.err }))
			bxInterval(nucCol(c, func(x ldNuclear) float64 { return x.erank })).put(mt, "erank_nuclear"+suffix)
			mt["nuclear_norm_min_primal"+suffix] = bxInterval(nucCol(c, func(x ldNuclear) float64 { return x.primal })).mean
			below := make([]float64, p.seeds)
			for s := range below {
				below[s] = 1 - r.nuc[s][c].primal/r.inst[s][c].truthNuclear
			}
			mt["nuclear_norm_min_below_truth"+suffix] = bxInterval(below).mean
			mt["nuclear_norm_min_dual"+suffix] = bxInterval(nucCol(c, func(x ldNuclear) float64 { return x.dual })).mean
			_, mt["nuclear_gap_max"+suffix] = ldMinMax(nucCol(c, func(x ldNuclear) float64 { return x.gap }))
			_, mt["nuclear_rel_gap_max"+suffix] = ldMinMax(nucCol(c, func(x ldNuclear) float64 { return x.relGap }))
			mt["nuclear_iterations"+suffix] = bxInterval(nucCol(c, func(x ldNuclear) float64 { return float64(x.iterations) })).mean
			truthE, truthN := make([]float64, p.seeds), make([]float64, p.seeds)
			nucMS := 0.0
			for s := range p.seeds {
				truthE[s], truthN[s] = r.inst[s][c].truthErank, r.inst[s][c].truthNuclear
				nucMS += r.nuc[s][c].ms
			}
			mt["erank_truth"+suffix] = bxInterval(truthE).mean
			mt["nuclear_norm_truth"+suffix] = bxInterval(truthN).mean
			mt["timing_ms_per_nuclear_solve"+suffix] = nucMS / float64(p.seeds)
		}
		mt["runs_total"], mt["runs_max_iter"], mt["runs_diverged"] = float64(total), float64(maxIter), float64(diverged)
		mt["train_loss_final_max"] = lossMax
		for _, N := range p.depths {
			runs := 0
			for _, cs := range cases {
				runs += p.seeds * len(cs.scales)
			}
			mt[fmt.Sprintf("timing_ms_per_run_depth%d", N)] = msBy[N] / float64(runs)
			if stepsBy[N] > 0 {
				mt[fmt.Sprintf("timing_us_per_step_depth%d", N)] = 1000 * msBy[N] / stepsBy[N]
			}
		}

		// The claims, on the scarce case.
		nucErr := nucCol(0, func(x ldNuclear) float64 { return x.err })
		primal := nucCol(0, func(x ldNuclear) float64 { return x.primal })
		for k, s := range scales {
			sc := ldScaleName(s)
			for di, N := range p.depths {
				if N < 3 {
					continue
				}
				tag := fmt.Sprintf("depth%d_%s", N, sc)
				ldOrdering(&ev, "erank_diff_"+tag+"_vs_depth2", ldSub(col(0, k, di, erankOf), col(0, k, 0, erankOf)))
				ldOrdering(&ev, "log10_error_ratio_"+tag+"_vs_depth2", ldSub(ldLog10Floored(col(0, k, di, errOf)), ldLog10Floored(col(0, k, 0, errOf))))
				ldOrdering(&ev, "log10_error_ratio_"+tag+"_vs_nuclear", ldSub(ldLog10Floored(col(0, k, di, errOf)), ldLog10Floored(nucErr)))
				// Per seed, a certified fact: W′_N interpolates M on Ω exactly, and when its
				// nuclear norm exceeds Primal ≥ min ‖X‖_* it is not a minimiser. Judged under the
				// paper profile only (on small instances the nuclear norm recovers M on some draws, and there
				// both solutions are M); the seed with the smallest relative excess is judged (a
				// NaN first: it never passes).
				worst, worstRel := 0, math.Inf(1)
				for s := range p.seeds {
					rel := (r.runs[s][0][k][di].nuclearFeasible - primal[s]) / primal[s]
					if math.IsNaN(rel) {
						rel = math.Inf(-1)
					}
					if rel < worstRel {
						worst, worstRel = s, rel
					}
				}
				mt["nuclear_excess_rel_min_"+tag] = worstRel
				bxInterval(col(0, k, di, func(x ldRun) float64 { return x.nuclearFeasible })).put(mt, "nuclear_norm_interpolant_"+tag)
				if p.name == "paper" {
					ev.Add(Le(ClaimStep, -1, primal[worst], r.runs[worst][0][k][di].nuclearFeasible))
				}
			}
		}

		if p.name == "paper" {
			ldReproduce(&ev, p, cases, r)
		}
		mt["timing_ms_experiment"] = float64(time.Since(start).Milliseconds())
		return ev
	}
}

// ldReproduce adds the paper profile's reproduction bands, each on every single run.
func ldReproduce(ev *Evidence, p ldProfile, cases []ldCase, r *ldResults) {
	var deepErr, deepErank, d2Erank []float64
	for s := range p.seeds {
		for k := range cases[0].scales {
			for di, N := range p.depths {
				x := r.runs[s][0][k][di]
				switch {
				case N >= 3:
					deepErr, deepErank = append(deepErr, x.err), append(deepErank, x.erank)
				case cases[0].scales[k] == 1e-3:
					d2Erank = append(d2Erank, x.erank)
				}
			}
		}
	}
	_, hi := ldMinMax(deepErr)
	ev.Add(Le("reproduction: depth ≥ 3 error ≤ 1e-3, every run (paper 2–4e-5)", -1, hi, ldBandDeepErrorMax))
	lo, hi := ldMinMax(deepErank)
	ev.Add(Le("reproduction: depth ≥ 3 effective rank ≥ 4.5, every run (paper ≈ 4.95)", -1, ldBandDeepErankLo, lo))
	ev.Add(Le("reproduction: depth ≥ 3 effective rank ≤ 5.5, every run (paper ≈ 4.95)", -1, hi, ldBandDeepErankHi))
	if len(d2Erank) > 0 {
		lo, _ = ldMinMax(d2Erank)
		ev.Add(Le("reproduction: depth 2 effective rank ≥ 6 at init scale 1e-3, every run (paper 10.1, reference run 8.69)", -1, ldBandDepth2ErankMin, lo))
	}
	nucErr := make([]float64, p.seeds)
	for s := range nucErr {
		nucErr[s] = r.nuc[s][0].err
	}
	lo, hi = ldMinMax(nucErr)
	ev.Add(Le("reproduction: nuclear-norm error ≥ 1e-2 (fails to recover M), every seed", -1, ldBandNuclearErrorLo, lo))
	ev.Add(Le("reproduction: nuclear-norm error ≤ 3·0.11, every seed (paper ≈ 0.11)", -1, hi, ldBandNuclearErrorHi))
	mt := ev.Metrics
	mt["band_deep_error_max"], mt["band_deep_erank_lo"], mt["band_deep_erank_hi"] = ldBandDeepErrorMax, ldBandDeepErankLo, ldBandDeepErankHi
	mt["band_depth2_erank_min"], mt["band_nuclear_error_lo"], mt["band_nuclear_error_hi"] = ldBandDepth2ErankMin, ldBandNuclearErrorLo, ldBandNuclearErrorHi
	if len(cases) < 2 {
		return
	}
	worst := 0.0
	for s := range p.seeds {
		for _, x := range r.runs[s][1][0] {
			worst = math.Max(worst, ldNaNHigh(x.err))
		}
		worst = math.Max(worst, ldNaNHigh(r.nuc[s][1].err))
	}
	ev.Add(Le("reproduction: with 5000 entries every method's error ≤ 1e-3, every run (paper ≤ 9e-5)", -1, worst, ldBandAbundantErrorMax))
	mt["band_abundant_error_max"] = ldBandAbundantErrorMax
	mt["error_abundant_worst"] = worst
}

// ldNaNHigh maps NaN to +Inf so that a maximum over runs cannot hide it.
func ldNaNHigh(x float64) float64 {
	if math.IsNaN(x) {
		return math.Inf(1)
	}
	return x
}
