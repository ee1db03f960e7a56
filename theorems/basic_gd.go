package theorems

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// GDMethod is the signature of a gradient-descent implementation: run len(steps) steps
// θ_{t+1} = θ_t − η_t ∇f(θ_t) from x0 and return the trajectory. algorithms.GradientDescent
// is ours; a user's own implementation can be checked with BasicInequalityGD(theirs).
type GDMethod func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory

// Sizes of the basic-inequality instances (THEOREMS.md §1: d from 1 to ~50, T from 1 to ~500).
const (
	basicMaxN = 60
	basicMaxD = 50
	basicMaxT = 500
)

const gdStatement = `For f convex, differentiable and L-smooth on R^d, and GD θ_{t+1} = θ_t − η_t ∇f(θ_t)
with 0 < η_t ≤ 1/L (steps may vary), τ = Σ_{t<T} η_t, for every z ∈ R^d:

    f(θ_T) + ‖θ_T − z‖²/(2τ)  ≤  f(z) + ‖θ_0 − z‖²/(2τ)

The iteration count acts as ridge regularisation with coefficient 1/τ centred at θ_0.`

// gdSteps are the proof steps of basic-inequality/gd in the order evidence lists them.
var gdSteps = []string{
	"step 1 descent: f(θ_{t+1}) ≤ f(θ_t) − (η_t/2)‖g_t‖² (uses η_t ≤ 1/L)",
	"step 2 convexity: f(θ_t) ≤ f(z) + ⟨g_t, θ_t − z⟩",
	"step 3 three-point identity: ⟨g_t, θ_t − z⟩ − (η_t/2)‖g_t‖² = (‖θ_t − z‖² − ‖θ_{t+1} − z‖²)/(2η_t)",
	"step 4 per step: η_t(f(θ_{t+1}) − f(z)) ≤ ½‖θ_t − z‖² − ½‖θ_{t+1} − z‖²",
	"step 5 regret form: Σ_t η_t f(θ_{t+1}) − τ f(z) ≤ ½‖θ_0 − z‖² − ½‖θ_T − z‖²",
	"step 6 monotonicity: τ f(θ_T) ≤ Σ_t η_t f(θ_{t+1})",
	"claim: f(θ_T) + ‖θ_T − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ)",
}

// BasicInequalityGD builds `basic-inequality/gd` on the given gradient-descent
// implementation, with its explicit example and its negative controls.
func BasicInequalityGD(gd GDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/gd",
		Title:  "GD basic inequality: T steps act as ridge with coefficient 1/τ",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f convex, differentiable, L-smooth on R^d (L certified: spectral, never Frobenius)",
			"0 < η_t ≤ 1/L for every t; steps may vary",
			"z any point of R^d (drawn: random, θ_0, θ_T, a minimiser, the ridge solution)",
		},
		Statement:  gdStatement,
		ProofSteps: gdSteps,
		Tolerance:  DefaultTolerance,
		Property:   gdProperty(gd, gdClaim, basicMaxN, basicMaxD, basicMaxT),
		Examples: []Example{{
			Name:        "boundary-1/L-on-x²/2",
			Description: "f(x) = x²/2, L = 1, η = 1/L exactly, x_0 = 1, T = 1, z = θ_0: step 1 and the claim hold with equality",
			Run: func() Evidence {
				return gdEvidence(gd, generators.NewScalarQuadratic(1), []float64{1}, []float64{1}, nil, gdClaim)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "step-above-1/L",
			Breaks:      BreaksHypothesis,
			Description: "steps drawn in (1/L, 2/L); includes THEOREMS.md's instance η = 1.978 on x²/2, x_0 = −1.984, T = 1, z = −1.692 (LHS − RHS ≈ +3.77)",
			Examples: []Example{{
				Name:        "catalogue-counterexample",
				Description: "η = 1.978 on f(x) = x²/2, x_0 = −1.984, T = 1, z = −1.692",
				Run: func() Evidence {
					return gdEvidence(gd, generators.NewScalarQuadratic(1), []float64{-1.984}, []float64{1.978}, []float64{-1.692}, gdClaim)
				},
			}},
			Property: func(t *rapid.T) Evidence {
				return gdLargeStepControl(t, gd)
			},
		},
		{
			Name:        "non-convex-double-well",
			Breaks:      BreaksHypothesis,
			Description: "f(x) = Σ(x_i² − 1)²/4 (a double well) treated as convex, with its certified smoothness on a box",
			Property: func(t *rapid.T) Evidence {
				f := generators.DrawDoubleWell(t, 3)
				return gdDraw(t, gd, f, gdClaim, gdControlMaxT)
			},
		},
		{
			Name:        "claim-with-1.8τ",
			Breaks:      BreaksConstant,
			Description: "the difference form f(θ_T) − f(z) ≤ (‖θ_0 − z‖² − ‖θ_T − z‖²)/(2τ) with 2τ weakened to 1.8τ: wrong whenever the right side is negative",
			// The 1.8τ form is false only where the basic inequality is nearly tight: a step of
			// exactly 1/L along a direction of curvature L, with z = θ_0 and few steps. The
			// control searches there (a broken constant need not fail on a typical instance).
			Property: func(t *rapid.T) Evidence {
				f, err := generators.DrawConvex(t, 3, 2)
				if err != nil {
					return discard(err)
				}
				x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
				T := rapid.IntRange(1, 3).Draw(t, "T")
				steps, kind := generators.DrawSchedule(t, T, f.Smoothness())
				tr := gd(f, x0, steps)
				ev := gdEvidenceFrom(f, tr, steps, x0, func(fT, fz, dT, d0, tau float64) Inequality {
					return Le(ClaimStep, -1, fT-fz, (d0-dT)/(1.8*tau), fT, fz, d0/(1.8*tau), dT/(1.8*tau))
				})
				ev.Instance = fmt.Sprintf("%v; θ_0 = %v; T = %d; schedule %s; z = θ_0", f, x0, T, kind)
				return ev
			},
		},
		{
			Name:        "gd-uses-next-step",
			Breaks:      BreaksAlgorithm,
			Description: "GD mutated to use η_{t+1} instead of η_t (and η_0 for the last step)",
			Property: gdProperty(func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
				shifted := make([]float64, len(steps))
				for i := range steps {
					shifted[i] = steps[(i+1)%len(steps)]
				}
				tr := gd(f, x0, shifted)
				copy(tr.Steps, steps) // the mutant claims to have used the schedule it was given
				return tr
			}, gdClaim, gdControlMaxN, gdControlMaxD, gdControlMaxT),
		},
	}
	return th
}

