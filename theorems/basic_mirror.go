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

// MDMethod is the signature of a mirror-descent implementation: run len(steps) steps
// θ_{t+1} = argmin_{θ∈C} η_t⟨∇f(θ_t), θ⟩ + D_ψ(θ, θ_t) from x0 with the map psi (which carries
// C) and return the trajectory. algorithms.MirrorDescent is ours; a user's own implementation
// is checked with BasicInequalityMirrorDescent(theirs).
type MDMethod func(f algorithms.Objective, psi algorithms.MirrorMap, x0, steps []float64) *algorithms.Trajectory

// Sizes of the mirror-descent instances (inside THEOREMS §1's ranges, d ≤ 50 and T ≤ 500,
// chosen so that 100 checks plus the controls take a few seconds: every step evaluates five
// Bregman divergences, which for ½‖·‖_p² cost 2d powers each).
const (
	mdMaxN = 60
	mdMaxD = 50
	mdMaxT = 500
)

// The mirror maps of THEOREMS §1, as drawn (label "mirror_map").
const (
	mdEuclidean   = "euclidean"           // ½‖x‖² on R^d: gradient descent
	mdBox         = "euclidean-box"       // ½‖x‖² on [lo, hi]^d: projected GD
	mdBall        = "euclidean-ball"      // ½‖x‖² on {‖x‖ ≤ r}: projected GD
	mdMahalanobis = "mahalanobis"         // ½xᵀMx on R^d: preconditioned GD
	mdSimplex     = "neg-entropy-simplex" // Σ x log x on Δ_d: exponentiated gradient
	mdEntropyBox  = "entropy-box"         // Σ (x log x − x) on [a, b]^d ⊂ (0, ∞)^d
	mdPNorm       = "p-norm"              // ½‖x‖_p² on R^d, p ∈ (1, 2]
)

var (
	mdAllMaps         = []string{mdEuclidean, mdBox, mdBall, mdMahalanobis, mdSimplex, mdEntropyBox, mdPNorm}
	mdConstrainedMaps = []string{mdBox, mdBall, mdSimplex, mdEntropyBox}
)

// mdSimplexLogFloor is the smallest log-weight a simplex iterate may reach, so that no weight
// underflows: θ_{t+1,i} ≥ θ_{t,i}·e^{−2η_t G} with G ≥ max_t ‖∇f(θ_t)‖_∞ (the normaliser is
// at most e^{−η min_j g_j}), hence θ_T,i ≥ θ_0,i·e^{−2Gτ}. Steps are scaled so that
// 2Gτ ≤ 660 + log min_i θ_0,i, keeping every weight above e^{−660} ≈ 1e-287, a normal number
// (θ_0 is drawn with min_i θ_0,i ≥ e^{−50}/d, so 2Gτ may reach about 600).
const mdSimplexLogFloor = 660

const mdStatement = `ψ a Legendre mirror map, C closed convex, D_ψ(x, y) = ψ(x) − ψ(y) − ⟨∇ψ(y), x − y⟩.
Mirror descent θ_{t+1} = argmin_{θ∈C} η_t⟨∇f(θ_t), θ⟩ + D_ψ(θ, θ_t) (mirror step, then Bregman
projection), f convex on C and L-smooth relative to ψ, 0 < η_t ≤ 1/L, τ = Σ_{t<T} η_t.
For every z ∈ C:

    f(θ_T) + D_ψ(z, θ_T)/τ  ≤  f(z) + D_ψ(z, θ_0)/τ

With ψ = ½‖·‖² and C = R^d this is basic-inequality/gd; on a convex C it is projected GD.`

// mdSteps are the proof steps of basic-inequality/mirror-descent in the order evidence lists
// them (steps 0–5 for every t, then the sums and the claim).
var mdSteps = []string{
	"step 0 feasibility: θ_{t+1} ∈ C (the map's Feasibility(θ_{t+1}) ≤ 0; catches a skipped projection)",
	"step 1 three-point identity: D(z,θ_t) − D(z,θ_{t+1}) − D(θ_{t+1},θ_t) = ⟨∇ψ(θ_{t+1}) − ∇ψ(θ_t), z − θ_{t+1}⟩",
	"step 2 projection optimality: ⟨η_t g_t + ∇ψ(θ_{t+1}) − ∇ψ(θ_t), z − θ_{t+1}⟩ ≥ 0 (= 0 when the projection is inactive, C = R^d, or C = Δ_d)",
	"step 2 Bregman form: η_t⟨g_t, θ_{t+1} − z⟩ ≤ D(z,θ_t) − D(z,θ_{t+1}) − D(θ_{t+1},θ_t) (steps 1 + 2; an equality whenever step 2 is)",
	"step 3 relative smoothness: f(θ_{t+1}) ≤ f(θ_t) + ⟨g_t, θ_{t+1} − θ_t⟩ + L·D(θ_{t+1},θ_t)",
	"step 3 convexity: f(θ_t) ≤ f(z) + ⟨g_t, θ_t − z⟩",
	"step 3 relative smoothness + convexity: f(θ_{t+1}) ≤ f(z) + ⟨g_t, θ_{t+1} − z⟩ + L·D(θ_{t+1},θ_t)",
	"step 4 per step: η_t(f(θ_{t+1}) − f(z)) ≤ D(z,θ_t) − D(z,θ_{t+1}) (uses η_t ≤ 1/L)",
	"step 5 monotonicity: f(θ_{t+1}) ≤ f(θ_t) (step 4 with z = θ_t)",
	"step 6 telescoped sum: Σ_t η_t f(θ_{t+1}) − τ f(z) ≤ D(z,θ_0) − D(z,θ_T)",
	"step 7 monotonicity, summed: τ f(θ_T) ≤ Σ_t η_t f(θ_{t+1})",
	"claim: f(θ_T) + D(z,θ_T)/τ ≤ f(z) + D(z,θ_0)/τ",
}

