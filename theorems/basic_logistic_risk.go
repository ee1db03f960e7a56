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
	"github.com/implicitreg/verify/internal/stats"
)

// Sizes of the logistic risk instances: n ≤ 30, d ≤ 10, T ≤ 100, and lgrDraws label vectors
// per instance for the Monte Carlo estimate of E avgKL(θ_T).
const (
	lgrMaxN  = 30
	lgrMaxD  = 10
	lgrMaxT  = 100
	lgrDraws = 128
	// lgrLevel: the claim is one-sided at stats.LevelPerInstance (a violation only when the
	// lower confidence bound of E avgKL(θ_T) exceeds the bound).
	lgrLevel = stats.LevelPerInstance
)

const lgrStatement = `For labels y_i ~ Bernoulli(σ(x_iᵀθ*)) drawn independently, a fixed design with ‖x_i‖ ≤ R, the
logistic loss f(θ) = (1/n)Σ_i [log(1 + exp(x_iᵀθ)) − y_i x_iᵀθ] and GD from θ_0 = 0 with
deterministic steps 0 < η_t ≤ 1/L (L = λ_max(XᵀX)/(4n)), τ = Σ_{t<T} η_t, v = Xᵀ(y − σ(Xθ*))/n and
avgKL(θ) = (1/n)Σ_i KL(Bern(σ(x_iᵀθ*)) ‖ Bern(σ(x_iᵀθ))):

    f(θ) − f(θ*) = avgKL(θ) − ⟨v, θ − θ*⟩                       (identity, every θ)
    avgKL(θ_T) ≤ (τ/2)‖v‖² + ‖θ*‖²/(2τ)                          (every label vector)
    E avgKL(θ_T) ≤ τR²/(8n) + ‖θ*‖²/(2τ)                         (in expectation)`

// lgrSteps are the proof steps of basic-inequality/logistic-risk in evidence order. Steps 1–5
// are checked on every label draw (their names carry "(label draw k)").
var lgrSteps = []string{
	"step 1 basic inequality at z = θ*: f(θ_T) + ‖θ_T − θ*‖²/(2τ) ≤ f(θ*) + ‖θ*‖²/(2τ) (exact, on each label draw)",
	"step 2 identity: f(θ_T) − f(θ*) = avgKL(θ_T) − ⟨v, θ_T − θ*⟩ (exact, on each label draw)",
	"step 3 combined (1 + 2): avgKL(θ_T) + ‖Δ‖²/(2τ) ≤ ⟨v, Δ⟩ + ‖θ*‖²/(2τ), Δ = θ_T − θ* (exact, on each label draw)",
	"step 4 Young: ⟨v, Δ⟩ ≤ (τ/2)‖v‖² + ‖Δ‖²/(2τ) (exact, on each label draw)",
	"step 5 pathwise: avgKL(θ_T) ≤ (τ/2)‖v‖² + ‖θ*‖²/(2τ) (exact, on each label draw)",
	"step 6 noise level: E‖v‖² = (1/n²)Σ_i σ(x_iᵀθ*)σ(−x_iᵀθ*)‖x_i‖² ≤ R²/(4n) (closed form)",
	fmt.Sprintf("claim: E avgKL(θ_T) ≤ τR²/(8n) + ‖θ*‖²/(2τ) (Monte Carlo over %d label draws: the lower confidence bound at level %.0e against the bound)", lgrDraws, lgrLevel),
}

// lgrOptions selects the variant a property checks: the theorem or a control.
type lgrOptions struct {
	// identitySign is the sign of ⟨v, θ − θ*⟩ in step 2: −1 in the theorem.
	identitySign float64
	// claimDen is the denominator c in τR²/(c·n): 8 in the theorem.
	claimDen float64
	// labels draws the labels in {0, 1} given the margins x_iᵀθ*; nil draws them from the
	// model, y_i ~ Bernoulli(σ(x_iᵀθ*)).
	labels func(rng *rand.Rand, margins []float64, y []float64)
}

var lgrTheorem = lgrOptions{identitySign: -1, claimDen: 8}

