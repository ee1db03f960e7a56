package theorems

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// EGMethod is the signature of an exponentiated-gradient implementation on the simplex: run
// len(steps) steps θ_{t+1,i} ∝ θ_{t,i} exp(−η_t ∇f(θ_t)_i) from the probability vector x0 and
// return the trajectory with its log-weights. algorithms.ExponentiatedGradientLog is ours.
type EGMethod func(f algorithms.Objective, x0, steps []float64) *algorithms.EGTrajectory

// EGPlusMinusMethod is the signature of EG± on the ℓ1 ball of radius B: EG on the weights
// (w⁺, w⁻) ∈ Δ_2d from the uniform point, θ = B(w⁺ − w⁻), returning θ's trajectory with the
// log-weights of (w⁺, w⁻). algorithms.EGPlusMinus is ours.
type EGPlusMinusMethod func(f algorithms.Objective, B float64, steps []float64) *algorithms.EGTrajectory

// Sizes of the EG instances (inside THEOREMS §1's ranges; each step evaluates four KL
// divergences of up to 2d terms, each with an exp and a log).
const (
	egMaxN = 60
	egMaxD = 50
	egMaxT = 500
)

// The two variants of basic-inequality/eg (label "variant").
const (
	egSimplex   = "simplex"    // EG on Δ_d
	egPlusMinus = "plus-minus" // EG± on the ℓ1 ball of radius B
)

const egStatement = `C = Δ_d, ψ(θ) = Σ θ_i log θ_i, D_ψ = KL. Exponentiated gradient
θ_{t+1,i} ∝ θ_{t,i} exp(−η_t ∇f(θ_t)_i), f convex with ‖∇f(x) − ∇f(y)‖_∞ ≤ L₁‖x − y‖₁ on Δ_d,
0 < η_t ≤ 1/L₁, τ = Σ_{t<T} η_t. For every z ∈ Δ_d:

    f(θ_T) + KL(z‖θ_T)/τ  ≤  f(z) + KL(z‖θ_0)/τ

and with θ_0 uniform, f(θ_T) ≤ f(z) + log d/τ. EG± on the ℓ1 ball {‖θ‖₁ ≤ B}: θ = B(w⁺ − w⁻),
EG on (w⁺, w⁻) ∈ Δ_2d from the uniform point with constant B²L₁; for every ‖z‖₁ ≤ B and every
representation w_z of z, f(θ_T) + KL(w_z‖w_T)/τ ≤ f(z) + KL(w_z‖w_0)/τ, hence
f(θ_T) ≤ f(z) + log(2d)/τ.`

// egSteps are the proof steps of basic-inequality/eg in the order evidence lists them. For
// EG± every statement is about the weights w = (w⁺, w⁻) ∈ Δ_2d, with f(w) := f(B(w⁺ − w⁻))
// and gradient (B g, −B g).
var egSteps = []string{
	"step 0 feasibility: w_{t+1} ∈ Δ (the exponentiated log-weights sum to 1, none negative)",
	"step 0 log-weights match the iterate: θ_{t+1} = exp(log-weights) (EG±: θ_{t+1} = B(w⁺ − w⁻))",
	"step 1 three-point identity: KL(z‖w_t) − KL(z‖w_{t+1}) − KL(w_{t+1}‖w_t) = ⟨log w_{t+1} − log w_t, z − w_{t+1}⟩ (KL from log-weights)",
	"step 2 projection optimality: ⟨η_t g_t + log w_{t+1} − log w_t, z − w_{t+1}⟩ = 0 (the normaliser is constant across coordinates)",
	"step 2 Bregman form: η_t⟨g_t, w_{t+1} − z⟩ = KL(z‖w_t) − KL(z‖w_{t+1}) − KL(w_{t+1}‖w_t)",
	"step 3 relative smoothness: f(θ_{t+1}) ≤ f(θ_t) + ⟨g_t, w_{t+1} − w_t⟩ + L₁·KL(w_{t+1}‖w_t) (L₁ → B²L₁ for EG±)",
	"step 3 convexity: f(θ_t) ≤ f(z) + ⟨g_t, w_t − z⟩",
	"step 3 relative smoothness + convexity: f(θ_{t+1}) ≤ f(z) + ⟨g_t, w_{t+1} − z⟩ + L₁·KL(w_{t+1}‖w_t)",
	"step 4 per step: η_t(f(θ_{t+1}) − f(z)) ≤ KL(z‖w_t) − KL(z‖w_{t+1}) (uses η_t ≤ 1/L₁)",
	"step 5 monotonicity: f(θ_{t+1}) ≤ f(θ_t)",
	"step 6 telescoped sum: Σ_t η_t f(θ_{t+1}) − τ f(z) ≤ KL(z‖w_0) − KL(z‖w_T)",
	"step 7 monotonicity, summed: τ f(θ_T) ≤ Σ_t η_t f(θ_{t+1})",
	"claim: f(θ_T) + KL(z‖w_T)/τ ≤ f(z) + KL(z‖w_0)/τ",
	"claim (θ_0 uniform): f(θ_T) ≤ f(z) + log d/τ (log 2d for EG±)",
}