// BasicInequalityMirrorDescent builds `basic-inequality/mirror-descent` on the given
// mirror-descent implementation, with its explicit examples and negative controls.
//
// Every mirror map of THEOREMS §1 is drawn (label "mirror_map"), each with L = L'/μ, μ the
// map's certified strong-convexity constant (StrongConvexity) and L' the instance's certified
// smoothness in the matching norm:
//
//   - euclidean, euclidean-box, euclidean-ball (μ = 1, ℓ2), mahalanobis (μ = certified
//     λ_min(M), ℓ2), entropy-box on [a, b]^d (μ = 1/b, ℓ2): L' = Smoothness(), the spectral
//     bound ‖∇f(x) − ∇f(y)‖₂ ≤ L'‖x − y‖₂.
//   - half-sq-lp, ψ = ½‖x‖_p², p ∈ (1, 2] (μ = p − 1 w.r.t. ‖·‖_p): gradients are measured in
//     the dual norm ‖·‖_q, q = p/(p − 1) ≥ 2, and ‖v‖_q ≤ ‖v‖₂ ≤ ‖v‖_p for q ≥ 2 ≥ p, so
//     ‖∇f(x) − ∇f(y)‖_q ≤ ‖∇f(x) − ∇f(y)‖₂ ≤ L₂‖x − y‖₂ ≤ L₂‖x − y‖_p: L' = L₂ = Smoothness().
//   - neg-entropy-simplex (μ = 1 w.r.t. ℓ1, Pinsker): L' = LInfSmoothness(), the GLM's
//     ℓ1→ℓ∞ constant β·max_i‖x_i‖_∞² (least squares, logistic, Huber are drawn).
//
// Then f(y) − f(x) − ⟨∇f(x), y − x⟩ ≤ (L'/2)‖y − x‖² ≤ (L'/μ)·D_ψ(y, x): f is L-smooth
// relative to ψ.
//
// The simplex is routed through the NegEntropy MirrorMap and the implementation under test
// (not through the log-domain ExponentiatedGradient, which basic-inequality/eg checks), with
// modest steps: a drawn schedule is scaled down (never up, so η_t ≤ 1/L still holds) until
// 2Gτ ≤ 660 + log min_i θ_0,i, G = ‖∇f(θ_0)‖_∞ + 2L' ≥ max_t ‖∇f(θ_t)‖_∞, so that no weight
// underflows to 0 and every D_ψ(z, θ_t) is finite (see mdSimplexLogFloor).
func BasicInequalityMirrorDescent(md MDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/mirror-descent",
		Title:  "Mirror-descent basic inequality with Bregman projection",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"ψ Legendre, μ-strongly convex on C w.r.t. a norm ‖·‖ (μ certified by the map); C closed convex",
			"f convex on C and L-smooth relative to ψ: f(y) ≤ f(x) + ⟨∇f(x), y − x⟩ + L·D_ψ(y, x); here L = L'/μ with L' the certified smoothness of f in ‖·‖ (dual norm on gradients)",
			"0 < η_t ≤ 1/L for every t; steps may vary",
			"θ_0 ∈ C ∩ dom ψ; z any point of C (drawn: random in C, θ_0, θ_T, a vertex or boundary point of C; for C = R^d also a minimiser and the ridge point)",
			"maps drawn: euclidean on R^d, euclidean-box, euclidean-ball, mahalanobis, neg-entropy-simplex (EG), entropy-box in the positive orthant, half-sq-lp for p ∈ (1, 2]",
		},
		Statement:  mdStatement,
		ProofSteps: mdSteps,
		Tolerance:  DefaultTolerance,
		Property:   mdProperty(md, mdAllMaps, 1, mdClaim, mdScheduleDrawn),
		Examples: []Example{
			{
				Name:        "euclidean-boundary-1/L-on-x²/2",
				Description: "f(x) = x²/2, ψ = ½x² on R, η = 1/L = 1, θ_0 = 1, T = 1, z = θ_0: the claim holds with equality",
				Run: func() Evidence {
					return mdExample(md, mdEuclidean, generators.NewScalarQuadratic(1), 1, []float64{1}, []float64{1}, nil, mdClaim)
				},
			},
			{
				Name:        "box-projection-to-corner",
				Description: "f(x) = ½(x − 3)², ψ = ½x² on [−1, 1], η = 1, θ_0 = 0: the step to 3 is projected to the corner 1; z = 1",
				Run: func() Evidence {
					return mdExample(md, mdBox, mdShiftedSquare(3), 1, []float64{0}, []float64{1}, []float64{1}, mdClaim)
				},
			},
			{
				Name:        "simplex-vertex",
				Description: "f(θ) = ‖e_1 − θ‖²/6 (least squares, X = I_3), ψ negative entropy on Δ_3, L' = L₁ = 1, η = 1 for 5 steps from the uniform point, z = e_1",
				Run: func() Evidence {
					return mdExample(md, mdSimplex, mdIdentityLeastSquares(), 1, []float64{1. / 3, 1. / 3, 1. / 3}, []float64{1, 1, 1, 1, 1}, []float64{1, 0, 0}, mdClaim)
				},
			},
		},
	}
	th.Controls = []Control{
		{
			Name:   "projection-dropped",
			Breaks: BreaksAlgorithm,
			Description: "mirror descent mutated to skip psi.Project (θ_{t+1} is the unconstrained mirror step), on the maps with a real constraint set " +
				"(box, ball, simplex, entropy box): caught by step 0 feasibility",
			Examples: []Example{{
				Name:        "box-step-leaves-box",
				Description: "f(x) = ½(x − 3)², [−1, 1], η = 1, θ_0 = 0: the unprojected θ_1 = 3",
				Run: func() Evidence {
					return mdExample(mdWithoutProjection, mdBox, mdShiftedSquare(3), 1, []float64{0}, []float64{1}, []float64{1}, mdClaim)
				},
			}},
			Property: mdProperty(mdWithoutProjection, mdConstrainedMaps, 1, mdClaim, mdScheduleDrawn),
		},
		{
			Name:        "step-above-1/L",
			Breaks:      BreaksHypothesis,
			Description: "steps with η_t·L in (2, 4] on the box, the ball and R^d (projected and plain GD)",
			Examples: []Example{{
				Name:        "box-overshoot",
				Description: "f(x) = x²/2 on [−1, 1], L = 1, η = 3, θ_0 = 0.5, z = θ_0: θ_1 = −1 and f rises",
				Run: func() Evidence {
					return mdExample(md, mdBox, generators.NewScalarQuadratic(1), 1, []float64{0.5}, []float64{3}, nil, mdClaim)
				},
			}},
			Property: mdProperty(md, []string{mdBox, mdBall, mdEuclidean}, 1, mdClaim, mdScheduleAbove),
		},
		{
			Name:        "mu-overstated",
			Breaks:      BreaksConstant,
			Description: "L computed as L'/(4μ), i.e. the strong-convexity constant overstated fourfold, and steps up to the resulting 1/L",
			Examples: []Example{{
				Name:        "euclidean-4μ",
				Description: "f(x) = x²/2, ψ = ½x² (μ = 1 claimed as 4, so L = 1/4), η = 4, θ_0 = 1",
				Run: func() Evidence {
					return mdExample(md, mdEuclidean, generators.NewScalarQuadratic(1), 4, []float64{1}, []float64{4}, nil, mdClaim)
				},
			}},
			Property: mdProperty(md, mdAllMaps, 4, mdClaim, mdScheduleDrawn),
		},
		{
			Name:        "claim-with-2D(z,θ_T)",
			Breaks:      BreaksConstant,
			Description: "the claim with D(z,θ_T)/τ doubled on the left: f(θ_T) + 2D(z,θ_T)/τ ≤ f(z) + D(z,θ_0)/τ",
			Examples: []Example{{
				Name:        "euclidean-x²/2",
				Description: "f(x) = x²/2, η = 1, θ_0 = 1, z = θ_0: 0 + 2·½ ≤ ½ is false",
				Run: func() Evidence {
					return mdExample(md, mdEuclidean, generators.NewScalarQuadratic(1), 1, []float64{1}, []float64{1}, nil, mdClaimDoubled)
				},
			}},
			Property: mdProperty(md, mdAllMaps, 1, mdClaimDoubled, mdScheduleDrawn),
		},
	}
	return th
}