func init() { Register(BasicInequalityGD(algorithms.GradientDescent)) }

// gdUnderflow bounds the absolute error that underflow adds to one function value or squared
// norm: each of its at most 2^7 products (n ≤ 60 samples, d ≤ 50 coordinates) errs by up to
// 2^-1074 below the normal range, whatever its operands. Steps multiply it by the factors
// (η_t, 1/η_t, τ) applied afterwards, which the relative band cannot see when η_t is huge.
const gdUnderflow = 0x1p-1067

// claimFunc builds the conclusion from f(θ_T), f(z), ‖θ_T − z‖², ‖θ_0 − z‖² and τ.
type claimFunc func(fT, fz, dT, d0, tau float64) Inequality

func gdClaim(fT, fz, dT, d0, tau float64) Inequality {
	return Le(ClaimStep, -1, fT+dT/(2*tau), fz+d0/(2*tau), fT, dT/(2*tau), fz, d0/(2*tau))
}

// Sizes for controls: a broken variant shows on small instances, and rapid shrinks a
// counterexample in a number of attempts that grows with the instance, so controls search
// small ones (keeping `--controls` fast and its shrinking far from rapid's time limit, which
// would make the minimal counterexample depend on the machine's speed).
const (
	gdControlMaxN = 10
	gdControlMaxD = 5
	gdControlMaxT = 20
)

// gdProperty draws a convex instance (n ≤ maxN, d ≤ maxD), a start, a horizon T ≤ maxT and a
// schedule with η_t ≤ 1/L, runs gd and returns the evidence for a drawn reference point.
func gdProperty(gd GDMethod, claim claimFunc, maxN, maxD, maxT int) Property {
	return func(t *rapid.T) Evidence {
		f, err := generators.DrawConvex(t, maxN, maxD)
		if err != nil {
			return discard(err)
		}
		return gdDraw(t, gd, f, claim, maxT)
	}
}

// gdDraw draws the start, horizon, schedule and reference point for f and builds evidence.
func gdDraw(t *rapid.T, gd GDMethod, f generators.Instance, claim claimFunc, maxT int) Evidence {
	L := f.Smoothness()
	if !(L > 0) || math.IsInf(L, 0) {
		return Discarded("smoothness constant not positive and finite")
	}
	d := f.Dim()
	x0 := generators.DrawVector(t, "theta0", d, generators.ThetaScale(f))
	T := generators.DrawHorizon(t, maxT)
	steps, kind := generators.DrawSchedule(t, T, L)
	return gdEvidenceDraw(t, gd, f, x0, steps, claim, kind)
}

func gdEvidenceDraw(t *rapid.T, gd GDMethod, f generators.Instance, x0, steps []float64, claim claimFunc, schedule string) Evidence {
	tr := gd(f, x0, steps)
	tau := numeric.Sum(steps)
	z, zkind := generators.DrawReference(t, f, x0, tr.Final(), tau)
	ev := gdEvidenceFrom(f, tr, steps, z, claim)
	ev.Instance = fmt.Sprintf("%v; T = %d; schedule %s; z = %s", f, len(steps), schedule, zkind)
	ev.Metrics = map[string]float64{"d": float64(f.Dim()), "T": float64(len(steps))}
	return ev
}

