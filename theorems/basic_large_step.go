package theorems

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const lstepStatement = `For f convex, differentiable and L-smooth on R^d, and GD θ_{t+1} = θ_t − η ∇f(θ_t) with a
constant step η ∈ (1/L, 2/L), κ = (Lη − 1)/(2 − Lη), for every z ∈ R^d:

    f(θ_T) − f(z)  ≤  (‖θ_0 − z‖² − ‖θ_T − z‖²)/(2ηT) + κ (f(θ_0) − f(θ_T))/T

Steps above 1/L cost the extra term κ(f(θ_0) − f(θ_T))/T, which vanishes as Lη → 1.`

// lstepSteps are the proof steps of basic-inequality/gd-large-step in evidence order.
var lstepSteps = []string{
	"step 1 exact descent: f(θ_{t+1}) ≤ f(θ_t) − η(1 − Lη/2)‖g_t‖² (L-smoothness, any η)",
	"step 2 convexity: f(θ_t) ≤ f(z) + ⟨g_t, θ_t − z⟩",
	"step 3 three-point identity: ⟨g_t, θ_t − z⟩ − (η/2)‖g_t‖² = (‖θ_t − z‖² − ‖θ_{t+1} − z‖²)/(2η)",
	"step 4 per step: η(f(θ_{t+1}) − f(z)) ≤ ½‖θ_t − z‖² − ½‖θ_{t+1} − z‖² + (η²(Lη − 1)/2)‖g_t‖²",
	"step 5 gain: (η²(Lη − 1)/2)‖g_t‖² ≤ ηκ(f(θ_t) − f(θ_{t+1})) (step 1 divided by 1 − Lη/2 > 0, uses η < 2/L)",
	"step 6 telescoped sum: η Σ_t f(θ_{t+1}) − ηT f(z) ≤ ½‖θ_0 − z‖² − ½‖θ_T − z‖² + ηκ(f(θ_0) − f(θ_T))",
	"step 7 monotonicity: ηT f(θ_T) ≤ η Σ_t f(θ_{t+1}) (step 1 with 1 − Lη/2 > 0)",
	"claim: f(θ_T) − f(z) ≤ (‖θ_0 − z‖² − ‖θ_T − z‖²)/(2ηT) + κ(f(θ_0) − f(θ_T))/T",
}

// lstepClaimFunc builds the conclusion from f(θ_T), f(z), f(θ_0), ‖θ_T − z‖², ‖θ_0 − z‖², η,
// T and κ (a control passes a wrong κ).
type lstepClaimFunc func(fT, fz, f0, dT, d0, eta float64, T int, kappa float64) Inequality

func lstepClaim(fT, fz, f0, dT, d0, eta float64, T int, kappa float64) Inequality {
	den := 2 * eta * float64(T)
	tf := float64(T)
	return Le(ClaimStep, -1, fT-fz, (d0-dT)/den+kappa*(f0-fT)/tf,
		fT, fz, d0/den, dT/den, kappa*f0/tf, kappa*fT/tf)
}

