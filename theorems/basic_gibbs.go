package theorems

import (
	"fmt"
	"math"
	"slices"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// GibbsEGMethod is the signature of exponentiated gradient on distributions over a finite
// hypothesis set: from the prior, one multiplicative update q ← q·e^{−η_t L̂}/Z per step, returning
// q_T and log q_T. algorithms.EGDistributions is ours.
type GibbsEGMethod func(prior, losses, steps []float64) (q, logq []float64)

// Sizes of the Gibbs instances: |H| ≤ 50 hypotheses, T ≤ 30 steps.
const (
	gibbsMaxH = 50
	gibbsMaxT = 30
)

const gibbsStatement = `Finite hypothesis set H, prior q_0 (a distribution), empirical losses L̂(h), and the Gibbs
posterior q_T ∝ q_0 e^{−τL̂}, which exponentiated gradient on distributions over H reaches from
q_0 with Σ_t η_t = τ for any positive steps (the risk q ↦ E_q L̂ is linear, so it is 0-smooth
relative to the entropy and no step is too large). For every distribution p on H:

    E_{q_T}L̂ + KL(q_T‖q_0)/τ + KL(p‖q_T)/τ  =  E_p L̂ + KL(p‖q_0)/τ

The basic inequality holds with equality: q_T minimises E_q L̂ + KL(q‖q_0)/τ (Donsker–Varadhan).`

// gibbsSteps are the proof steps of basic-inequality/gibbs in the order evidence lists them.
var gibbsSteps = []string{
	"step 0 q_T is a distribution (Σ q_T = 1, q_T ≥ 0)",
	"step 0 log q_T matches q_T: q_T(h) = exp(log q_T(h))",
	"step 1 EG reaches the Gibbs posterior: log q_T(h) = log q_0(h) − τL̂(h) − log Z, Z = Σ_h q_0(h)e^{−τL̂(h)} (algorithms.GibbsPosterior), for every h, in the log domain",
	"step 2 KL to the prior: KL(q_T‖q_0) = −τ E_{q_T}L̂ − log Z (uses Σ q_0 = 1)",
	"step 3 change of reference: KL(p‖q_0) − KL(p‖q_T) = −τ E_p L̂ − log Z (for each p)",
	"claim: E_{q_T}L̂ + KL(q_T‖q_0)/τ + KL(p‖q_T)/τ = E_p L̂ + KL(p‖q_0)/τ (for each p: random, a point mass, q_0, q_T)",
}

// gibbsIdentity builds the conclusion for one p from E_{q_T}L̂, E_pL̂, KL(q_T‖q_0), KL(p‖q_T),
// KL(p‖q_0) and τ; scale is the magnitude of the terms behind them.
type gibbsIdentity func(eq, ep, kq0, kpq, kp0, tau, scale float64) Inequality

func gibbsClaim(eq, ep, kq0, kpq, kp0, tau, scale float64) Inequality {
	q := Eq(ClaimStep, -1, eq+kq0/tau+kpq/tau, ep+kp0/tau)
	q.Scale = scale
	return q
}

// gibbsClaimDropped is the constant control: the identity without KL(p‖q_T)/τ.
func gibbsClaimDropped(eq, ep, kq0, kpq, kp0, tau, scale float64) Inequality {
	q := Eq(ClaimStep, -1, eq+kq0/tau, ep+kp0/tau)
	q.Scale = scale
	return q
}

// BasicInequalityGibbs builds `basic-inequality/gibbs` on the given implementation of EG on
// distributions, with explicit examples and negative controls. Instances come from
// generators.DrawGibbsProblem (priors spanning up to 300 orders of magnitude, losses at scales
// 1e-3 to 1e3); the steps are any positive numbers from 1e-3 to 1e5 each, so τL̂ reaches
// ~1e9 and q_T has entries that underflow to exact zeros with finite log-weights: every KL is
// computed from logarithms (algorithms.KLLog).
func BasicInequalityGibbs(eg GibbsEGMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/gibbs",
		Title:  "Gibbs-posterior identity for randomised predictors",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"H finite; q_0 a distribution on H (Σ q_0 = 1, drawn strictly positive); L̂(h) finite",
			"EG on distributions from q_0 with any steps η_t > 0, τ = Σ_t η_t (no step-size condition: the risk is linear)",
			"p any distribution on H (drawn: random, a point mass, q_0, q_T)",
		},
		Statement:  gibbsStatement,
		ProofSteps: gibbsSteps,
		Tolerance:  DefaultTolerance,
		Property:   gibbsProperty(eg, 1, gibbsClaim),
		Examples: []Example{
			{
				Name:        "two-hypotheses",
				Description: "q_0 = (½, ½), L̂ = (0, 1), steps (1, 1): q_T = (1, e^{−2})/(1 + e^{−2})",
				Run: func() Evidence {
					return gibbsExample(eg, []float64{0.5, 0.5}, []float64{0, 1}, []float64{1, 1}, gibbsClaim)
				},
			},
			{
				Name:        "underflowed-posterior",
				Description: "q_0 = (½, ½), L̂ = (0, 1000), steps (1e6): q_T = (1, 0) exactly, log q_T(2) = −1e9; KL(δ_2‖q_T) = 1e9 is finite in the log domain",
				Run: func() Evidence {
					return gibbsExample(eg, []float64{0.5, 0.5}, []float64{0, 1000}, []float64{1e6}, gibbsClaim)
				},
			},
		},
	}
	th.Controls = []Control{
		{
			Name:        "KL(p‖q_T)-dropped",
			Breaks:      BreaksConstant,
			Description: "the identity without the term KL(p‖q_T)/τ on the left",
			Examples: []Example{{
				Name:        "two-hypotheses",
				Description: "q_0 = (½, ½), L̂ = (0, 1), steps (1, 1), p a point mass on the worse hypothesis",
				Run: func() Evidence {
					return gibbsExample(eg, []float64{0.5, 0.5}, []float64{0, 1}, []float64{1, 1}, gibbsClaimDropped)
				},
			}},
			Property: gibbsProperty(eg, 1, gibbsClaimDropped),
		},
		{
			Name:        "eg-last-step-skipped",
			Breaks:      BreaksAlgorithm,
			Description: "EG on distributions mutated to skip its last step, so that the steps it takes sum to τ − η_{T−1}",
			Examples: []Example{{
				Name:        "two-hypotheses",
				Description: "q_0 = (½, ½), L̂ = (0, 1), steps (1, 1): the mutant returns q ∝ (1, e^{−1})",
				Run: func() Evidence {
					return gibbsExample(gibbsLastStepSkipped(eg), []float64{0.5, 0.5}, []float64{0, 1}, []float64{1, 1}, gibbsClaim)
				},
			}},
			Property: gibbsProperty(gibbsLastStepSkipped(eg), 1, gibbsClaim),
		},
		{
			Name:        "prior-not-normalised",
			Breaks:      BreaksHypothesis,
			Description: "the prior scaled by c = 10^k, k ∈ {−2, −1, 1, 2}, and used as q_0 throughout (the algorithm normalises it, the identity's terms do not)",
			Examples: []Example{{
				Name:        "two-hypotheses-mass-10",
				Description: "q_0 = (5, 5) (mass 10), L̂ = (0, 1), steps (1, 1)",
				Run: func() Evidence {
					return gibbsExample(eg, []float64{5, 5}, []float64{0, 1}, []float64{1, 1}, gibbsClaim)
				},
			}},
			Property: gibbsProperty(eg, 0, gibbsClaim),
		},
	}
	return th
}