// BasicInequalityLogisticRisk builds `basic-inequality/logistic-risk` on the given
// gradient-descent implementation, with its explicit example and negative controls.
func BasicInequalityLogisticRisk(gd GDMethod) *Theorem {
	flipped := lgrTheorem
	flipped.identitySign = +1
	tenth := lgrTheorem
	tenth.claimDen = 80
	bayes := lgrTheorem
	bayes.labels = lgrBayesLabels
	th := &Theorem{
		ID:     "basic-inequality/logistic-risk",
		Title:  "Early-stopped GD risk bound for logistic regression",
		Kind:   Statistical,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"labels y_i ∈ {0, 1} drawn independently, y_i ~ Bernoulli(σ(x_iᵀθ*)) (the generators' ±1 labels are 2y_i − 1)",
			"fixed design with ‖x_i‖ ≤ R (R certified, rounded up)",
			"GD on the logistic loss from θ_0 = 0 with deterministic steps 0 < η_t ≤ 1/L, L = λ_max(XᵀX)/(4n) certified",
			fmt.Sprintf("n ≤ %d, d ≤ %d, T ≤ %d; identity and pathwise steps exact on each of %d label draws; the expectation by Monte Carlo over those draws, one-sided at level %.0e", lgrMaxN, lgrMaxD, lgrMaxT, lgrDraws, lgrLevel),
		},
		Statement:  lgrStatement,
		ProofSteps: lgrSteps,
		Tolerance:  DefaultTolerance,
		Property:   lgrProperty(gd, lgrTheorem, lgrDrawSchedule),
		Examples: []Example{{
			Name:        "fair-coins",
			Description: "θ* = 0 (every label a fair coin) with unit rows x_i = e_1, n = 4, R = 1, T = 5, η = 1/L: E‖v‖² = R²/(4n) exactly (step 6 holds with equality)",
			Run: func() Evidence {
				X := mat.NewDense(4, 2, []float64{1, 0, 1, 0, 1, 0, 1, 0})
				L := 0.25 // λ_max(XᵀX)/(4n) = 4/16
				steps := []float64{1 / L, 1 / L, 1 / L, 1 / L, 1 / L}
				return lgrFixed(gd, X, []float64{0, 0}, 1, steps, 1, lgrTheorem)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "identity-sign-flipped",
			Breaks:      BreaksConstant,
			Description: "step 2 with +⟨v, θ − θ*⟩: wrong whenever the labels' noise v is not orthogonal to θ_T − θ*",
			Property:    lgrProperty(gd, flipped, lgrDrawSchedule),
		},
		{
			Name:        "claim-with-τR²/(80n)",
			Breaks:      BreaksConstant,
			Description: "the expectation bound with τR²/(80n) instead of τR²/(8n): E avgKL(θ_T) exceeds it once GD has fit the label noise",
			Examples: []Example{{
				Name:        "one-row",
				Description: "x = 1 (n = d = 1, R = 1, L = ¼), θ* = 1, one step η = 1/L = 4: θ_1 = ±2, E avgKL(θ_1) ≈ 0.33 against 4/80 + 1/8 = 0.175 (and 4/8 + 1/8 = 0.625 for the true bound)",
				Run: func() Evidence {
					return lgrFixed(gd, mat.NewDense(1, 1, []float64{1}), []float64{1}, 1, []float64{4}, 1, tenth)
				},
			}},
			Property: lgrProperty(gd, tenth, lgrDrawSchedule),
		},
		{
			Name:        "steps-in-(1,2]/L",
			Breaks:      BreaksHypothesis,
			Description: "steps drawn with η_t·L in (1, 2]: near θ = 0 the loss is curved up to L along the top direction, and the basic inequality at z = θ* (step 1) fails",
			Examples: []Example{{
				Name:        "overshoot",
				Description: "x = 1 (n = d = 1, L = ¼), θ* = 1, one step η = 2/L = 8: θ_1 = ±4 overshoots, and step 1 fails whichever the label",
				Run: func() Evidence {
					return lgrFixed(gd, mat.NewDense(1, 1, []float64{1}), []float64{1}, 1, []float64{8}, 1, lgrTheorem)
				},
			}},
			Property: lgrProperty(gd, lgrTheorem, func(t *rapid.T, T int, L float64) ([]float64, string) {
				return generators.DrawStepsInRange(t, T, L, 1, 2), "η·L in (1, 2]"
			}),
		},
		{
			Name:        "labels-not-from-the-model",
			Breaks:      BreaksHypothesis,
			Description: "labels set by the Bayes rule y_i = 1{x_iᵀθ* ≥ 0} instead of drawn from Bernoulli(σ(x_iᵀθ*)): E v ≠ 0, GD chases the deterministic labels and avgKL to the model outgrows the bound (the identity and the pathwise steps hold for any labels; the claim fails — on the explicit example always, on random draws in about half of the 100-check runs)",
			Examples: []Example{{
				Name:        "three-equal-rows",
				Description: "x_i = 1 (n = 3, d = 1, R = 1), θ* = ½, every label 1, one step η = 1/L = 4: avgKL(θ_1) = KL(σ(½) ‖ σ(2)) ≈ 0.219 > τR²/(8n) + ‖θ*‖²/(2τ) = 1/6 + 1/32 ≈ 0.198",
				Run: func() Evidence {
					return lgrFixed(gd, mat.NewDense(3, 1, []float64{1, 1, 1}), []float64{0.5}, 1, []float64{4}, 1, bayes)
				},
			}},
			Property: lgrProperty(gd, bayes, lgrDrawSchedule),
		},
	}
	return th
}

func init() { Register(BasicInequalityLogisticRisk(algorithms.GradientDescent)) }

func lgrDrawSchedule(t *rapid.T, T int, L float64) ([]float64, string) {
	return generators.DrawSchedule(t, T, L)
}

// lgrModelLabels draws y_i ~ Bernoulli(σ(m_i)).
func lgrModelLabels(rng *rand.Rand, margins []float64, y []float64) {
	for i, m := range margins {
		y[i] = 0
		if rng.Float64() < numeric.Sigmoid(m) {
			y[i] = 1
		}
	}
}

// lgrBayesLabels sets y_i = 1{m_i ≥ 0} (the control: labels not drawn from the model).
func lgrBayesLabels(_ *rand.Rand, margins []float64, y []float64) {
	for i, m := range margins {
		y[i] = 0
		if m >= 0 {
			y[i] = 1
		}
	}
}

// lgrProperty draws a logistic model, a horizon, a schedule and a seed for the label draws,
// and returns the evidence.
func lgrProperty(gd GDMethod, opt lgrOptions, schedule func(*rapid.T, int, float64) ([]float64, string)) Property {
	return func(t *rapid.T) Evidence {
		X, star, R, err := generators.DrawLogisticModel(t, lgrMaxN, lgrMaxD)
		if err != nil {
			return discard(err)
		}
		n, _ := X.Dims()
		ones := make([]float64, n)
		for i := range ones {
			ones[i] = 1
		}
		// L = λ_max(XᵀX)/(4n) does not depend on the labels: certified once here.
		base, err := generators.NewLogistic(X, ones)
		if err != nil {
			return discard(err)
		}
		T := generators.DrawHorizon(t, lgrMaxT)
		steps, kind := schedule(t, T, base.Smoothness())
		seed := rapid.Uint64().Draw(t, "label_seed")
		ev := lgrEvidence(gd, X, star, R, steps, seed, opt)
		if ev.Discard == "" {
			ev.Instance = fmt.Sprintf("%s; θ* = %v; R = %g; T = %d; schedule %s; steps %s; %d label draws, seed %d", lgrDescribe(X), star, R, T, kind, lgrSteps3(steps), lgrDraws, seed)
		}
		return ev
	}
}

// lgrModel holds what every label draw shares: rows, margins m*_i = x_iᵀθ*, p*_i = σ(m*_i).
type lgrModel struct {
	X           *mat.Dense
	rows        [][]float64
	star        []float64
	mstar       []float64
	n, d        int
	starScale   float64 // (1/n)Σ_i |x_i|ᵀ|θ*|
	sigmaStar   []float64
	sigmaStarNg []float64 // σ(−m*_i), computed directly (not 1 − σ(m*_i))
}

func newLgrModel(X *mat.Dense, star []float64) *lgrModel {
	n, d := X.Dims()
	m := &lgrModel{X: X, star: star, n: n, d: d}
	for i := 0; i < n; i++ {
		r := X.RawRowView(i)[:d:d]
		m.rows = append(m.rows, r)
		ms := numeric.Dot(r, star)
		m.mstar = append(m.mstar, ms)
		m.sigmaStar = append(m.sigmaStar, numeric.Sigmoid(ms))
		m.sigmaStarNg = append(m.sigmaStarNg, numeric.Sigmoid(-ms))
	}
	m.starScale = m.marginScale(star)
	return m
}

// marginScale returns (1/n)Σ_i |x_i|ᵀ|θ|: a margin's rounding error is O(d·ε) of it, and it
// reaches a loss or KL term through a derivative of magnitude at most 1.
func (m *lgrModel) marginScale(theta []float64) float64 {
	terms := make([]float64, m.n)
	for i, r := range m.rows {
		for j, v := range r {
			terms[i] += math.Abs(v) * math.Abs(theta[j])
		}
	}
	return numeric.Sum(terms) / float64(m.n)
}

// avgKL returns (1/n)Σ_i KL(Bern(σ(m*_i)) ‖ Bern(σ(m_i))) and the magnitude of its terms,
// with KL = σ(m*)(s(−m) − s(−m*)) + σ(−m*)(s(m) − s(m*)), s(u) = log(1 + eᵘ): each
// log-probability is a softplus, computed without overflow, and the weights σ(±m*) are never
// formed as 1 − σ.
func (m *lgrModel) avgKL(theta []float64) (kl, scale float64) {
	terms, scales := make([]float64, m.n), make([]float64, m.n)
	for i, r := range m.rows {
		mi := numeric.Dot(r, theta)
		ms := m.mstar[i]
		a, b := numeric.Log1pExp(-mi), numeric.Log1pExp(-ms)
		c, e := numeric.Log1pExp(mi), numeric.Log1pExp(ms)
		terms[i] = m.sigmaStar[i]*(a-b) + m.sigmaStarNg[i]*(c-e)
		scales[i] = m.sigmaStar[i]*(a+b) + m.sigmaStarNg[i]*(c+e)
	}
	nf := float64(m.n)
	return numeric.Sum(terms) / nf, numeric.Sum(scales)/nf + m.marginScale(theta) + m.starScale
}

// lgrEvidence draws lgrDraws label vectors (PCG seeded with seed), runs gd on each, checks
// the identity and the pathwise steps on every draw, the closed-form noise level, and the
// Monte Carlo claim.
func lgrEvidence(gd GDMethod, X *mat.Dense, star []float64, R float64, steps []float64, seed uint64, opt lgrOptions) Evidence {
	mod := newLgrModel(X, star)
	n, d := mod.n, mod.d
	nf := float64(n)
	T := len(steps)
	tau := numeric.Sum(steps)
	if !(tau > 0) || math.IsInf(tau, 0) {
		return Discarded("τ not positive and finite")
	}
	ev := Evidence{Horizon: T}
	star2 := numeric.Norm2Sq(star)
	rng := rand.New(rand.NewPCG(seed, 0x10915))
	labels := opt.labels
	if labels == nil {
		labels = lgrModelLabels
	}
	y, s, res := make([]float64, n), make([]float64, n), make([]float64, n)
	kls := make([]float64, lgrDraws)
	var vsq []float64
	for k := 0; k < lgrDraws; k++ {
		label := fmt.Sprintf(" (label draw %d)", k)
		labels(rng, mod.mstar, y)
		for i := range y {
			s[i] = 2*y[i] - 1
			// y_i − σ(m*_i) without cancellation: σ(−m*) for y = 1, −σ(m*) for y = 0.
			if y[i] == 1 {
				res[i] = mod.sigmaStarNg[i]
			} else {
				res[i] = -mod.sigmaStar[i]
			}
		}
		f, err := generators.NewLogistic(X, s)
		if err != nil {
			return discard(err)
		}
		tr := gd(f, make([]float64, d), steps)
		if q, bad := lengthMismatch(tr.T(), T); bad {
			ev.Add(q)
			return ev
		}
		thT := tr.Final()
		fT, sT := value(f, thT)
		fS, sS := value(f, star)
		sT += mod.marginScale(thT)
		sS += mod.starScale
		delta := make([]float64, d)
		numeric.SubTo(delta, thT, star)
		dd := numeric.Norm2Sq(delta)
		var vv mat.VecDense
		vv.MulVec(X.T(), mat.NewVecDense(n, res))
		vv.ScaleVec(1/nf, &vv)
		v := vv.RawVector().Data
		vd, vdS := dotDiff(v, thT, star)
		v2 := numeric.Norm2Sq(v)
		kl, klS := mod.avgKL(thT)
		kls[k] = kl
		vsq = append(vsq, v2)
		// Rounding of θ_T and θ* in ‖Δ‖²: 2‖Δ‖(‖θ_T‖ + ‖θ*‖).
		rep := 2 * math.Sqrt(dd) * (numeric.Norm2(thT) + numeric.Norm2(star))
		ev.Add(
			Le("step 1 basic inequality at z = θ*"+label, -1, fT+dd/(2*tau), fS+star2/(2*tau), sT, dd/(2*tau), sS, star2/(2*tau), rep/(2*tau)),
			Eq("step 2 identity"+label, -1, fT-fS, kl+opt.identitySign*vd, sT, sS, klS, vdS),
			Le("step 3 combined"+label, -1, kl+dd/(2*tau), vd+star2/(2*tau), klS, dd/(2*tau), vdS, star2/(2*tau), rep/(2*tau)),
			Le("step 4 Young"+label, -1, vd, tau/2*v2+dd/(2*tau), vdS, tau/2*v2, dd/(2*tau), rep/(2*tau)),
			Le("step 5 pathwise"+label, -1, kl, tau/2*v2+star2/(2*tau), klS, tau/2*v2, star2/(2*tau)),
		)
	}
	// Step 6: E‖v‖² = (1/n²)Σ_i Var(y_i)‖x_i‖² (independent labels), Var(y_i) = σ(m*)σ(−m*) ≤ ¼.
	terms := make([]float64, n)
	for i, r := range mod.rows {
		terms[i] = mod.sigmaStar[i] * mod.sigmaStarNg[i] * numeric.Norm2Sq(r)
	}
	ev2 := numeric.Sum(terms) / (nf * nf)
	ev.Add(Le("step 6 noise level", -1, ev2, R*R/(4*nf)))

	// Claim: sample mean and standard error of avgKL(θ_T) over the label draws.
	mean := numeric.Sum(kls) / float64(lgrDraws)
	var top float64
	dev := make([]float64, lgrDraws)
	for k, x := range kls {
		dev[k] = x - mean
		top = math.Max(top, math.Abs(dev[k]))
	}
	se := 0.0
	if top > 0 {
		for k := range dev {
			dev[k] = (dev[k] / top) * (dev[k] / top)
		}
		se = top * math.Sqrt(numeric.Sum(dev)/float64(lgrDraws-1)/float64(lgrDraws))
	}
	zq := stats.Quantile(lgrLevel) // one-sided
	bound := tau*R*R/(opt.claimDen*nf) + star2/(2*tau)
	var klScale float64
	for _, x := range kls {
		klScale += math.Abs(x)
	}
	klScale /= float64(lgrDraws)
	ev.Add(Le(ClaimStep, -1, mean-zq*se, bound, klScale, tau*R*R/(opt.claimDen*nf), star2/(2*tau)))
	if reason := underflowDecides(&ev, n*d+T, riskAmplification(tau)); reason != "" {
		return Discarded(reason)
	}
	ev.Metrics = map[string]float64{
		"avg_kl_estimate": mean,
		"avg_kl_lower":    mean - zq*se,
		"avg_kl_upper":    mean + zq*se,
		"bound":           bound,
		"bound_ratio":     mean / bound,
		"v2_mean":         numeric.Sum(vsq) / float64(len(vsq)),
		"v2_expected":     ev2,
		"tau":             tau,
	}
	return ev
}

func lgrDescribe(X *mat.Dense) string {
	n, d := X.Dims()
	if n*d <= 32 {
		return fmt.Sprintf("X = %v (n=%d, d=%d)", mat.Formatted(X, mat.FormatPython()), n, d)
	}
	var top float64
	for i := 0; i < n; i++ {
		top = math.Max(top, numeric.NormInf(X.RawRowView(i)[:d]))
	}
	return fmt.Sprintf("X %d×%d, max|X_ij| = %g (not printed)", n, d, top)
}

func lgrSteps3(steps []float64) string {
	if len(steps) <= 3 {
		return fmt.Sprint(steps)
	}
	return fmt.Sprintf("[%g %g … %g]", steps[0], steps[1], steps[len(steps)-1])
}

// lgrFixed builds evidence on a fixed instance (explicit examples).
func lgrFixed(gd GDMethod, X *mat.Dense, star []float64, R float64, steps []float64, seed uint64, opt lgrOptions) Evidence {
	ev := lgrEvidence(gd, X, star, R, steps, seed, opt)
	ev.Instance = fmt.Sprintf("%s; θ* = %v; R = %g; steps %v; %d label draws, seed %d", lgrDescribe(X), star, R, steps, lgrDraws, seed)
	return ev
}
