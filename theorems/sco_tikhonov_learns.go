package theorems

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const scoTikhonovStatement = `Sanity check for sco/rerm-fails: when every sample loss is convex, Tikhonov RERM learns, so no
check may find "RERM fails for every R" there. On the per-sample-convex instances
  SSSS09   f(w; α) = ‖α ⊙ w‖, α ~ Bernoulli(½)^d, F* = 0 at 0   (Shalev-Shwartz, Shamir, Srebro,
           Sridharan, COLT 2009; recalled in papers/sco.md §4.1)
  Feldman  f(w; V) = max{½, max_{j∈V} w_j}, V ∋ j w.p. ½, F* = ½ at 0   (Feldman, NeurIPS 2016, with
           the orthogonal set {e_j}; papers/sco.md §4.2)
on the unit ball: unregularised ERM with adversarial tie-breaking fails — when some coordinate j is
never observed (probability 1 − (1 − 2^{−n})^d), e_j is an empirical minimiser with excess ½
(SSSS09) or ¼ (Feldman) — while RERM with λ‖w‖², λ > 0, returns 0 (F_S ≥ F_S(0) and λ‖w‖² > 0 for
w ≠ 0), so its excess is 0; in particular it is ≤ √8·LB/√n (L = B = 1), the stability bound of
Tikhonov RERM with λ = √(2L²/(B²n)) (Shalev-Shwartz and Ben-David, Cor. 13.8, recalled).
Checked by rapid on d ≤ 8, n ≤ 5, λ ∈ {0.01, …, 1}·10^k (k ∈ [−2, 1]) or √(2/n): per-sample convexity
(midpoint), the exact F (formula against the average over all 2^d patterns), ERM's failure on E,
P(E) by enumeration (nd ≤ 12), optimality of 0 for RERM (Φ(w) ≥ Φ(0) + λ‖w‖²), and a numerical
RERM solution ŵ (multi-start local search) whose excess is bounded through its optimisation gap,
F(ŵ) − F* ≤ L·√((Φ(ŵ) − Φ(0))/λ), and by √8/√n. Source: DERIVED (papers/sco.md §2.1(a), §5, §7).`

var scoTikhonovSteps = []string{
	"step 1 per-sample convexity: f((x + y)/2; z) ≤ (f(x; z) + f(y; z))/2",
	"step 2 exact population risk: F(w) = the average of f(w; z) over all 2^d patterns",
	"step 3 ERM fails on E: F_S(e_j) = F_S(0) = min F_S and F(e_j) − F* = ½ (SSSS09) or ¼ (Feldman)",
	"step 4 P(E) = 1 − (1 − 2^{−n})^d (enumeration, nd ≤ 12)",
	"step 5 RERM returns 0: Φ(w) ≥ Φ(0) + λ‖w‖² for Φ = F_S + λ‖w‖²",
	"step 6 the numerical RERM solution is not better than 0: Φ(0) ≤ Φ(ŵ)",
	"claim: F(ŵ) − F* ≤ L·√((Φ(ŵ) − Φ(0))/λ) and F(ŵ) − F* ≤ √8·LB/√n",
}

// scoTikhonovOptions selects the variant: the theorem or a control.
type scoTikhonovOptions struct {
	// claimFailure asserts what sco/rerm-fails asserts for its own family — RERM's excess on
	// E is at least ERM's (½ or ¼) — on these per-sample-convex instances (a control).
	claimFailure bool
}