// BasicInequalityGDLargeStep builds `basic-inequality/gd-large-step` on the given
// gradient-descent implementation, with its explicit example and its negative controls.
func BasicInequalityGDLargeStep(gd GDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/gd-large-step",
		Title:  "GD basic inequality for constant steps in (1/L, 2/L)",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f convex, differentiable, L-smooth on R^d (L certified: spectral, never Frobenius)",
			"constant step η with 1/L < η < 2/L (Lη checked in exact arithmetic); κ = (Lη − 1)/(2 − Lη)",
			"z any point of R^d (drawn: random, θ_0, θ_T, a minimiser, the ridge solution)",
		},
		Statement:  lstepStatement,
		ProofSteps: lstepSteps,
		Tolerance:  DefaultTolerance,
		Property:   lstepProperty(gd, lstepClaim),
		Examples: []Example{{
			Name:        "tight-at-θ0-on-x²/2",
			Description: "f(x) = x²/2, L = 1, η = 1.5 (κ = 1), x_0 = 1, T = 1, z = θ_0: the claim holds with equality (−0.375 ≤ −0.375)",
			Run: func() Evidence {
				return lstepEvidence(gd, generators.NewScalarQuadratic(1), []float64{1}, 1.5, 1, nil, lstepClaim)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "step-above-2/L",
			Breaks:      BreaksHypothesis,
			Description: "constant η with Lη in (2, 2.5] (the divergence regime: 1 − Lη/2 < 0, κ < 0), horizon ≤ 20 to stay finite",
			Property: func(t *rapid.T) Evidence {
				return lstepDivergentControl(t, gd)
			},
		},
		{
			Name:        "claim-with-κ/2",
			Breaks:      BreaksConstant,
			Description: "the claim with κ replaced by κ/2: false on x²/2 at z = θ_0 for every T = 1 run, where the bound is attained",
			Examples: []Example{{
				Name:        "attained-on-x²/2",
				Description: "f(x) = x²/2, η = 1.5, x_0 = 1, T = 1, z = θ_0: with κ/2 the right side drops from −0.375 to −0.5625",
				Run: func() Evidence {
					return lstepEvidence(gd, generators.NewScalarQuadratic(1), []float64{1}, 1.5, 1, nil, lstepHalfKappa)
				},
			}},
			Property: func(t *rapid.T) Evidence {
				return lstepSmallControl(t, gd, lstepHalfKappa)
			},
		},
		{
			Name:        "gd-gradient-at-lookahead",
			Breaks:      BreaksAlgorithm,
			Description: "GD mutated to step along ∇f at the predicted next point θ_t − η∇f(θ_t) instead of ∇f(θ_t)",
			Property:    lstepProperty(lstepLookahead, lstepClaim),
		},
	}
	return th
}

func init() { Register(BasicInequalityGDLargeStep(algorithms.GradientDescent)) }

// lstepLookahead is the mutant of the algorithm control: θ_{t+1} = θ_t − η ∇f(θ_t − η∇f(θ_t)),
// the gradient evaluated at the (predicted) next iterate.
func lstepLookahead(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
	d := len(x0)
	tr := &algorithms.Trajectory{Iterates: make([][]float64, len(steps)+1), Steps: append([]float64(nil), steps...)}
	tr.Iterates[0] = append([]float64(nil), x0...)
	g := make([]float64, d)
	ahead := make([]float64, d)
	for t, eta := range steps {
		x := tr.Iterates[t]
		f.Grad(g, x)
		numeric.AxpyTo(ahead, -eta, g, x)
		f.Grad(g, ahead)
		next := make([]float64, d)
		numeric.AxpyTo(next, -eta, g, x)
		tr.Iterates[t+1] = next
	}
	tr.GradEvals = 2 * len(steps)
	return tr
}

// lstepDraw draws a constant step with 1 < ηL < 2 in exact arithmetic. DrawStepsInRange
// guarantees ηL ∈ (1, 2]; a step with ηL = 2 exactly (κ = ∞) is moved down by ulps.
func lstepDraw(t *rapid.T, L float64) float64 {
	eta := generators.DrawStepsInRange(t, 1, L, 1, 2)[0]
	for math.FMA(eta, L, -2) >= 0 {
		eta = math.Nextafter(eta, 0)
	}
	return eta
}

// lstepProperty draws a convex instance, a start, a horizon and a constant step in (1/L, 2/L),
// runs gd and returns the evidence for a drawn reference point.
func lstepProperty(gd GDMethod, claim lstepClaimFunc) Property {
	return func(t *rapid.T) Evidence {
		f, L, ev, ok := drawSmoothConvex(t)
		if !ok {
			return ev
		}
		x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
		T := generators.DrawHorizon(t, basicMaxT)
		eta := lstepDraw(t, L)
		return lstepEvidenceDraw(t, gd, f, x0, eta, T, claim, "constant ηL in (1, 2)")
	}
}

// lstepHalfKappa is the claim weakened the wrong way: κ replaced by κ/2.
func lstepHalfKappa(fT, fz, f0, dT, d0, eta float64, T int, kappa float64) Inequality {
	return lstepClaim(fT, fz, f0, dT, d0, eta, T, kappa/2)
}

// lstepSmallInstance draws the scalar quadratic x²/2 (whose curvature is exactly L, where
// the bound is attained at z = θ_0 for T = 1) or a small convex instance, for the controls.
func lstepSmallInstance(t *rapid.T) (generators.Instance, error) {
	if rapid.Bool().Draw(t, "scalar_quadratic") {
		return generators.NewScalarQuadratic(1), nil
	}
	return generators.DrawConvex(t, 10, 5)
}