// BasicInequalityEG builds `basic-inequality/eg` on the given implementations of EG on the
// simplex and EG± on the ℓ1 ball, with explicit examples and negative controls. The variant is
// drawn (label "variant"); f is a GLM with a certified ℓ1→ℓ∞ constant L₁ = β·max_i‖x_i‖_∞²
// (LInfSmoothness: least squares β = 1, logistic β = 1/4, Huber β = 1). The schedules are
// drawn up to 1/L₁ (1/(B²L₁) for EG±) whatever the size of the steps: instances with small
// L₁ and large gradients take steps with η·|g| up to ~1e6, so weights underflow to exact
// zeros while their log-weights stay finite, and every KL is computed from the log-weights
// (algorithms.KLLog), never from the underflowed iterate.
func BasicInequalityEG(eg EGMethod, egpm EGPlusMinusMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/eg",
		Title:  "Exponentiated-gradient basic inequality (and EG±)",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f convex; ‖∇f(x) − ∇f(y)‖_∞ ≤ L₁‖x − y‖₁ with L₁ = β·max_i‖x_i‖_∞² certified (GLM with ℓ'' ≤ β), so f is L₁-smooth relative to the negative entropy (Pinsker)",
			"0 < η_t ≤ 1/L₁ (EG±: 1/(B²L₁)); steps may vary and may be huge",
			"θ_0 in the relative interior of Δ_d (drawn: uniform, or weights up to e^{−50} apart); EG± starts at θ_0 = 0 (uniform weights)",
			"z ∈ Δ_d (EG±: any weights w_z ∈ Δ_2d, z = B(w_z⁺ − w_z⁻)): drawn random, a vertex, the best vertex, θ_0, θ_T",
		},
		Statement:  egStatement,
		ProofSteps: egSteps,
		Tolerance:  DefaultTolerance,
		Property:   egProperty(eg, egpm, egPropertyOpts{}),
		Examples: []Example{
			{
				Name:        "uniform-start-to-vertex",
				Description: "f(θ) = ‖e_1 − θ‖²/6 (X = I_3, y = e_1, L₁ = 1), η = 1 for 5 steps from the uniform point, z = e_1",
				Run: func() Evidence {
					return egExample(eg, egpm, egSimplex, egIdentityLS(1, 1), 0, []float64{1, 1, 1, 1, 1}, []float64{1, 0, 0}, 1)
				},
			},
			{
				Name:        "huge-step-underflow",
				Description: "X = 1e-3·I_3, y = 1e3·e_1 (L₁ = 1e-6), η = 1/L₁ = 1e6 for 3 steps: θ_T = e_1 with exact zeros; z = e_2, whose KL(z‖θ_T) ≈ 1e6 is finite only in the log domain",
				Run: func() Evidence {
					return egExample(eg, egpm, egSimplex, egIdentityLS(1e-3, 1e3), 0, []float64{1e6, 1e6, 1e6}, []float64{0, 1, 0}, 1)
				},
			},
			{
				Name:        "plus-minus-vertex",
				Description: "EG± with B = 2 on f(θ) = ‖e_1 − θ‖²/6, η = 1/(B²L₁) = 1/4 for 10 steps, z = B·e_1 (w_z = e_1)",
				Run: func() Evidence {
					return egExample(eg, egpm, egPlusMinus, egIdentityLS(1, 1), 2, slices.Repeat([]float64{0.25}, 10), []float64{1, 0, 0, 0, 0, 0}, 1)
				},
			},
		},
	}
	th.Controls = []Control{
		{
			Name:        "step-above-1/L₁",
			Breaks:      BreaksHypothesis,
			Description: "steps with η_t·L₁ in (2, 20] (EG±: η_t·B²L₁), both variants",
			Examples: []Example{{
				Name:        "overshoot",
				Description: "f(θ) = (θ_1 − θ_2)²/2 (X = [1 −1], y = 0, L₁ = 1), θ_0 = (0.6, 0.4), η = 20: θ_1 jumps to the other vertex and f rises",
				Run: func() Evidence {
					f := egMustLS(mat.NewDense(1, 2, []float64{1, -1}), []float64{0})
					return egExampleFrom(eg, egpm, egSimplex, f, 0, []float64{0.6, 0.4}, []float64{20}, []float64{0.6, 0.4}, 1)
				},
			}},
			Property: egProperty(eg, egpm, egPropertyOpts{above: true}),
		},
		{
			Name:        "log-d-halved",
			Breaks:      BreaksConstant,
			Description: "the uniform-start claim with log d replaced by log d / 2 (log 2d / 2 for EG±)",
			Examples: []Example{{
				Name:        "nearly-linear-d=50",
				Description: "d = 50, n = 1, x = (0, 1, …, 1), y = −100 (L₁ = 1): f is nearly linear with e_1 best by ≈ 100; one step η = 0.035 from the uniform point; z = e_1",
				Run: func() Evidence {
					x := slices.Repeat([]float64{1}, 50)
					x[0] = 0
					f := egMustLS(mat.NewDense(1, 50, x), []float64{-100})
					z := make([]float64, 50)
					z[0] = 1
					return egExample(eg, egpm, egSimplex, f, 0, []float64{0.035}, z, 0.5)
				},
			}},
			Property: egProperty(eg, egpm, egPropertyOpts{logFactor: 0.5, uniform: true}),
		},
		{
			Name:        "eg-sign-flipped",
			Breaks:      BreaksAlgorithm,
			Description: "EG mutated to θ_{t+1,i} ∝ θ_{t,i} exp(+η_t g_{t,i}) (the implementation under test run on −∇f): exponentiated gradient ascent",
			Property: egProperty(
				func(f algorithms.Objective, x0, steps []float64) *algorithms.EGTrajectory {
					return eg(egNegatedGradient{f}, x0, steps)
				},
				func(f algorithms.Objective, B float64, steps []float64) *algorithms.EGTrajectory {
					return egpm(egNegatedGradient{f}, B, steps)
				}, egPropertyOpts{}),
		},
		{
			Name:        "eg-not-normalised",
			Breaks:      BreaksAlgorithm,
			Description: "EG mutated to skip the normalisation: log w_{t+1} = log w_t − η_t g_t, θ_{t+1} = exp(log w_{t+1}) (EG±: θ = B(w⁺ − w⁻) of the unnormalised weights)",
			Property:    egProperty(egUnnormalised, egPlusMinusUnnormalised, egPropertyOpts{}),
		},
	}
	return th
}