func init() { Register(BasicInequalityMirrorDescent(algorithms.MirrorDescent)) }

// mdWithoutProjection is the negative control's mutant: mirror descent that takes the mirror
// step and never projects, so θ_{t+1} = ∇ψ*(∇ψ(θ_t) − η_t g_t) may leave C.
func mdWithoutProjection(f algorithms.Objective, psi algorithms.MirrorMap, x0, steps []float64) *algorithms.Trajectory {
	d := len(x0)
	tr := &algorithms.Trajectory{Iterates: make([][]float64, len(steps)+1), Steps: slices.Clone(steps), GradEvals: len(steps)}
	tr.Iterates[0] = slices.Clone(x0)
	g := make([]float64, d)
	for t, eta := range steps {
		f.Grad(g, tr.Iterates[t])
		next := make([]float64, d)
		psi.MirrorStep(next, tr.Iterates[t], g, eta)
		tr.Iterates[t+1] = next
	}
	return tr
}

// mdClaimFunc builds the conclusion from f(θ_T), f(z), D(z,θ_T), D(z,θ_0) and τ.
type mdClaimFunc func(fT, fz, dT, d0, tau float64) Inequality

func mdClaim(fT, fz, dT, d0, tau float64) Inequality {
	return Le(ClaimStep, -1, fT+dT/tau, fz+d0/tau, fT, dT/tau, fz, d0/tau)
}

// mdClaimDoubled is the constant control: D(z,θ_T)/τ doubled on the left.
func mdClaimDoubled(fT, fz, dT, d0, tau float64) Inequality {
	return Le(ClaimStep, -1, fT+2*dT/tau, fz+d0/tau, fT, 2*dT/tau, fz, d0/tau)
}