func init() { Register(BasicInequalityGibbs(algorithms.EGDistributions)) }

// gibbsLastStepSkipped is the mutant that drops the last step (for T = 1 it returns q_0).
func gibbsLastStepSkipped(eg GibbsEGMethod) GibbsEGMethod {
	return func(prior, losses, steps []float64) ([]float64, []float64) {
		return eg(prior, losses, steps[:len(steps)-1])
	}
}

// gibbsProperty draws a problem, steps and p's, runs eg and returns the evidence. mass is the
// prior's total mass: 1 for the theorem; 0 draws c = 10^k, k ∈ {−2, −1, 1, 2} (the control).
func gibbsProperty(eg GibbsEGMethod, mass float64, claim gibbsIdentity) Property {
	return func(t *rapid.T) Evidence {
		prior, losses, err := generators.DrawGibbsProblem(t, gibbsMaxH)
		if err != nil {
			return discard(err)
		}
		if mass == 0 {
			c := math.Pow10(rapid.SampledFrom([]int{-2, -1, 1, 2}).Draw(t, "log10_prior_mass"))
			for i := range prior {
				prior[i] *= c
			}
		}
		m := len(prior)
		T := generators.DrawHorizon(t, gibbsMaxT)
		// η_t = u_t·10^{k_t}, u_t ∈ [1, 10), k_t ∈ [−3, 4]: any positive steps, of any size.
		u := rapid.SliceOfN(rapid.Float64Range(1, 10), T, T).Draw(t, "step_mantissa")
		k := rapid.SliceOfN(rapid.IntRange(-3, 4), T, T).Draw(t, "step_log10")
		steps := make([]float64, T)
		for i := range steps {
			steps[i] = u[i] * math.Pow10(k[i])
		}
		// p: a random distribution ("p_weights"; all zero falls back to δ_0) and a point mass
		// ("point_mass"); q_0 and q_T are added by gibbsEvidence.
		w := rapid.SliceOfN(rapid.Float64Range(0, 1), m, m).Draw(t, "p_weights")
		s := numeric.Sum(w)
		if s == 0 {
			w[0], s = 1, 1
		}
		for i := range w {
			w[i] /= s
		}
		h := rapid.IntRange(0, m-1).Draw(t, "point_mass")
		ev := gibbsEvidence(eg, prior, losses, steps, w, h, claim)
		ev.Instance = fmt.Sprintf("|H| = %d; %s", m, ev.Instance)
		if m > 6 {
			ev.Instance = fmt.Sprintf("|H| = %d, prior mass %.17g, losses in [%g, %g], T = %d, τ = %g; p checked in order: random, point mass at h = %d, q_0, q_T",
				m, numeric.Sum(prior), slices.Min(losses), slices.Max(losses), T, numeric.Sum(steps), h)
		}
		ev.Metrics = map[string]float64{"hypotheses": float64(m), "T": float64(T), "log10_tau": math.Log10(numeric.Sum(steps))}
		return ev
	}
}

