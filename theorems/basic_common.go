package theorems

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/generators"
)

// valueScaler is implemented by instances that know the magnitude of the terms their Value
// sums (so rounding is judged against them, not against a possibly cancelled f(x)).
type valueScaler interface {
	ValueScale(x []float64) float64
}

// value returns f(x) and the scale its rounding error is proportional to.
func value(f interface{ Value([]float64) float64 }, x []float64) (v, scale float64) {
	v = f.Value(x)
	if s, ok := f.(valueScaler); ok {
		return v, math.Max(s.ValueScale(x), math.Abs(v))
	}
	return v, math.Abs(v)
}

// dotDiff returns ⟨g, a − b⟩ and Σ|g_i|(|a_i| + |b_i|), the magnitude of its terms.
func dotDiff(g, a, b []float64) (dot, scale float64) {
	for i, gi := range g {
		dot += gi * (a[i] - b[i])
		scale += math.Abs(gi) * (math.Abs(a[i]) + math.Abs(b[i]))
	}
	return dot, scale
}

// discard turns a generator's degenerate-draw error into discarded evidence.
func discard(err error) Evidence {
	if reason, ok := generators.IsDegenerate(err); ok {
		return Discarded(reason)
	}
	panic(err) // not a degenerate draw: a bug, reported as an error with its replay command
}

// drawSmoothConvex draws a convex instance of the basic-inequality family with its certified
// smoothness constant L. When the draw is degenerate or L is not positive and finite, it
// returns the discard evidence instead (ok false).
func drawSmoothConvex(t *rapid.T) (f generators.Instance, L float64, discarded Evidence, ok bool) {
	f, err := generators.DrawConvex(t, basicMaxN, basicMaxD)
	if err != nil {
		return nil, 0, discard(err), false
	}
	L = f.Smoothness()
	if !(L > 0) || math.IsInf(L, 0) {
		return nil, 0, Discarded("smoothness constant not positive and finite"), false
	}
	return f, L, Evidence{}, true
}

// underflowFloor is the magnitude below which a computed square or value may have lost its
// relative precision to gradual underflow (values under 2^-1022 are rounded absolutely, to
// 2^-1075, and a sum of squares of entries under 2^-511 underflows term by term) — and later
// multiplication by a large factor (1/τ, η) makes that absolute error visible. The tolerance
// model is relative, so theorems that do not bound such errors themselves discard instances
// whose nonzero squares or values fall below 2^-960: drawn data can be that small (1e-150).
const underflowFloor = 0x1p-960

const underflowReason = "squares or values below 2^-960 (gradual underflow): rounding there is absolute, the relative tolerance does not apply"

// underflows reports whether a computed square sq of a vector with largest entry maxAbs (or a
// value's magnitude, with maxAbs = sq) is nonzero in truth but below underflowFloor.
func underflows(sq, maxAbs float64) bool {
	return maxAbs != 0 && math.Abs(sq) < underflowFloor
}

// lengthMismatch is the evidence step for a method that did not take the T steps it was given
// (a user's method may stop early or run on); bad is false when the length is right.
func lengthMismatch(got, T int) (q Inequality, bad bool) {
	return Eq("trajectory length", -1, float64(got), float64(T)), got != T
}

// underflowDecides returns a discard reason when an inequality's terms are so small that
// underflow may decide it: about ops operations stand behind each term, each with an absolute
// error up to 2^-1074 once below 2^-1022, amplified afterwards by at most amp (the largest
// factor — τ², 1/τ, η_t² — the proof multiplies a term by). A step is judged only when its
// scale exceeds that floor by 2^60; a zero scale with unequal sides means its terms underflowed
// to 0.
func underflowDecides(ev *Evidence, ops int, amp float64) string {
	floor := 0x1p-1074 * float64(ops+8) * amp
	for _, q := range ev.Steps {
		if (q.Scale > 0 || q.LHS != q.RHS) && q.Scale*0x1p-60 < floor {
			return fmt.Sprintf("terms near underflow: %s has scale %.3g against an underflow floor %.3g", q.Step, q.Scale, floor)
		}
	}
	return ""
}

// riskAmplification is the largest factor the risk theorems multiply a term by:
// max(1, τ², 1/τ) (vᵀM⁻¹v ≤ τ‖v‖², ‖Δ‖²/τ, η_t ≤ τ).
func riskAmplification(tau float64) float64 { return math.Max(1, math.Max(tau*tau, 1/tau)) }