// gdLargeStepControl draws an instance (often the scalar quadratic x²/2 of the catalogue's
// counterexample) and constant or varying steps in (1/L, 2/L).
func gdLargeStepControl(t *rapid.T, gd GDMethod) Evidence {
	var f generators.Instance
	if rapid.Bool().Draw(t, "scalar_quadratic") {
		f = generators.NewScalarQuadratic(1)
	} else {
		var err error
		if f, err = generators.DrawConvex(t, gdControlMaxN, gdControlMaxD); err != nil {
			return discard(err)
		}
	}
	L := f.Smoothness()
	x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
	T := generators.DrawHorizon(t, gdControlMaxT)
	steps := generators.DrawStepsInRange(t, T, L, 1, 2)
	return gdEvidenceDraw(t, gd, f, x0, steps, gdClaim, "in (1/L, 2/L)")
}

// gdEvidence runs gd on a fixed instance (explicit examples); z nil means z = θ_0.
func gdEvidence(gd GDMethod, f generators.Instance, x0, steps, z []float64, claim claimFunc) Evidence {
	tr := gd(f, x0, steps)
	if z == nil {
		z = x0
	}
	ev := gdEvidenceFrom(f, tr, steps, z, claim)
	ev.Instance = fmt.Sprintf("%v; θ_0 = %v; steps %v; z = %v", f, x0, steps, z)
	return ev
}

// gdEvidenceFrom checks every proof step along the trajectory. It recomputes gradients and
// values from the iterates and uses the schedule it was given, never the method's own
// bookkeeping, so a method that takes a different step is caught by the three-point identity.
func gdEvidenceFrom(f generators.Instance, tr *algorithms.Trajectory, steps, z []float64, claim claimFunc) Evidence {
	T := len(steps)
	ev := Evidence{Horizon: T}
	if q, bad := lengthMismatch(tr.T(), T); bad {
		ev.Add(q)
		return ev
	}
	g := make([]float64, f.Dim())
	fz, sz := value(f, z)
	var sumEtaF, sumEtaFScale float64
	ft, st := value(f, tr.Iterates[0]) // f(θ_t), carried over from the previous step
	for t := 0; t < T; t++ {
		th, next, eta := tr.Iterates[t], tr.Iterates[t+1], steps[t]
		f.Grad(g, th)
		fn, sn := value(f, next)
		gg := numeric.Norm2Sq(g)
		inner, innerScale := dotDiff(g, th, z)
		dt, dn := numeric.Dist2Sq(th, z), numeric.Dist2Sq(next, z)
		// θ_{t+1} = fl(θ_t − η_t g_t) carries a rounding error of up to ε(|θ_t,i| + |η_t g_t,i|)
		// per coordinate — relative to the operands, not to θ_{t+1}, which may have cancelled
		// to near 0 — and it enters ‖θ_{t+1} − z‖²; count it.
		rep := 2 * (numeric.Norm2(th) + numeric.Norm2(next)) * (math.Sqrt(dt) + math.Sqrt(dn))
		ev.Add(
			Le("step 1 descent", t, fn, ft-eta/2*gg, sn, st, eta/2*gg).WithSlack(gdUnderflow*(2+eta/2)),
			Le("step 2 convexity", t, ft, fz+inner, st, sz, innerScale).WithSlack(gdUnderflow*3),
			Eq("step 3 three-point identity", t, inner-eta/2*gg, (dt-dn)/(2*eta), innerScale, eta/2*gg, (dt+dn+rep)/(2*eta)).
				WithSlack(gdUnderflow*(1+eta/2+1/eta)),
			Le("step 4 per step", t, eta*(fn-fz), (dt-dn)/2, eta*sn, eta*sz, dt/2, dn/2, rep/2).WithSlack(gdUnderflow*(2*eta+1)),
		)
		sumEtaF += eta * fn
		sumEtaFScale += eta * sn
		ft, st = fn, sn
	}
	tau := numeric.Sum(steps)
	fT, sT := ft, st // f(θ_T), from the last step
	d0, dT := numeric.Dist2Sq(tr.Iterates[0], z), numeric.Dist2Sq(tr.Final(), z)
	ev.Add(
		Le("step 5 regret form", -1, sumEtaF-tau*fz, d0/2-dT/2, sumEtaFScale, tau*sz, d0/2, dT/2).WithSlack(gdUnderflow*(2*tau+1)),
		Le("step 6 monotonicity", -1, tau*fT, sumEtaF, tau*sT, sumEtaFScale).WithSlack(gdUnderflow*2*tau),
	)
	c := claim(fT, fz, dT, d0, tau).WithSlack(gdUnderflow * (2 + 1/tau))
	c.Scale += sT + sz - math.Abs(fT) - math.Abs(fz) // value rounding, not just |f|
	ev.Add(c)
	return ev
}