func init() {
	Register(BasicInequalityEG(algorithms.ExponentiatedGradientLog, algorithms.EGPlusMinus))
}

// egNegatedGradient is f with its gradient negated: EG run on it is EG with the sign of the
// exponent flipped (only Grad is used by EG).
type egNegatedGradient struct{ algorithms.Objective }

func (n egNegatedGradient) Grad(dst, x []float64) {
	n.Objective.Grad(dst, x)
	for i := range dst {
		dst[i] = -dst[i]
	}
}

// egUnnormalised is the mutant that never normalises: log w −= η g, θ = exp(log w).
func egUnnormalised(f algorithms.Objective, x0, steps []float64) *algorithms.EGTrajectory {
	d := len(x0)
	T := len(steps)
	tr := &algorithms.EGTrajectory{
		Trajectory:  &algorithms.Trajectory{Iterates: make([][]float64, T+1), Steps: slices.Clone(steps), GradEvals: T},
		LogIterates: make([][]float64, T+1),
	}
	lw := make([]float64, d)
	for i, v := range x0 {
		lw[i] = numeric.Log(v)
	}
	tr.Iterates[0], tr.LogIterates[0] = slices.Clone(x0), slices.Clone(lw)
	g := make([]float64, d)
	for t, eta := range steps {
		f.Grad(g, tr.Iterates[t])
		x := make([]float64, d)
		for i := range lw {
			lw[i] -= eta * g[i]
			x[i] = math.Exp(lw[i])
		}
		tr.Iterates[t+1], tr.LogIterates[t+1] = x, slices.Clone(lw)
	}
	return tr
}