// mdSchedule draws T steps for the relative-smoothness constant L.
type mdSchedule func(t *rapid.T, T int, L float64) ([]float64, string)

func mdScheduleDrawn(t *rapid.T, T int, L float64) ([]float64, string) {
	return generators.DrawSchedule(t, T, L)
}

func mdScheduleAbove(t *rapid.T, T int, L float64) ([]float64, string) {
	return generators.DrawStepsInRange(t, T, L, 2, 4), "η·L in (2, 4]"
}

// mdSetup is one drawn (or explicit) instance: f, the map with its constraint set, the
// constants and how Bregman divergences are rounded.
type mdSetup struct {
	f    generators.Instance
	psi  algorithms.MirrorMap
	kind string
	// lPrime is f's certified smoothness in the map's norm (lWhy says which), mu the map's
	// certified strong convexity (as used: multiplied by the control's factor), L = L'/μ.
	lPrime, mu, L float64
	lWhy, norm    string
	// simplex: the constraint set is Δ_d, whose optimality condition is an equality on C.
	simplex bool
	// pnorm > 0 is p for ½‖·‖_p²: its divergences have absolute error O(ε(‖x‖_p² + ‖y‖_p²)).
	pnorm float64
	// mahalanobisTop is a certified λ_max(M) (0 for other maps): D = ½‖x − y‖²_M is formed
	// through the Cholesky factor, with error relative to ½λ_max‖x − y‖².
	mahalanobisTop float64
}

// mdNewSetup computes the constants of f with psi: μ from the map (times muFactor, > 1 only
// in the control that overstates it) and L = L'/μ rounded up. lPrime must be f's certified
// smoothness in the norm the map names.
func mdNewSetup(f generators.Instance, psi algorithms.MirrorMap, kind string, lPrime float64, lWhy string, muFactor float64) (*mdSetup, string) {
	mu, norm := psi.StrongConvexity()
	want := map[string]string{mdSimplex: "l1", mdPNorm: "lp"}[kind]
	if want == "" {
		want = "l2"
	}
	if norm != want {
		panic(fmt.Sprintf("theorems: mirror map %s is strongly convex w.r.t. %q, but its L' is for %q", psi.Name(), norm, want))
	}
	mu *= muFactor
	s := &mdSetup{f: f, psi: psi, kind: kind, lPrime: lPrime, lWhy: lWhy, mu: mu, norm: norm, simplex: kind == mdSimplex}
	if p, ok := psi.(*algorithms.PNorm); ok && p.P() < 2 {
		s.pnorm = p.P()
	}
	if m, ok := psi.(*algorithms.Mahalanobis); ok {
		_, s.mahalanobisTop = m.Spectrum()
	}
	if !(lPrime > 0) || math.IsInf(lPrime, 0) || !(mu > 0) || math.IsInf(mu, 0) {
		return nil, fmt.Sprintf("constants not positive and finite: L' = %g, μ = %g", lPrime, mu)
	}
	s.L = numeric.DivUp(lPrime, mu)
	if !(s.L >= 1e-100 && s.L <= 1e100) {
		return nil, fmt.Sprintf("L = L'/μ = %g outside [1e-100, 1e100]: steps ~1/L would near overflow or underflow", s.L)
	}
	return s, ""
}

// mdNewMap builds the map of the given kind on R^d with fixed parameters (explicit examples):
// box [−1, 1], ball r = 1, entropy box [0.5, 2], p = 1.5, M = I.
func mdNewMap(kind string, d int) algorithms.MirrorMap {
	var (
		psi algorithms.MirrorMap
		err error
	)
	switch kind {
	case mdEuclidean:
		psi, err = algorithms.NewEuclidean(d)
	case mdBox:
		psi, err = algorithms.NewEuclideanBox(d, -1, 1)
	case mdBall:
		psi, err = algorithms.NewEuclideanBall(d, 1)
	case mdMahalanobis:
		m := mat.NewSymDense(d, nil)
		for i := 0; i < d; i++ {
			m.SetSym(i, i, 1)
		}
		psi, err = algorithms.NewMahalanobis(m)
	case mdSimplex:
		psi, err = algorithms.NewNegEntropy(d)
	case mdEntropyBox:
		psi, err = algorithms.NewUnnormalisedEntropy(d, 0.5, 2)
	case mdPNorm:
		psi, err = algorithms.NewPNorm(d, 1.5)
	default:
		panic("theorems: unknown mirror map " + kind)
	}
	if err != nil {
		panic(err)
	}
	return psi
}

// mdShiftedSquare is f(x) = ½(x − c)² on R.
func mdShiftedSquare(c float64) *generators.Quadratic {
	f, err := generators.NewQuadratic([]float64{1}, nil, []float64{c}, c*c/2)
	if err != nil {
		panic(err)
	}
	return f
}

// mdIdentityLeastSquares is f(θ) = ‖e_1 − θ‖²/6 (least squares with X = I_3, y = e_1).
func mdIdentityLeastSquares() *generators.LeastSquares {
	f, err := generators.NewLeastSquares(mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1}), []float64{1, 0, 0})
	if err != nil {
		panic(err)
	}
	return f
}