// SCOTikhonovLearns builds sco/tikhonov-learns on the given numerical RERM method
// (algorithms.SCOMultiStartRERM is ours).
func SCOTikhonovLearns(scoRERM SCOLocalRERMMethod) *Theorem {
	th := &Theorem{
		ID:     "sco/tikhonov-learns",
		Title:  "Sanity check: Tikhonov RERM learns per-sample-convex instances",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperSCO,
		Hypotheses: []string{
			"every f(·; z) convex and 1-Lipschitz on the unit ball (SSSS09, Feldman with orthogonal e_j); d ≤ 8, n ≤ 5",
			"RERM = minimiser of F_S + λ‖w‖², λ > 0; ERM with adversarial tie-breaking",
		},
		Statement:  scoTikhonovStatement,
		ProofSteps: scoTikhonovSteps,
		Tolerance:  DefaultTolerance,
		Property:   scoTikhonovProperty(scoRERM, scoTikhonovOptions{}),
		Examples: []Example{{
			Name:        "SSSS09-unobserved",
			Description: "SSSS09, d = 3, n = 2, patterns (1,0,0), (0,1,0): coordinate 3 is never observed; λ = 1",
			Run: func() Evidence {
				return scoTikhonovEvidence(scoRERM, false, 3, [][]bool{{true, false, false}, {false, true, false}}, 1, []float64{0.3, -0.2, 0.5}, []float64{1, 0, 0}, []float64{0, 0, 1}, scoTikhonovOptions{})
			},
		}},
	}
	th.Controls = []Control{{
		Name:   "convex-instance-claimed-to-defeat-every-R",
		Breaks: BreaksConstant,
		Description: "a per-sample-convex instance claimed to defeat every R: the claim that RERM's excess on E is at least ERM's " +
			"(½ or ¼), as sco/rerm-fails claims for its own family — caught, Tikhonov RERM returns 0",
		Examples: []Example{{
			Name:        "SSSS09-unobserved",
			Description: "SSSS09, d = 3, n = 2, coordinate 3 unobserved, λ = 1: RERM's excess 0 < ½",
			Run: func() Evidence {
				return scoTikhonovEvidence(scoRERM, false, 3, [][]bool{{true, false, false}, {false, true, false}}, 1, []float64{0.3, -0.2, 0.5}, []float64{1, 0, 0}, []float64{0, 0, 1}, scoTikhonovOptions{claimFailure: true})
			},
		}},
		Property: scoTikhonovProperty(scoRERM, scoTikhonovOptions{claimFailure: true}),
	}}
	return th
}

func init() { Register(SCOTikhonovLearns(algorithms.SCOMultiStartRERM)) }

func scoTikhonovProperty(scoRERM SCOLocalRERMMethod, opt scoTikhonovOptions) Property {
	return func(t *rapid.T) Evidence {
		feldman := rapid.Bool().Draw(t, "feldman")
		d := rapid.IntRange(1, 8).Draw(t, "d")
		n := rapid.IntRange(1, 5).Draw(t, "n")
		S := generators.DrawSCOPatterns(t, n, d)
		var lam float64
		if rapid.Bool().Draw(t, "lambda_uml") {
			lam = math.Sqrt(2 / float64(n))
		} else {
			lam = float64(rapid.IntRange(1, 100).Draw(t, "lambda_percent")) / 100 * math.Pow10(rapid.IntRange(-2, 1).Draw(t, "lambda_log10"))
		}
		w := scoDrawBall(t, "w", d)
		x := scoDrawBall(t, "x", d)
		y := scoDrawBall(t, "y", d)
		return scoTikhonovEvidence(scoRERM, feldman, d, S, lam, w, x, y, opt)
	}
}

// scoTikhonovLoss is the instance's loss, F, F_S, F* and the failure excess of ERM.
type scoTikhonovLoss struct {
	name      string
	loss      func(w []float64, z []bool) float64
	risk      func(w []float64) float64
	emp       func(w []float64, S [][]bool) float64
	minRisk   float64
	ermExcess float64
}

func scoTikhonovInstance(feldman bool, d int) scoTikhonovLoss {
	if feldman {
		in := generators.SCOFeldman{D: d}
		return scoTikhonovLoss{"Feldman", in.Loss, in.Risk, in.EmpiricalRisk, in.MinRisk(), 0.25}
	}
	in := generators.SCOSSSS09{D: d}
	return scoTikhonovLoss{"SSSS09", in.Loss, in.Risk, in.EmpiricalRisk, in.MinRisk(), 0.5}
}