// egPlusMinusUnnormalised is the EG± mutant that never normalises the weights.
func egPlusMinusUnnormalised(f algorithms.Objective, B float64, steps []float64) *algorithms.EGTrajectory {
	d := f.Dim()
	T := len(steps)
	tr := &algorithms.EGTrajectory{
		Trajectory:  &algorithms.Trajectory{Iterates: make([][]float64, T+1), Steps: slices.Clone(steps), GradEvals: T},
		LogIterates: make([][]float64, T+1),
	}
	lw := slices.Repeat([]float64{-math.Log(float64(2 * d))}, 2*d)
	tr.Iterates[0], tr.LogIterates[0] = make([]float64, d), slices.Clone(lw)
	g := make([]float64, d)
	for t, eta := range steps {
		f.Grad(g, tr.Iterates[t])
		th := make([]float64, d)
		for i := range g {
			lw[i] -= eta * B * g[i]
			lw[d+i] += eta * B * g[i]
			th[i] = B * (math.Exp(lw[i]) - math.Exp(lw[d+i]))
		}
		tr.Iterates[t+1], tr.LogIterates[t+1] = th, slices.Clone(lw)
	}
	return tr
}

// egMustLS builds a least-squares instance for explicit examples.
func egMustLS(X *mat.Dense, y []float64) *generators.LeastSquares {
	f, err := generators.NewLeastSquares(X, y)
	if err != nil {
		panic(err)
	}
	return f
}

// egIdentityLS is f(θ) = ‖y·e_1 − x·θ‖²/6: least squares with X = x·I_3 and y = y·e_1.
func egIdentityLS(x, y float64) *generators.LeastSquares {
	return egMustLS(mat.NewDense(3, 3, []float64{x, 0, 0, 0, x, 0, 0, 0, x}), []float64{y, 0, 0})
}

// egRun is one run in weight space: n weights (d for EG, 2d for EG±), their log-weights and
// values, and θ.
type egRun struct {
	variant string
	f       generators.Instance
	d, n    int
	B       float64 // radius for EG±, 0 for EG
	L1, L   float64 // f's ℓ1→ℓ∞ constant and the constant of the weight problem (B²L₁ for EG±)
	logW, W [][]float64
	theta   [][]float64
	T       int
}

