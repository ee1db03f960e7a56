package theorems

import (
	"errors"
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const envStatement = `For f convex, differentiable and L-smooth on R^d, and GD from θ_0 = 0 with 0 < η_t ≤ 1/L,
τ = Σ_{t<T} η_t:

    min_θ {f(θ) + ‖θ‖²/(4τ)}  ≤  f(θ_T) + ‖θ_T‖²/(4τ)  ≤  min_z {f(z) + ‖z‖²/τ}

The middle term is the "implicit objective" of the paper's Figure 1: GD's iterate sits between
two explicit ridge objectives at penalty 1/(4τ) and 1/τ.`

// envSteps are the proof steps of basic-inequality/envelope in evidence order.
var envSteps = []string{
	"step 1 basic inequality at z (basic-inequality/gd's claim, θ_0 = 0): f(θ_T) + ‖θ_T − z‖²/(2τ) ≤ f(z) + ‖z‖²/(2τ), at z = ẑ = argmin f + ‖·‖²/τ (computed)",
	"step 2 Young: ½‖θ_T‖² − ‖z‖² ≤ ‖θ_T − z‖² at z = ẑ (from ‖θ_T‖² ≤ 2‖θ_T − z‖² + 2‖z‖²)",
	"claim (lower side): min_θ {f(θ) + ‖θ‖²/(4τ)} ≤ f(θ_T) + ‖θ_T‖²/(4τ), the minimum evaluated at the computed x̂ with its certified gap",
	"claim (upper side): f(θ_T) + ‖θ_T‖²/(4τ) ≤ min_z {f(z) + ‖z‖²/τ}, the minimum evaluated at the computed ẑ (steps 1 + 2)",
}

// BasicInequalityEnvelope builds `basic-inequality/envelope` on the given gradient-descent
// implementation, with its explicit example and its negative controls.
//
// Both minima are ridge problems, Ridge(0, σ) = argmin f(θ) + ‖θ‖²/(2σ): σ = 2τ for the penalty
// ‖θ‖²/(4τ) and σ = τ/2 for ‖z‖²/τ. They are solved by the instance (exactly, up to rounding,
// for least squares and quadratics; by Newton for logistic, Huber and log-sum-exp) and every
// solution x comes with a certified gap h(x) − min h ≤ generators.RidgeGapBound(…, x). How the
// gap is folded in depends on the side:
//
//   - lower side, min h_lo ≤ I: the check compares h_lo(x̂) ≥ min h_lo with I, so it could fail
//     falsely by up to the gap. The gap goes into Evidence.ExtraSlack: a gap within it is
//     reported as noise, and a violation beyond it is real because min h_lo ≥ h_lo(x̂) − gap.
//   - upper side, I ≤ min h_up: the proof (steps 1 and 2) shows I ≤ h_up(z) for every z, and
//     h_up(ẑ) ≥ min h_up, so comparing I with h_up(ẑ) is itself implied by the theorem: no
//     slack, the check can only fail on a real violation; the gap only says how far h_up(ẑ)
//     may sit above the minimum.
//
// The gap is at rounding level for every drawn family, so the shared band is not loosened in
// practice; it is recorded in the evidence regardless.
func BasicInequalityEnvelope(gd GDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/envelope",
		Title:  "Training envelope between two ridge objectives (Figure 1)",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f convex, differentiable, L-smooth on R^d (L certified: spectral, never Frobenius)",
			"GD from θ_0 = 0 with 0 < η_t ≤ 1/L for every t (basic-inequality/gd's hypotheses); steps may vary",
			"the two ridge minima are solved to a certified accuracy (exact for least squares and quadratics)",
		},
		Statement:  envStatement,
		ProofSteps: envSteps,
		Tolerance:  DefaultTolerance,
		Property:   envProperty(gd, envLowerSigma),
		Examples: []Example{{
			Name:        "x²/2−x-one-step",
			Description: "f(x) = x²/2 − x, L = 1, η = 1, T = 1 (θ_1 = 1, τ = 1): −1/3 ≤ −1/4 ≤ −1/6",
			Run: func() Evidence {
				return envEvidence(gd, envLinearQuadratic(), []float64{0}, []float64{1}, envLowerSigma)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "θ0-not-zero",
			Breaks:      BreaksHypothesis,
			Description: "GD started from a drawn θ_0 ≠ 0 while the envelope is centred at 0",
			Examples: []Example{{
				Name:        "x0=3-on-x²/2−x",
				Description: "f(x) = x²/2 − x, θ_0 = 3, η = 0.5, T = 1 (θ_1 = 2, τ = 0.5): implicit objective 2 > upper envelope −0.1",
				Run: func() Evidence {
					return envEvidence(gd, envLinearQuadratic(), []float64{3}, []float64{0.5}, envLowerSigma)
				},
			}},
			Property: func(t *rapid.T) Evidence {
				f, err := generators.DrawConvex(t, basicMaxN, basicMaxD)
				if err != nil {
					return discard(err)
				}
				x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
				steps, kind := generators.DrawSchedule(t, generators.DrawHorizon(t, basicMaxT), f.Smoothness())
				return envEvidenceDraw(gd, f, x0, steps, envLowerSigma, kind)
			},
		},
		{
			Name:        "lower-envelope-at-1/τ",
			Breaks:      BreaksConstant,
			Description: "the lower side with penalty ‖θ‖²/τ instead of ‖θ‖²/(4τ): it then claims min{f + ‖·‖²/τ} ≤ the implicit objective, the reverse of the (generically strict) upper side",
			Property:    envProperty(gd, func(tau float64) float64 { return tau / 2 }),
		},
		{
			Name:        "steps-in-(1/L,2/L)",
			Breaks:      BreaksHypothesis,
			Description: "GD from 0 with steps drawn in (1/L, 2/L); includes f(x) = x²/2 − x, η = 1.9, T = 1 (implicit objective 0.38 > upper envelope −0.24)",
			Examples: []Example{{
				Name:        "η=1.9-on-x²/2−x",
				Description: "f(x) = x²/2 − x, θ_0 = 0, η = 1.9, T = 1",
				Run: func() Evidence {
					return envEvidence(gd, envLinearQuadratic(), []float64{0}, []float64{1.9}, envLowerSigma)
				},
			}},
			Property: func(t *rapid.T) Evidence {
				f, err := generators.DrawConvex(t, 10, 5)
				if err != nil {
					return discard(err)
				}
				T := generators.DrawHorizon(t, 20)
				steps := generators.DrawStepsInRange(t, T, f.Smoothness(), 1, 2)
				return envEvidenceDraw(gd, f, make([]float64, f.Dim()), steps, envLowerSigma, "in (1/L, 2/L)")
			},
		},
	}
	return th
}

func init() { Register(BasicInequalityEnvelope(algorithms.GradientDescent)) }

// envLowerSigma is σ of the lower envelope's ridge problem: ‖θ‖²/(4τ) = ‖θ‖²/(2σ) at σ = 2τ.
func envLowerSigma(tau float64) float64 { return 2 * tau }

// envLinearQuadratic is f(x) = x²/2 − x on R¹ (L = 1, minimiser 1), the explicit examples'
// instance: its ridge problems have the closed form argmin x²/2 − x + x²/(2σ) = σ/(1 + σ).
func envLinearQuadratic() *generators.Quadratic {
	f, err := generators.NewQuadratic([]float64{1}, nil, []float64{1}, 0)
	if err != nil {
		panic(err)
	}
	return f
}

// envProperty draws a convex instance, a horizon and a schedule with η_t ≤ 1/L, runs gd from
// θ_0 = 0 and returns the evidence; lowerSigma gives the lower envelope's ridge σ from τ.
func envProperty(gd GDMethod, lowerSigma func(tau float64) float64) Property {
	return func(t *rapid.T) Evidence {
		f, L, ev, ok := drawSmoothConvex(t)
		if !ok {
			return ev
		}
		steps, kind := generators.DrawSchedule(t, generators.DrawHorizon(t, basicMaxT), L)
		return envEvidenceDraw(gd, f, make([]float64, f.Dim()), steps, lowerSigma, kind)
	}
}

func envEvidenceDraw(gd GDMethod, f generators.Instance, x0, steps []float64, lowerSigma func(float64) float64, schedule string) Evidence {
	ev := envEvidence(gd, f, x0, steps, lowerSigma)
	ev.Instance = fmt.Sprintf("%v; θ_0 = %s; T = %d; schedule %s", f, envStart(x0), len(steps), schedule)
	return ev
}

func envStart(x0 []float64) string {
	if numeric.NormInf(x0) == 0 {
		return "0"
	}
	return fmt.Sprintf("drawn (‖θ_0‖ = %.3g)", numeric.Norm2(x0))
}

// envEvidence runs gd from x0 (θ_0 = 0 under the hypotheses) and checks the steps; the
// envelope formulas are centred at 0 whatever x0 is (the hypothesis control starts elsewhere).
func envEvidence(gd GDMethod, f generators.Instance, x0, steps []float64, lowerSigma func(float64) float64) Evidence {
	T := len(steps)
	tr := gd(f, x0, steps)
	ev := Evidence{Horizon: T, Instance: fmt.Sprintf("%v; θ_0 = %v; steps %v", f, x0, steps)}
	if q, bad := lengthMismatch(tr.T(), T); bad {
		ev.Add(q)
		return ev
	}
	tau := numeric.Sum(steps)
	if !(tau > 0) || math.IsInf(tau, 0) {
		return Discarded("τ not positive and finite")
	}
	sLo := lowerSigma(tau)
	xLo, gapLo, ok := envRidge(f, sLo)
	if !ok {
		return Discarded("lower-envelope ridge problem not solved to a certified accuracy")
	}
	zUp, gapUp, ok := envRidge(f, tau/2)
	if !ok {
		return Discarded("upper-envelope ridge problem not solved to a certified accuracy")
	}
	thT := tr.Final()
	fT, sT := value(f, thT)
	fz, sz := value(f, zUp)
	fx, sx := value(f, xLo)
	nT, nz, nx := numeric.Norm2Sq(thT), numeric.Norm2Sq(zUp), numeric.Norm2Sq(xLo)
	dTz := numeric.Dist2Sq(thT, zUp)
	for _, q := range [][2]float64{{sT, sT}, {sz, sz}, {sx, sx}, {nT, numeric.NormInf(thT)}, {nz, numeric.NormInf(zUp)},
		{nx, numeric.NormInf(xLo)}, {dTz, numeric.Dist2Sq(thT, zUp) + numeric.NormInf(thT) + numeric.NormInf(zUp)}} {
		if underflows(q[0], q[1]) { // the envelope divides these by τ, which may be tiny
			return Discarded(underflowReason)
		}
	}
	lower := fx + nx/(2*sLo)
	implicit := fT + nT/(4*tau)
	upper := fz + nz/tau
	ev.Add(
		Le("step 1 basic inequality at ẑ", -1, fT+dTz/(2*tau), fz+nz/(2*tau), sT, dTz/(2*tau), sz, nz/(2*tau)),
		Le("step 2 Young", -1, nT/2-nz, dTz, nT/2, nz, dTz),
		Le(ClaimStep, -1, lower, implicit, sx, nx/(2*sLo), sT, nT/(4*tau)),
		Le(ClaimStep, -1, implicit, upper, sT, nT/(4*tau), sz, nz/tau),
	)
	ev.ExtraSlack = gapLo // lower side only needs it; see BasicInequalityEnvelope
	ev.Metrics = map[string]float64{"ridge_gap_lower": gapLo, "ridge_gap_upper": gapUp}
	if w := upper - lower; w > 0 {
		ev.Metrics["position_between_envelopes"] = (implicit - lower) / w
	}
	return ev
}

// envRidge returns argmin_θ f(θ) + ‖θ‖²/(2σ) as solved by the instance's Ridge(0, σ) (either
// of the two signatures generators' instances use) with the certified gap
// generators.RidgeGapBound(f, 0, σ, x) ≥ h(x) − min h. ok is false when f has no ridge solver,
// the solve fails, or the gap is not a finite number.
func envRidge(f generators.Instance, sigma float64) (x []float64, gap float64, ok bool) {
	zero := make([]float64, f.Dim())
	switch r := f.(type) {
	case interface {
		Ridge([]float64, float64) ([]float64, float64, bool)
	}:
		x, _, ok = r.Ridge(zero, sigma)
	case interface {
		Ridge([]float64, float64) ([]float64, bool)
	}:
		x, ok = r.Ridge(zero, sigma)
	}
	if !ok || !numeric.VecFinite(x) {
		return nil, 0, false
	}
	gap = generators.RidgeGapBound(f, zero, sigma, x)
	if !(gap >= 0) || math.IsInf(gap, 0) {
		return nil, 0, false
	}
	return x, gap, true
}

// EnvelopePoint is one τ of the three curves of the paper's Figure 1 (a GD panel).
type EnvelopePoint struct {
	// T is the iteration count and Tau = Σ_{t<T} η_t the accumulated step size (the x-axis).
	T   int
	Tau float64
	// Lower is min_θ f(θ) + ‖θ‖²/(4τ), evaluated at the computed minimiser: it exceeds the true
	// minimum by at most LowerGap (certified).
	Lower, LowerGap float64
	// Implicit is the implicit objective f(θ_T) + ‖θ_T‖²/(4τ).
	Implicit float64
	// Upper is min_z f(z) + ‖z‖²/τ, evaluated at the computed minimiser: it exceeds the true
	// minimum by at most UpperGap (certified).
	Upper, UpperGap float64
}

// EnvelopeCurves computes the curves of Figure 1 for one instance: gd runs from θ_0 = 0 with
// the given steps (each ≤ 1/L for the envelope to be guaranteed), and after each iteration
// count T in at (ascending; nil means every T = 1, …, len(steps)) it records τ, the implicit
// objective and the two ridge envelopes. Plot the three against τ on a log axis. It fails when
// f has no ridge solver (generators' instances all have one) or a solve is not certified.
func EnvelopeCurves(gd GDMethod, f generators.Instance, steps []float64, at []int) ([]EnvelopePoint, error) {
	if at == nil {
		at = make([]int, len(steps))
		for i := range at {
			at[i] = i + 1
		}
	}
	tr := gd(f, make([]float64, f.Dim()), steps)
	if tr.T() != len(steps) {
		return nil, fmt.Errorf("theorems: EnvelopeCurves: method returned %d iterates for %d steps", tr.T(), len(steps))
	}
	out := make([]EnvelopePoint, 0, len(at))
	var tau float64
	next := 0
	for _, T := range at {
		if T < 1 || T > len(steps) {
			return nil, fmt.Errorf("theorems: EnvelopeCurves: T = %d outside [1, %d]", T, len(steps))
		}
		if T < next {
			return nil, errors.New("theorems: EnvelopeCurves: at must be ascending")
		}
		for ; next < T; next++ {
			tau += steps[next]
		}
		xLo, gapLo, ok := envRidge(f, 2*tau)
		if !ok {
			return nil, fmt.Errorf("theorems: EnvelopeCurves: lower ridge problem at τ = %g not solved", tau)
		}
		zUp, gapUp, ok := envRidge(f, tau/2)
		if !ok {
			return nil, fmt.Errorf("theorems: EnvelopeCurves: upper ridge problem at τ = %g not solved", tau)
		}
		th := tr.Iterates[T]
		out = append(out, EnvelopePoint{
			T: T, Tau: tau,
			Lower: f.Value(xLo) + numeric.Norm2Sq(xLo)/(4*tau), LowerGap: gapLo,
			Implicit: f.Value(th) + numeric.Norm2Sq(th)/(4*tau),
			Upper:    f.Value(zUp) + numeric.Norm2Sq(zUp)/tau, UpperGap: gapUp,
		})
	}
	return out, nil
}