// mdLPrime returns f's smoothness in the norm of the map kind: LInfSmoothness for the simplex
// (ℓ1→ℓ∞), the spectral Smoothness otherwise (see BasicInequalityMirrorDescent).
func mdLPrime(f generators.Instance, kind string) (float64, string, bool) {
	if kind == mdSimplex {
		g, ok := f.(interface{ LInfSmoothness() float64 })
		if !ok {
			return 0, "", false
		}
		return g.LInfSmoothness(), "ℓ1→ℓ∞ LInfSmoothness", true
	}
	if kind == mdPNorm {
		return f.Smoothness(), "spectral L₂, valid for ‖·‖_p with p ≤ 2 since ‖·‖_q ≤ ‖·‖₂ ≤ ‖·‖_p", true
	}
	return f.Smoothness(), "spectral L₂", true
}

// mdExample runs md on a fixed instance; z nil means z = θ_0.
func mdExample(md MDMethod, kind string, f generators.Instance, muFactor float64, x0, steps, z []float64, claim mdClaimFunc) Evidence {
	psi := mdNewMap(kind, f.Dim())
	lp, why, ok := mdLPrime(f, kind)
	if !ok {
		panic("theorems: explicit example without the map's smoothness constant")
	}
	s, reason := mdNewSetup(f, psi, kind, lp, why, muFactor)
	if s == nil {
		panic("theorems: explicit example degenerate: " + reason)
	}
	tr := md(f, psi, x0, steps)
	if z == nil {
		z = slices.Clone(x0)
	}
	ev := mdEvidenceFrom(s, tr, steps, z, claim)
	ev.Instance = fmt.Sprintf("%v; %s; θ_0 = %v; steps %v; z = %v", f, s.describe(), x0, steps, z)
	return ev
}

// mdProperty draws a map from kinds ("mirror_map"), an instance, θ_0 ∈ C, a horizon and a
// schedule, runs md and returns the evidence for a drawn z ∈ C.
func mdProperty(md MDMethod, kinds []string, muFactor float64, claim mdClaimFunc, schedule mdSchedule) Property {
	return func(t *rapid.T) Evidence {
		kind := rapid.SampledFrom(kinds).Draw(t, "mirror_map")
		f, err := mdDrawInstance(t, kind)
		if err != nil {
			return discard(err)
		}
		d := f.Dim()
		psi, x0, drawZ, reason := mdDrawMap(t, kind, f)
		if psi == nil {
			return Discarded(reason)
		}
		lp, why, _ := mdLPrime(f, kind)
		s, reason := mdNewSetup(f, psi, kind, lp, why, muFactor)
		if s == nil {
			return Discarded(reason)
		}
		T := generators.DrawHorizon(t, mdMaxT)
		steps, sched := schedule(t, T, s.L)
		if s.simplex {
			if shrink := mdSimplexShrink(f, x0, steps, lp); shrink < 1 {
				for i := range steps {
					steps[i] *= shrink
				}
				sched += fmt.Sprintf(" scaled by %.3g (modest steps: no weight below e^-%d)", shrink, mdSimplexLogFloor)
			}
		}
		tr := md(f, psi, x0, steps)
		var (
			z     []float64
			zkind string
		)
		if drawZ == nil { // C = R^d
			z, zkind = generators.DrawReference(t, f, x0, tr.Final(), numeric.Sum(steps))
		} else {
			z, zkind = drawZ(t, tr.Final())
		}
		ev := mdEvidenceFrom(s, tr, steps, z, claim)
		ev.Instance = fmt.Sprintf("%v; %s; T = %d; schedule %s; z = %s", f, s.describe(), T, sched, zkind)
		if d <= 6 {
			ev.Instance += fmt.Sprintf(" %v; θ_0 = %v", z, x0)
		}
		ev.Metrics = map[string]float64{"d": float64(d), "T": float64(T)}
		return ev
	}
}

func (s *mdSetup) describe() string {
	return fmt.Sprintf("ψ = %s, μ = %g w.r.t. %s, L' = %g (%s), L = L'/μ = %g", s.psi.Name(), s.mu, s.norm, s.lPrime, s.lWhy, s.L)
}

// mdDrawInstance draws f: a GLM with an ℓ1→ℓ∞ constant for the simplex (least squares,
// logistic, Huber: "family"), any convex family of DrawConvex otherwise.
func mdDrawInstance(t *rapid.T, kind string) (generators.Instance, error) {
	if kind != mdSimplex {
		return generators.DrawConvex(t, mdMaxN, mdMaxD)
	}
	switch rapid.SampledFrom([]string{"least-squares", "logistic", "huber"}).Draw(t, "family") {
	case "least-squares":
		return generators.DrawLeastSquares(t, mdMaxN, mdMaxD)
	case "logistic":
		return generators.DrawLogistic(t, mdMaxN, mdMaxD)
	default:
		return generators.DrawHuber(t, mdMaxN, mdMaxD)
	}
}

// mdZDrawer draws z ∈ C given θ_T.
type mdZDrawer func(t *rapid.T, thetaT []float64) ([]float64, string)