// thetaOf maps weights to θ: the identity for EG, B(w⁺ − w⁻) for EG±.
func (r *egRun) thetaOf(w []float64) []float64 {
	if r.variant == egSimplex {
		return slices.Clone(w)
	}
	z := make([]float64, r.d)
	for i := range z {
		z[i] = r.B * (w[i] - w[r.d+i])
	}
	return z
}

// gradW writes the weight-space gradient at θ_t: g for EG, (B g, −B g) for EG±.
func (r *egRun) gradW(dst, g []float64, t int) {
	r.f.Grad(g, r.theta[t])
	if r.variant == egSimplex {
		copy(dst, g)
		return
	}
	for i, gi := range g {
		dst[i], dst[r.d+i] = r.B*gi, -r.B*gi
	}
}

// egNewRun runs the chosen variant and sets up the weight-space view.
func egNewRun(eg EGMethod, egpm EGPlusMinusMethod, variant string, f generators.Instance, B float64, x0, steps []float64) (*egRun, string) {
	l1src, ok := f.(interface{ LInfSmoothness() float64 })
	if !ok {
		panic("theorems: basic-inequality/eg needs an instance with LInfSmoothness")
	}
	d := f.Dim()
	r := &egRun{variant: variant, f: f, d: d, n: d, B: B, L1: l1src.LInfSmoothness(), T: len(steps)}
	r.L = r.L1
	var tr *algorithms.EGTrajectory
	if variant == egSimplex {
		tr = eg(f, x0, steps)
	} else {
		r.n = 2 * d
		r.L = numeric.MulUp(numeric.MulUp(B, B), r.L1)
		tr = egpm(f, B, steps)
	}
	if !(r.L >= 1e-100 && r.L <= 1e100) {
		return nil, fmt.Sprintf("L = %g outside [1e-100, 1e100]: steps ~1/L would near overflow or underflow", r.L)
	}
	if tr.T() != len(steps) || len(tr.LogIterates) != len(steps)+1 {
		return &egRun{T: -1}, ""
	}
	r.theta, r.logW = tr.Iterates, tr.LogIterates
	if variant == egSimplex {
		r.W = tr.Iterates
	} else {
		r.W = make([][]float64, len(tr.LogIterates))
		for t, lw := range tr.LogIterates {
			w := make([]float64, len(lw))
			for i, l := range lw {
				w[i] = math.Exp(l)
			}
			r.W[t] = w
		}
	}
	return r, ""
}

// egPropertyOpts selects what a property (theorem or control) draws and claims.
type egPropertyOpts struct {
	above     bool    // steps with η·L in (2, 20] (control)
	logFactor float64 // multiplies log n in the uniform-start claim (0 means 1)
	uniform   bool    // always start at the uniform point
}

func egExample(eg EGMethod, egpm EGPlusMinusMethod, variant string, f generators.Instance, B float64, steps, z []float64, logFactor float64) Evidence {
	var x0 []float64
	if variant == egSimplex {
		x0 = slices.Repeat([]float64{1 / float64(f.Dim())}, f.Dim())
	}
	return egExampleFrom(eg, egpm, variant, f, B, x0, steps, z, logFactor)
}

// egExampleFrom runs a fixed instance; z is the weight vector w_z.
func egExampleFrom(eg EGMethod, egpm EGPlusMinusMethod, variant string, f generators.Instance, B float64, x0, steps, z []float64, logFactor float64) Evidence {
	r, reason := egNewRun(eg, egpm, variant, f, B, x0, steps)
	if r == nil {
		panic("theorems: explicit example degenerate: " + reason)
	}
	uniform := variant == egPlusMinus || egIsUniform(x0)
	ev := egEvidenceFrom(r, steps, z, uniform, logFactor)
	start := fmt.Sprint(x0)
	if uniform {
		start = "uniform"
	}
	wz := fmt.Sprint(z)
	if len(z) > 8 {
		wz = fmt.Sprintf("vertex %d", slices.Index(z, 1))
		if slices.Index(z, 1) < 0 {
			wz = "(not printed)"
		}
	}
	ev.Instance = fmt.Sprintf("%v; variant %s%s; L₁ = %g, L = %g; θ_0 %s; steps %v; w_z = %s", f, variant, egRadius(B), r.L1, r.L, start, steps, wz)
	return ev
}