// gibbsExample runs a fixed instance with p = a uniform random-like point (the midpoint of
// the simplex), the point mass on the last hypothesis, q_0 and q_T.
func gibbsExample(eg GibbsEGMethod, prior, losses, steps []float64, claim gibbsIdentity) Evidence {
	m := len(prior)
	p := slices.Repeat([]float64{1 / float64(m)}, m)
	return gibbsEvidence(eg, prior, losses, steps, p, m-1, claim)
}

// gibbsEvidence checks every step for the given instance and the four p's.
func gibbsEvidence(eg GibbsEGMethod, prior, losses, steps, pRandom []float64, h int, claim gibbsIdentity) Evidence {
	m := len(prior)
	T := len(steps)
	ev := Evidence{Horizon: T}
	ev.Instance = fmt.Sprintf("prior %v; losses %v; steps %v; p checked in order: random %v, point mass at h = %d, q_0, q_T", prior, losses, steps, pRandom, h)
	q, logq := eg(slices.Clone(prior), slices.Clone(losses), slices.Clone(steps))
	if len(q) != m || len(logq) != m {
		ev.Add(Eq("output length", -1, float64(len(q)), float64(m)))
		return ev
	}
	tau := numeric.Sum(steps)
	_, logqs := algorithms.GibbsPosterior(prior, losses, tau)
	minL, maxL := slices.Min(losses), slices.Max(losses)

	simplex, err := algorithms.NewNegEntropy(m)
	if err != nil {
		panic(err)
	}
	ev.Add(Le("step 0 q_T is a distribution", -1, simplex.Feasibility(q), 0))
	var mis, misScale float64
	for i, l := range logq {
		e := math.Exp(l)
		mis += math.Abs(q[i] - e)
		misScale += (math.Abs(q[i]) + e) * (1 + math.Abs(l))
	}
	ev.Add(Eq("step 0 log q_T matches q_T", -1, mis, 0, misScale))

	logq0 := make([]float64, m)
	for i, p := range prior {
		logq0[i] = numeric.Log(p)
	}
	// Step 1: the accumulated rounding of T log-domain updates is ~T·ε times the log-weights
	// and the exponents τ(L̂ − min L̂) involved (the tolerance's per-step term covers T).
	for i := range logq {
		ev.Add(Eq(fmt.Sprintf("step 1 EG reaches the Gibbs posterior (h = %d)", i), -1, logq[i], logqs[i],
			logq[i], logqs[i], logq0[i], tau*(maxL-minL)))
	}

	// log Z = −τ min L̂ + log Σ_h q_0(h) e^{−τ(L̂(h) − min L̂)}, by log-sum-exp after the maximum.
	a := make([]float64, m)
	amax := math.Inf(-1)
	for i := range a {
		a[i] = logq0[i] - tau*(losses[i]-minL)
		amax = math.Max(amax, a[i])
	}
	var se float64
	for _, v := range a {
		se += math.Exp(v - amax)
	}
	logZ := amax + math.Log(se) - tau*minL
	logZScale := math.Abs(amax) + math.Log(se) + tau*math.Abs(minL) + tau*(maxL-minL)

	// expect returns E_p L̂ and Σ_h p_h|L̂(h)|; mass returns Σ p.
	expect := func(p []float64) (e, s float64) {
		for i, pi := range p {
			e += pi * losses[i]
			s += math.Abs(pi * losses[i])
		}
		return e, s
	}
	eq, eqScale := expect(q)
	kq0 := algorithms.KLLog(q, logq0)
	// The generalised KL Σ[p log(p/q) − p + q] carries the masses Σp + Σq as terms.
	massQ, massQ0 := numeric.Sum(q), numeric.Sum(prior)
	ev.Add(Eq("step 2 KL to the prior", -1, kq0, -tau*eq-logZ, kq0, massQ, massQ0, tau*eqScale, logZScale))

	point := make([]float64, m)
	point[h] = 1
	for _, p := range [][]float64{pRandom, point, prior, q} {
		ep, epScale := expect(p)
		kpq := algorithms.KLLog(p, logq)
		kp0 := algorithms.KLLog(p, logq0)
		massP := numeric.Sum(p)
		ev.Add(Eq("step 3 change of reference", -1, kp0-kpq, -tau*ep-logZ, kp0, kpq, 2*massP, massQ, massQ0, tau*epScale, logZScale))
		// The KLs are accurate relative to their terms, but log q_T itself carries the
		// rounding of T log-domain updates, ~T·ε·τ(max L̂ − min L̂), which reaches the claim
		// divided by τ: logZScale/τ holds that magnitude (the per-step tolerance covers T).
		klTerms := kq0 + kpq + kp0 + 2*massP + 2*massQ + 2*massQ0
		ev.Add(claim(eq, ep, kq0, kpq, kp0, tau, eqScale+epScale+(klTerms+logZScale)/tau))
	}
	return ev
}