// mdDrawMap draws the map's parameters at f's scale, θ_0 ∈ C ∩ int dom ψ, and the z drawer
// (nil for C = R^d: generators.DrawReference). A nil map comes with the discard reason.
func mdDrawMap(t *rapid.T, kind string, f generators.Instance) (algorithms.MirrorMap, []float64, mdZDrawer, string) {
	d := f.Dim()
	s := generators.ThetaScale(f)
	switch kind {
	case mdEuclidean:
		psi, err := algorithms.NewEuclidean(d)
		if err != nil {
			panic(err)
		}
		return psi, generators.DrawVector(t, "theta0", d, s), nil, ""
	case mdMahalanobis:
		// M = BBᵀ/d + δI, B with entries in [−1, 1], δ = 10^k, k ∈ [−2, 1]: κ(M) up to ~100.
		b := mat.NewDense(d, d, generators.DrawVector(t, "mahalanobis_factor", d*d, 1))
		delta := math.Pow10(rapid.IntRange(-2, 1).Draw(t, "log10_mahalanobis_shift"))
		m := mat.NewSymDense(d, nil)
		m.SymOuterK(1/float64(d), b)
		for i := 0; i < d; i++ {
			m.SetSym(i, i, m.At(i, i)+delta)
		}
		psi, err := algorithms.NewMahalanobis(m)
		if err != nil {
			return nil, nil, nil, "Mahalanobis M not certifiably positive definite: " + err.Error()
		}
		return psi, generators.DrawVector(t, "theta0", d, s), nil, ""
	case mdPNorm:
		var p float64
		switch rapid.SampledFrom([]string{"uniform", "1+1/ln(d)", "2"}).Draw(t, "p_kind") {
		case "uniform":
			p = rapid.Float64Range(1.1, 2).Draw(t, "p")
		case "1+1/ln(d)":
			p = 1 + 1/math.Log(math.Max(float64(d), 3))
		default:
			p = 2
		}
		psi, err := algorithms.NewPNorm(d, p)
		if err != nil {
			panic(err)
		}
		return psi, generators.DrawVector(t, "theta0", d, s), nil, ""
	case mdBox:
		c := s * rapid.Float64Range(-1, 1).Draw(t, "box_center")
		w := s * math.Pow10(rapid.IntRange(-1, 1).Draw(t, "log10_box_halfwidth"))
		lo, hi := c-w, c+w
		psi, err := algorithms.NewEuclideanBox(d, lo, hi)
		if err != nil {
			return nil, nil, nil, "box degenerate: " + err.Error()
		}
		inBox := func(label string) []float64 {
			u := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, label)
			for i := range u {
				u[i] = math.Min(hi, math.Max(lo, lo+(hi-lo)*u[i]))
			}
			return u
		}
		x0 := inBox("theta0_unit")
		return psi, x0, mdBoxReference(x0, lo, hi, func() []float64 { return inBox("z_unit") }), ""
	case mdBall:
		r := s * math.Pow10(rapid.IntRange(-1, 1).Draw(t, "log10_radius"))
		psi, err := algorithms.NewEuclideanBall(d, r)
		if err != nil {
			return nil, nil, nil, "ball degenerate: " + err.Error()
		}
		// onSphere returns v·ρr/‖v‖ (ρ ≤ 1 − 4ε keeps rounding inside the ball), or ρr·e_1 for v = 0.
		onSphere := func(v []float64, rho float64) []float64 {
			n := numeric.Norm2(v)
			z := make([]float64, d)
			if n == 0 {
				z[0] = rho * r
				return z
			}
			for i := range v {
				z[i] = v[i] / n * rho * r
			}
			return z
		}
		inBall := func(label string) []float64 {
			v := generators.DrawVector(t, label, d, 1)
			return onSphere(v, rapid.Float64Range(0, 1-4*numeric.Eps).Draw(t, label+"_radius_fraction"))
		}
		x0 := inBall("theta0")
		return psi, x0, func(t *rapid.T, thetaT []float64) ([]float64, string) {
			switch rapid.SampledFrom([]string{"random", "theta0", "thetaT", "boundary"}).Draw(t, "reference") {
			case "theta0":
				return slices.Clone(x0), "theta0"
			case "thetaT":
				return slices.Clone(thetaT), "thetaT"
			case "boundary":
				return onSphere(generators.DrawVector(t, "z_direction", d, 1), 1-4*numeric.Eps), "on the sphere"
			}
			return inBall("z"), "random in the ball"
		}, ""
	case mdEntropyBox:
		b := s * math.Pow10(rapid.IntRange(-1, 1).Draw(t, "log10_entropy_box_top"))
		a := b * math.Pow10(-rapid.IntRange(1, 3).Draw(t, "log10_entropy_box_ratio"))
		psi, err := algorithms.NewUnnormalisedEntropy(d, a, b)
		if err != nil {
			return nil, nil, nil, "entropy box degenerate: " + err.Error()
		}
		inBox := func(label string) []float64 {
			u := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, label)
			for i := range u {
				u[i] = math.Min(b, math.Max(a, a*math.Pow(b/a, u[i])))
			}
			return u
		}
		x0 := inBox("theta0_log_unit")
		return psi, x0, mdBoxReference(x0, a, b, func() []float64 { return inBox("z_log_unit") }), ""
	case mdSimplex:
		psi, err := algorithms.NewNegEntropy(d)
		if err != nil {
			panic(err)
		}
		// θ_0 ∝ exp(−k·u_i), k ∈ {0, 1, 10, 50}: from uniform to entries e^{−50} apart.
		k := rapid.SampledFrom([]float64{0, 1, 10, 50}).Draw(t, "theta0_log_spread")
		u := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, "theta0_unit")
		logw := make([]float64, d)
		for i := range logw {
			logw[i] = -k * u[i]
		}
		x0 := make([]float64, d)
		algorithms.NormaliseLogWeights(logw, x0)
		return psi, x0, func(t *rapid.T, thetaT []float64) ([]float64, string) {
			switch rapid.SampledFrom([]string{"random", "theta0", "thetaT", "vertex"}).Draw(t, "reference") {
			case "theta0":
				return slices.Clone(x0), "theta0"
			case "thetaT":
				return slices.Clone(thetaT), "thetaT"
			case "vertex":
				z := make([]float64, d)
				z[rapid.IntRange(0, d-1).Draw(t, "vertex")] = 1
				return z, "vertex"
			}
			w := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, "z_weights")
			s := numeric.Sum(w)
			if s == 0 {
				w[0], s = 1, 1
			}
			for i := range w {
				w[i] /= s
			}
			return w, "random in the simplex"
		}, ""
	}
	panic("theorems: unknown mirror map " + kind)
}