func egRadius(B float64) string {
	if B == 0 {
		return ""
	}
	return fmt.Sprintf(" (B = %g)", B)
}

func egIsUniform(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// egProperty draws the variant, a GLM, θ_0 (EG) or B (EG±), a horizon and a schedule, runs the
// method and returns the evidence for a drawn z.
func egProperty(eg EGMethod, egpm EGPlusMinusMethod, o egPropertyOpts) Property {
	if o.logFactor == 0 {
		o.logFactor = 1
	}
	return func(t *rapid.T) Evidence {
		variant := rapid.SampledFrom([]string{egSimplex, egPlusMinus}).Draw(t, "variant")
		var (
			f   generators.Instance
			err error
		)
		switch rapid.SampledFrom([]string{"least-squares", "logistic", "huber"}).Draw(t, "family") {
		case "least-squares":
			f, err = generators.DrawLeastSquares(t, egMaxN, egMaxD)
		case "logistic":
			f, err = generators.DrawLogistic(t, egMaxN, egMaxD)
		default:
			f, err = generators.DrawHuber(t, egMaxN, egMaxD)
		}
		if err != nil {
			return discard(err)
		}
		d := f.Dim()
		var (
			x0    []float64
			B     float64
			start = "uniform"
		)
		if variant == egSimplex {
			x0 = slices.Repeat([]float64{1 / float64(d)}, d)
			if !o.uniform && rapid.SampledFrom([]string{"uniform", "random"}).Draw(t, "theta0") == "random" {
				// θ_0 ∝ exp(−k·u_i), k ∈ {1, 10, 50}: interior points with weights up to e^{−50} apart.
				k := rapid.SampledFrom([]float64{1, 10, 50}).Draw(t, "theta0_log_spread")
				u := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, "theta0_unit")
				lw := make([]float64, d)
				for i := range lw {
					lw[i] = -k * u[i]
				}
				algorithms.NormaliseLogWeights(lw, x0)
				start = "random"
			}
		} else {
			// B at the ℓ1 scale of a fitting θ: ThetaScale·10^k, k ∈ [−1, 2].
			B = generators.ThetaScale(f) * math.Pow10(rapid.IntRange(-1, 2).Draw(t, "log10_radius"))
		}
		L := f.(interface{ LInfSmoothness() float64 }).LInfSmoothness()
		if variant == egPlusMinus {
			L = numeric.MulUp(numeric.MulUp(B, B), L)
		}
		if !(L >= 1e-100 && L <= 1e100) {
			return Discarded(fmt.Sprintf("L = %g outside [1e-100, 1e100]: steps ~1/L would near overflow or underflow", L))
		}
		T := generators.DrawHorizon(t, egMaxT)
		var (
			steps []float64
			sched string
		)
		if o.above {
			steps, sched = generators.DrawStepsInRange(t, T, L, 2, 20), "η·L in (2, 20]"
		} else {
			steps, sched = generators.DrawSchedule(t, T, L)
		}
		r, reason := egNewRun(eg, egpm, variant, f, B, x0, steps)
		if r == nil {
			return Discarded(reason)
		}
		var z []float64
		zkind := "trajectory of the wrong length"
		if r.T == T {
			z, zkind = egDrawZ(t, r)
		}
		ev := egEvidenceFrom(r, steps, z, start == "uniform", o.logFactor)
		ev.Instance = fmt.Sprintf("%v; variant %s%s; θ_0 %s; L₁ = %g, L = %g; T = %d; schedule %s; z = %s", f, variant, egRadius(B), start, r.L1, r.L, T, sched, zkind)
		if r.n <= 6 && z != nil {
			ev.Instance += fmt.Sprintf(" %v", z)
		}
		ev.Metrics = map[string]float64{"d": float64(d), "T": float64(T)}
		if r.T == T {
			ev.Metrics["underflowed_weights"] = float64(egUnderflowed(r.W[T], r.logW[T]))
		}
		return ev
	}
}