// lstepSmallControl runs the theorem's hypotheses (ηL in (1, 2)) on small instances and
// horizons ≤ 20 with the given (broken) claim.
func lstepSmallControl(t *rapid.T, gd GDMethod, claim lstepClaimFunc) Evidence {
	f, err := lstepSmallInstance(t)
	if err != nil {
		return discard(err)
	}
	L := f.Smoothness()
	x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
	T := generators.DrawHorizon(t, 20)
	eta := lstepDraw(t, L)
	return lstepEvidenceDraw(t, gd, f, x0, eta, T, claim, "constant ηL in (1, 2)")
}

// lstepDivergentControl steps with Lη in (2, 2.5], on the scalar quadratic x²/2 (where L is
// the exact curvature, so the iterates really diverge) or a small drawn instance.
func lstepDivergentControl(t *rapid.T, gd GDMethod) Evidence {
	f, err := lstepSmallInstance(t)
	if err != nil {
		return discard(err)
	}
	L := f.Smoothness()
	x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
	T := generators.DrawHorizon(t, 20)
	eta := generators.DrawStepsInRange(t, 1, L, 2, 2.5)[0]
	return lstepEvidenceDraw(t, gd, f, x0, eta, T, lstepClaim, "constant ηL in (2, 2.5]")
}

func lstepEvidenceDraw(t *rapid.T, gd GDMethod, f generators.Instance, x0 []float64, eta float64, T int, claim lstepClaimFunc, schedule string) Evidence {
	steps := lstepConstant(eta, T)
	tr := gd(f, x0, steps)
	if q, bad := lengthMismatch(tr.T(), T); bad {
		return Evidence{Horizon: T, Steps: []Inequality{q}}
	}
	z, zkind := generators.DrawReference(t, f, x0, tr.Final(), eta*float64(T))
	ev := lstepEvidenceFrom(f, tr, eta, T, z, claim)
	ev.Instance = fmt.Sprintf("%v; T = %d; η = %s (ηL = %s, %s); z = %s", f, T, fmt.Sprint(eta), fmt.Sprint(eta*f.Smoothness()), schedule, zkind)
	return ev
}

// lstepEvidence runs gd on a fixed instance (explicit examples); z nil means z = θ_0.
func lstepEvidence(gd GDMethod, f generators.Instance, x0 []float64, eta float64, T int, z []float64, claim lstepClaimFunc) Evidence {
	tr := gd(f, x0, lstepConstant(eta, T))
	if z == nil {
		z = x0
	}
	ev := lstepEvidenceFrom(f, tr, eta, T, z, claim)
	ev.Instance = fmt.Sprintf("%v; θ_0 = %v; η = %v; T = %d; z = %v", f, x0, eta, T, z)
	return ev
}

func lstepConstant(eta float64, T int) []float64 {
	steps := make([]float64, T)
	for i := range steps {
		steps[i] = eta
	}
	return steps
}