func scoTikhonovEvidence(scoRERM SCOLocalRERMMethod, feldman bool, d int, S [][]bool, lam float64, w, x, y []float64, opt scoTikhonovOptions) Evidence {
	inst := scoTikhonovInstance(feldman, d)
	n := len(S)
	ev := Evidence{Metrics: map[string]float64{}}
	ev.Instance = fmt.Sprintf("%s, d = %d, n = %d, patterns %v, λ = %s; w = %v, x = %v, y = %v", inst.name, d, n, S, scoFmt(lam), w, x, y)

	// Step 1: convexity of the first sample's loss.
	z := S[0]
	m := make([]float64, d)
	for i := range m {
		m[i] = (x[i] + y[i]) / 2
	}
	fx, fy, fm := inst.loss(x, z), inst.loss(y, z), inst.loss(m, z)
	ev.Add(Le("step 1 per-sample convexity", -1, fm, (fx+fy)/2, fm, fx, fy))

	// Step 2: F against the average over all 2^d patterns.
	enum := 0.0
	pat := make([]bool, d)
	for k := 0; k < 1<<d; k++ {
		for j := range pat {
			pat[j] = k>>j&1 == 1
		}
		enum += inst.loss(w, pat)
	}
	enum = math.Ldexp(enum, -d)
	fw := inst.risk(w)
	ev.Add(Eq("step 2 exact population risk", -1, fw, enum, fw, enum))

	// Step 3: ERM fails on E.
	zero := make([]float64, d)
	un := generators.SCOUnobserved(S)
	ev.Metrics["bad_event"] = 0
	if len(un) > 0 {
		ev.Metrics["bad_event"] = 1
		ej := make([]float64, d)
		ej[un[0]] = 1
		fs0, fsj, fsw := inst.emp(zero, S), inst.emp(ej, S), inst.emp(w, S)
		ev.Add(
			Eq("step 3 ERM fails on E: F_S(e_j) = F_S(0)", -1, fsj, fs0, fsj, fs0),
			Le("step 3 ERM fails on E: F_S(0) ≤ F_S(w)", -1, fs0, fsw, fs0, fsw),
			Eq("step 3 ERM fails on E: F(e_j) − F*", -1, inst.risk(ej)-inst.minRisk, inst.ermExcess, inst.risk(ej), inst.minRisk),
		)
	}

	// Step 4: P(E) by enumeration.
	if n*d <= 12 {
		got := scoEnumerateBadEvent(n, d) // a column of 0 bits: never observed
		want := generators.SCOBadEventProb(n, d)
		ev.Add(Eq("step 4 P(E)", -1, got, want, got, want))
	}

	// Step 5: 0 is the RERM solution.
	phi := func(v []float64) float64 { return inst.emp(v, S) + lam*numeric.Norm2Sq(v) }
	p0, pw := phi(zero), phi(w)
	rw := lam * numeric.Norm2Sq(w)
	ev.Add(Le("step 5 RERM returns 0: Φ(0) + λ‖w‖² ≤ Φ(w)", -1, p0+rw, pw, p0, rw, pw))

	// Step 6 and the claim: numerical RERM.
	res := scoRERM(phi, d, algorithms.SCOLocalSearchOptions{Starts: 4, Seed: uint64(d*131 + n), RandomDirs: d, MinStep: 1e-9})
	ph := res.Value
	scale := math.Abs(p0) + math.Abs(ph) + inst.emp(res.Best, S)
	ev.Add(Le("step 6 numerical RERM not better than 0", -1, p0, ph, scale))
	excess := inst.risk(res.Best) - inst.minRisk
	gap := math.Max(0, ph-p0)
	// Rounding of Φ at the two points leaves the gap known to about 2^-40·scale: the bound
	// F(ŵ) − F* ≤ ‖ŵ‖ ≤ √(gap/λ) is taken with that slack on the gap.
	gapSlack := 0x1p-40 * scale
	rhs := math.Sqrt((gap + gapSlack) / lam)
	ev.Add(Le(ClaimStep, -1, excess, rhs, math.Abs(excess), rhs))
	uml := math.Sqrt(8 / float64(n))
	ev.Add(Le(ClaimStep, -1, excess, uml, math.Abs(excess), uml))
	if opt.claimFailure && len(un) > 0 {
		ev.Add(Le(ClaimStep, -1, inst.ermExcess, excess, inst.ermExcess, math.Abs(excess)))
	}
	ev.Metrics["rerm_excess"] = excess
	ev.Metrics["rerm_norm"] = math.Sqrt(numeric.Norm2Sq(res.Best))
	return ev
}