// egUnderflowed counts weights that are exactly 0 while their log-weight is finite.
func egUnderflowed(w, lw []float64) int {
	n := 0
	for i, v := range w {
		if v == 0 && !math.IsInf(lw[i], -1) {
			n++
		}
	}
	return n
}

// egDrawZ draws weights w_z ∈ Δ_n ("reference"): random, a vertex, the best vertex (the
// tightest choice for the log n claim), w_0 or w_T.
func egDrawZ(t *rapid.T, r *egRun) ([]float64, string) {
	n := r.n
	switch kind := rapid.SampledFrom([]string{"random", "vertex", "best-vertex", "theta0", "thetaT"}).Draw(t, "reference"); kind {
	case "theta0":
		return slices.Clone(r.W[0]), kind
	case "thetaT":
		return slices.Clone(r.W[r.T]), kind
	case "vertex":
		z := make([]float64, n)
		z[rapid.IntRange(0, n-1).Draw(t, "vertex")] = 1
		return z, kind
	case "best-vertex":
		best, bestF := 0, math.Inf(1)
		z := make([]float64, n)
		for j := range z {
			z[j] = 1
			if v := r.f.Value(r.thetaOf(z)); v < bestF {
				best, bestF = j, v
			}
			z[j] = 0
		}
		z[best] = 1
		return z, kind
	}
	w := rapid.SliceOfN(rapid.Float64Range(0, 1), n, n).Draw(t, "z_weights")
	s := numeric.Sum(w)
	if s == 0 {
		w[0], s = 1, 1
	}
	for i := range w {
		w[i] /= s
	}
	return w, "random"
}