// lstepEvidenceFrom checks every proof step along the trajectory, recomputing gradients and
// values from the iterates and using the step η it was given (never the method's own
// bookkeeping), so a method that moves differently is caught by the three-point identity.
//
// The constants are formed with single roundings: Lη − 1 and 2 − Lη by fused multiply-adds
// (so their signs are exact and κ has relative error ≤ 3 ulps), 1 − Lη/2 likewise.
//
// Scales. Besides the magnitudes of the terms of each side (values through `value`), the
// steps that compare f(θ_t) with f(θ_{t+1}) carry the rounding of the iterate itself: the
// computed θ_{t+1} is θ_t − ηg_t up to a relative error in terms of magnitude ‖θ_t‖ + η‖g_t‖,
// which moves f(θ_{t+1}) by up to ‖∇f(θ_{t+1})‖ times that, so
//
//	r_t = ‖∇f(θ_{t+1})‖·(‖θ_t‖ + η‖g_t‖)
//
// is added to the scale of step 1, η·r_t to step 4, ηκ·r_t to step 5 (= step 1 times ηκ),
// their sums to step 6, η·Σ_s s·r_s to step 7 (f(θ_T) ≤ f(θ_{t+1}) chains steps 1 at
// s = t+1, …, T−1) and the same divided by ηT to the claim. This matters as Lη → 2, where
// κ = (Lη − 1)/(2 − Lη) is huge and multiplies the difference f(θ_0) − f(θ_T) of two nearly
// equal values: there the check is as sharp as double precision allows, and no sharper.
func lstepEvidenceFrom(f generators.Instance, tr *algorithms.Trajectory, eta float64, T int, z []float64, claim lstepClaimFunc) Evidence {
	ev := Evidence{Horizon: T}
	if q, bad := lengthMismatch(tr.T(), T); bad {
		ev.Add(q)
		return ev
	}
	L := f.Smoothness()
	above := math.FMA(L, eta, -1)  // Lη − 1
	below := -math.FMA(L, eta, -2) // 2 − Lη
	descent := -math.FMA(L, eta/2, -1)
	kappa := above / below
	ek := math.Abs(eta * kappa)
	g := make([]float64, f.Dim())
	gNext := make([]float64, f.Dim())
	fz, sz := value(f, z)
	var sumF, sumFScale, sumR, sumSR float64
	f.Grad(g, tr.Iterates[0])
	for t := 0; t < T; t++ {
		th, next := tr.Iterates[t], tr.Iterates[t+1]
		f.Grad(gNext, next)
		ft, st := value(f, th)
		fn, sn := value(f, next)
		gg := numeric.Norm2Sq(g)
		inner, innerScale := dotDiff(g, th, z)
		dt, dn := numeric.Dist2Sq(th, z), numeric.Dist2Sq(next, z)
		// Rounding of θ_{t+1} (relative to its magnitude) enters ‖θ_{t+1} − z‖²; count it.
		rep := 2 * numeric.Norm2(next) * (math.Sqrt(dt) + math.Sqrt(dn))
		// … and f(θ_{t+1}) (see the doc comment).
		r := numeric.Norm2(gNext) * (numeric.Norm2(th) + eta*math.Sqrt(gg))
		gain := eta * eta * above / 2 * gg
		if underflows(gg, numeric.NormInf(g)) || underflows(st, st) || underflows(sn, sn) ||
			underflows(dt, lstepMaxDiff(th, z)) || underflows(dn, lstepMaxDiff(next, z)) {
			return Discarded(underflowReason)
		}
		ev.Add(
			Le("step 1 exact descent", t, fn, ft-eta*descent*gg, sn, st, eta*gg, r),
			Le("step 2 convexity", t, ft, fz+inner, st, sz, innerScale),
			Eq("step 3 three-point identity", t, inner-eta/2*gg, (dt-dn)/(2*eta), innerScale, eta/2*gg, (dt+dn+rep)/(2*eta)),
			Le("step 4 per step", t, eta*(fn-fz), (dt-dn)/2+gain, eta*sn, eta*sz, dt/2, dn/2, rep/2, gain, eta*r),
			Le("step 5 gain", t, gain, eta*kappa*(ft-fn), gain, ek*st, ek*sn, ek*eta*gg, ek*r),
		)
		sumF += fn
		sumFScale += sn
		sumR += r
		sumSR += float64(t) * r
		g, gNext = gNext, g
	}
	if underflows(sz, sz) {
		return Discarded(underflowReason)
	}
	tf := float64(T)
	f0, s0 := value(f, tr.Iterates[0])
	fT, sT := value(f, tr.Final())
	d0, dT := numeric.Dist2Sq(tr.Iterates[0], z), numeric.Dist2Sq(tr.Final(), z)
	ev.Add(
		Le("step 6 telescoped sum", -1, eta*sumF-eta*tf*fz, d0/2-dT/2+eta*kappa*(f0-fT),
			eta*sumFScale, eta*tf*sz, d0/2, dT/2, ek*s0, ek*sT, (eta+ek)*sumR),
		Le("step 7 monotonicity", -1, eta*tf*fT, eta*sumF, eta*tf*sT, eta*sumFScale, eta*sumSR),
	)
	c := claim(fT, fz, f0, dT, d0, eta, T, kappa)
	// Value rounding, not just |f|, for the three function values of the claim, and the
	// iterates' rounding as carried by steps 6 and 7 (divided by ηT).
	c.Scale += sT + sz - math.Abs(fT) - math.Abs(fz) + math.Abs(kappa)/tf*(s0+sT-math.Abs(f0)-math.Abs(fT)) +
		((1+math.Abs(kappa))*sumR+sumSR)/tf
	ev.Add(c)
	return ev
}

// lstepMaxDiff returns max_i |a_i − b_i|.
func lstepMaxDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}