// mdSimplexShrink returns the factor (≤ 1) by which to scale the steps so that
// 2Gτ ≤ mdSimplexLogFloor + log min_i θ_0,i (see mdSimplexLogFloor).
func mdSimplexShrink(f generators.Instance, x0, steps []float64, l1 float64) float64 {
	g := make([]float64, len(x0))
	f.Grad(g, x0)
	G := numeric.NormInf(g) + 2*l1
	budget := float64(mdSimplexLogFloor) + math.Log(slices.Min(x0))
	need := 2 * G * numeric.Sum(steps)
	if !(need > budget) {
		return 1
	}
	return budget / need
}

// mdEvidenceFrom checks every proof step along the trajectory. Gradients, values, ∇ψ and
// divergences are recomputed from the iterates with the trusted map; the schedule is the one
// the method was given.
func mdEvidenceFrom(s *mdSetup, tr *algorithms.Trajectory, steps, z []float64, claim mdClaimFunc) Evidence {
	T := len(steps)
	ev := Evidence{Horizon: T}
	if q, bad := lengthMismatch(tr.T(), T); bad {
		ev.Add(q)
		return ev
	}
	f, psi, L := s.f, s.psi, s.L
	d := f.Dim()
	g := make([]float64, d)
	gx := make([]float64, d)
	gy := make([]float64, d)
	etaG := make([]float64, d)
	ytil := make([]float64, d)
	proj := make([]float64, d)
	// mag caches ‖θ_t‖_p² for the p-norm map's divergence error (0 for other maps).
	mag := func(x []float64) float64 {
		if s.pnorm == 0 {
			return 0
		}
		n := algorithms.LpNorm(x, s.pnorm)
		return n * n
	}
	// dScale is the magnitude against which D(u, v) is rounded: D itself (formed from
	// differences or term by term without cancellation), plus ‖u‖_p² + ‖v‖_p² for the p-norm
	// (its closed form subtracts them) and ½λ_max‖u − v‖² for the Mahalanobis map.
	dScale := func(D float64, u, v []float64, mu, mv float64) float64 {
		sc := math.Abs(D) + mu + mv
		if s.mahalanobisTop > 0 {
			sc += s.mahalanobisTop / 2 * numeric.Dist2Sq(u, v)
		}
		return sc
	}
	fz, sz := value(f, z)
	mz := mag(z)
	var sumEtaF, sumEtaFScale, optScale, underSum float64
	mx := mag(tr.Iterates[0])
	for t := 0; t < T; t++ {
		x, y, eta := tr.Iterates[t], tr.Iterates[t+1], steps[t]
		my := mag(y)
		ev.Add(Le("step 0 feasibility", t, psi.Feasibility(y), 0))
		f.Grad(g, x)
		psi.Grad(gx, x)
		psi.Grad(gy, y)
		fx, sx := value(f, x)
		fy, sy := value(f, y)
		dzx, dzy, dyx := psi.Divergence(z, x), psi.Divergence(z, y), psi.Divergence(y, x)
		szx, szy, syx := dScale(dzx, z, x, mz, mx), dScale(dzy, z, y, mz, my), dScale(dyx, y, x, my, mx)

		// Step 1 at (z, θ_t, θ_{t+1}); step 2's v = η g + ∇ψ(θ_{t+1}) − ∇ψ(θ_t). The dual
		// coordinates inherit the rounding of θ (relative ε|θ_i|): for homogeneous gradients
		// (Euclidean, Mahalanobis, p-norm) that is relative to |∇ψ(θ)_i|, already counted; for
		// the entropies ∇ψ = log θ, and ε|θ_i| moves log θ_i by ε absolutely, which |log θ_i|
		// (≈ 0 near θ_i = 1) does not cover: count 1 per coordinate and point.
		logDual := 0.0
		if s.kind == mdSimplex || s.kind == mdEntropyBox {
			logDual = 2
		}
		var tp, tpScale, opt, oScale float64
		for i := range z {
			dz := z[i] - y[i]
			w := math.Abs(z[i]) + math.Abs(y[i])
			tp += (gy[i] - gx[i]) * dz
			tpScale += (math.Abs(gy[i]) + math.Abs(gx[i]) + logDual) * w
			opt += (eta*g[i] + gy[i] - gx[i]) * dz
			oScale += (eta*math.Abs(g[i]) + math.Abs(gy[i]) + math.Abs(gx[i]) + logDual) * w
		}
		// The optimality condition is an equality when the projection did not move the mirror
		// step (exactly: Project(ỹ) = ỹ; always for C = R^d) or C = Δ_d (the normal cone of
		// its affine hull is spanned by 1 and Σz = Σθ = 1); then checking "= 0" is both
		// stronger and free of noise.
		psi.MirrorStep(ytil, x, g, eta)
		psi.Project(proj, ytil)
		eq := s.simplex || slices.Equal(proj, ytil)
		rel := Le
		if eq {
			rel = Eq
		}
		// η_t g_t is formed first, as the method forms it: η⟨g, ·⟩ could underflow in ⟨g, ·⟩
		// and have the lost digits multiplied by a huge η (tiny instances, steps ~1/L ~ 1e97).
		for i, gi := range g {
			etaG[i] = eta * gi
		}
		egyz, egyzScale := dotDiff(etaG, y, z)
		// Underflow: a gradient coordinate or a value below the normal range errs absolutely
		// (≤ 2^-1067 for the ≤ 2^7 products it sums), and η_t — up to 1/L, which is huge on
		// tiny instances — multiplies that error: certified slack η(Σ(|z_i| + |θ_{t+1,i}|) + 2)·2^-1067.
		var wsum float64
		for i := range z {
			wsum += math.Abs(z[i]) + math.Abs(y[i])
		}
		under := eta * (wsum + 2) * 0x1p-1067
		underSum += under
		ev.Add(
			Eq("step 1 three-point identity", t, dzx-dzy-dyx, tp, szx, szy, syx, tpScale),
			rel("step 2 projection optimality", t, 0, opt, oScale).WithSlack(under),
			rel("step 2 Bregman form", t, egyz, dzx-dzy-dyx, egyzScale, szx, szy, syx, oScale).WithSlack(under),
		)
		gyz, gyzScale := dotDiff(g, y, z)
		gyx, gyxScale := dotDiff(g, y, x)
		gxz, gxzScale := dotDiff(g, x, z)
		// The rounding of θ_{t+1} in the dual coordinates (at most ε·oScale in step 2) enters
		// every step that uses how θ_{t+1} was produced (2, 4 and the sums): count it.
		ev.Add(
			Le("step 3 relative smoothness", t, fy, fx+gyx+L*dyx, sy, sx, gyxScale, L*syx),
			Le("step 3 convexity", t, fx, fz+gxz, sx, sz, gxzScale),
			Le("step 3 relative smoothness + convexity", t, fy, fz+gyz+L*dyx, sy, sz, gyzScale, L*syx),
			Le("step 4 per step", t, eta*(fy-fz), dzx-dzy, eta*sy, eta*sz, szx, szy, oScale).WithSlack(under),
			Le("step 5 monotonicity", t, fy, fx, sy, sx, gyxScale),
		)
		sumEtaF += eta * fy
		sumEtaFScale += eta * sy
		optScale += oScale
		mx = my
	}
	tau := numeric.Sum(steps)
	fT, sT := value(f, tr.Final())
	d0, dT := psi.Divergence(z, tr.Iterates[0]), psi.Divergence(z, tr.Final())
	s0 := dScale(d0, z, tr.Iterates[0], mz, mag(tr.Iterates[0]))
	sTz := dScale(dT, z, tr.Final(), mz, mag(tr.Final()))
	ev.Add(
		Le("step 6 telescoped sum", -1, sumEtaF-tau*fz, d0-dT, sumEtaFScale, tau*sz, s0, sTz, optScale).WithSlack(underSum),
		Le("step 7 monotonicity, summed", -1, tau*fT, sumEtaF, tau*sT, sumEtaFScale).WithSlack(underSum),
	)
	c := claim(fT, fz, dT, d0, tau).WithSlack(underSum / tau)
	// Value rounding (not just |f|), the divergences' rounding and the accumulated rounding of
	// the iterates, all relative to τ like the divergences in the claim.
	c.Scale += sT + sz - math.Abs(fT) - math.Abs(fz) + (s0+sTz+optScale)/tau
	ev.Add(c)
	return ev
}

// mdBoxReference draws z for a box [lo, hi]^d: random in the box (inBox), θ_0, θ_T, or a
// corner, where the bound is tightest.
func mdBoxReference(x0 []float64, lo, hi float64, inBox func() []float64) func(*rapid.T, []float64) ([]float64, string) {
	return func(t *rapid.T, thetaT []float64) ([]float64, string) {
		switch rapid.SampledFrom([]string{"random", "theta0", "thetaT", "corner"}).Draw(t, "reference") {
		case "theta0":
			return slices.Clone(x0), "theta0"
		case "thetaT":
			return slices.Clone(thetaT), "thetaT"
		case "corner":
			bits := rapid.SliceOfN(rapid.Bool(), len(x0), len(x0)).Draw(t, "corner")
			z := make([]float64, len(x0))
			for i, up := range bits {
				z[i] = lo
				if up {
					z[i] = hi
				}
			}
			return z, "corner of the box"
		}
		return inBox(), "random in the box"
	}
}