// egEvidenceFrom checks every proof step in weight space. KL divergences are computed from
// the log-weights (KLLog), gradients and values from θ; the schedule is the one the method
// was given. uniform says θ_0 is the uniform point (then the log n claim is checked too,
// with log n multiplied by logFactor: 1 for the theorem, ½ for its control).
func egEvidenceFrom(r *egRun, steps, z []float64, uniform bool, logFactor float64) Evidence {
	T := len(steps)
	ev := Evidence{Horizon: T}
	if q, bad := lengthMismatch(r.T, T); bad {
		ev.Add(q)
		return ev
	}
	n, f := r.n, r.f
	simplex, err := algorithms.NewNegEntropy(n)
	if err != nil {
		panic(err)
	}
	g := make([]float64, r.d)
	gw := make([]float64, n)
	etaG := make([]float64, n)
	zt := r.thetaOf(z)
	fz, sz := value(f, zt)
	var sumEtaF, sumEtaFScale, optScale float64
	for t := 0; t < T; t++ {
		x, y, lx, ly, eta := r.W[t], r.W[t+1], r.logW[t], r.logW[t+1], steps[t]
		ev.Add(Le("step 0 feasibility", t, simplex.Feasibility(y), 0))
		// Consistency of θ_{t+1} with its log-weights: exp(l) carries a relative error
		// ε(1 + |l|), so the scale weighs each weight by 1 + |l|.
		var mis, misScale float64
		if r.variant == egSimplex {
			for i, l := range ly {
				e := math.Exp(l)
				mis += math.Abs(y[i] - e)
				misScale += (math.Abs(y[i]) + e) * (1 + math.Abs(l))
			}
		} else {
			th := r.theta[t+1]
			for i := 0; i < r.d; i++ {
				mis += math.Abs(th[i] - r.B*(y[i]-y[r.d+i]))
				misScale += r.B * ((y[i] + y[r.d+i]) * (1 + math.Abs(ly[i]) + math.Abs(ly[r.d+i])))
			}
		}
		ev.Add(Eq("step 0 log-weights match the iterate", t, mis, 0, misScale))

		r.gradW(gw, g, t)
		fx, sx := value(f, r.theta[t])
		fy, sy := value(f, r.theta[t+1])
		kzx, kzy, kyx := algorithms.KLLog(z, lx), algorithms.KLLog(z, ly), algorithms.KLLog(y, lx)
		var tp, tpScale, opt, oScale float64
		for i := 0; i < n; i++ {
			dz := z[i] - y[i]
			w := math.Abs(z[i]) + math.Abs(y[i])
			if w == 0 {
				continue // both weights 0: the term is 0 whatever the (finite) log-weights
			}
			v := eta*gw[i] + ly[i] - lx[i]
			tp += (ly[i] - lx[i]) * dz
			tpScale += (math.Abs(ly[i]) + math.Abs(lx[i])) * w
			opt += v * dz
			oScale += (eta*math.Abs(gw[i]) + math.Abs(ly[i]) + math.Abs(lx[i]) + math.Abs(v)) * w
		}
		kl := kzx - kzy - kyx
		klScale := kzx + kzy + kyx
		// η_t g_t is formed first, as the method forms it (η⟨g, ·⟩ could underflow in ⟨g, ·⟩
		// and have the lost digits multiplied by a huge η).
		for i, gi := range gw {
			etaG[i] = eta * gi
		}
		egyz, egyzScale := dotDiff(etaG, y, z)
		ev.Add(
			Eq("step 1 three-point identity", t, kl, tp, klScale, tpScale),
			Eq("step 2 projection optimality", t, 0, opt, oScale),
			Eq("step 2 Bregman form", t, egyz, kl, egyzScale, klScale, oScale),
		)
		gyz, gyzScale := dotDiff(gw, y, z)
		gyx, gyxScale := dotDiff(gw, y, x)
		gxz, gxzScale := dotDiff(gw, x, z)
		L := r.L
		ev.Add(
			Le("step 3 relative smoothness", t, fy, fx+gyx+L*kyx, sy, sx, gyxScale, L*kyx),
			Le("step 3 convexity", t, fx, fz+gxz, sx, sz, gxzScale),
			Le("step 3 relative smoothness + convexity", t, fy, fz+gyz+L*kyx, sy, sz, gyzScale, L*kyx),
			Le("step 4 per step", t, eta*(fy-fz), kzx-kzy, eta*sy, eta*sz, kzx, kzy, oScale),
			Le("step 5 monotonicity", t, fy, fx, sy, sx, gyxScale),
		)
		sumEtaF += eta * fy
		sumEtaFScale += eta * sy
		optScale += oScale
	}
	tau := numeric.Sum(steps)
	fT, sT := value(f, r.theta[T])
	k0, kT := algorithms.KLLog(z, r.logW[0]), algorithms.KLLog(z, r.logW[T])
	ev.Add(
		Le("step 6 telescoped sum", -1, sumEtaF-tau*fz, k0-kT, sumEtaFScale, tau*sz, k0, kT, optScale),
		Le("step 7 monotonicity, summed", -1, tau*fT, sumEtaF, tau*sT, sumEtaFScale),
		Le(ClaimStep, -1, fT+kT/tau, fz+k0/tau, sT, kT/tau, sz, k0/tau, optScale/tau),
	)
	if uniform {
		logn := logFactor * math.Log(float64(n))
		ev.Add(Le(ClaimStep, -1, fT, fz+logn/tau, sT, sz, logn/tau, optScale/tau))
	}
	return ev
}
