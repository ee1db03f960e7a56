package generators

import (
	"fmt"
	"math"

	"pgregory.net/rapid"
)

// MinStepFraction is the smallest η·L that DrawSchedule draws for the "constant", "random"
// and "decaying c/(t+1)" schedules (as the factor c or η_t·L): steps far below 1/L make τ
// tiny and the inequality trivially slack, so they are not worth the draws.
const MinStepFraction = 1e-3

// Schedule kinds returned by DrawSchedule.
const (
	ScheduleConstant = "constant"    // η_t = c/L, c ∈ [MinStepFraction, 1] ("c")
	ScheduleExact    = "exactly-1/L" // η_t = the largest double with η·L ≤ 1
	ScheduleRandom   = "random"      // η_t·L ∈ [MinStepFraction, 1] each ("eta_times_L")
	ScheduleDecaying = "decaying"    // η_t = 1/(L√(t+1)) or c/(L(t+1)) ("decay", "c")
)

// stepAtMost returns η = c/L moved down (one ulp at a time) until η·L ≤ 1 holds in exact
// arithmetic, checked by the sign of the fused multiply-add η·L − 1. For c = 1 this is the
// largest double η with η·L ≤ 1.
func stepAtMost(c, L float64) float64 {
	eta := c / L
	for math.FMA(eta, L, -1) > 0 {
		eta = math.Nextafter(eta, 0)
	}
	if !(eta > 0) || math.IsInf(eta, 0) {
		panic(fmt.Sprintf("generators: step %g/%g is not a positive finite number", c, L))
	}
	return eta
}

func checkStepL(L float64) {
	if !(L > 0) || math.IsInf(L, 0) || math.IsInf(1/L, 0) {
		panic(fmt.Sprintf("generators: step schedule needs finite L > 0 with finite 1/L, got %g", L))
	}
}

// DrawSchedule draws a step schedule of length T (one η_t per step) from every kind that
// THEOREMS §1 lists ("schedule"): ScheduleConstant, ScheduleExact, ScheduleRandom and
// ScheduleDecaying (variant "decay": "1/sqrt(t+1)" or "c/(t+1)"). Every step satisfies
// 0 < η_t and η_t·L ≤ 1 in exact arithmetic (not merely after rounding): it is computed as
// (η_t·L)/L and moved down by ulps while the fused multiply-add η_t·L − 1 is positive.
// It panics unless L is finite and positive with 1/L finite.
func DrawSchedule(t *rapid.T, T int, L float64) (steps []float64, kind string) {
	checkStepL(L)
	kind = rapid.SampledFrom([]string{ScheduleConstant, ScheduleExact, ScheduleRandom, ScheduleDecaying}).Draw(t, "schedule")
	steps = make([]float64, T)
	switch kind {
	case ScheduleConstant:
		eta := stepAtMost(rapid.Float64Range(MinStepFraction, 1).Draw(t, "c"), L)
		for i := range steps {
			steps[i] = eta
		}
	case ScheduleExact:
		eta := stepAtMost(1, L)
		for i := range steps {
			steps[i] = eta
		}
	case ScheduleRandom:
		u := rapid.SliceOfN(rapid.Float64Range(MinStepFraction, 1), T, T).Draw(t, "eta_times_L")
		for i := range steps {
			steps[i] = stepAtMost(u[i], L)
		}
	case ScheduleDecaying:
		if rapid.SampledFrom([]string{"1/sqrt(t+1)", "c/(t+1)"}).Draw(t, "decay") == "1/sqrt(t+1)" {
			for i := range steps {
				steps[i] = stepAtMost(1/math.Sqrt(float64(i+1)), L)
			}
		} else {
			c := rapid.Float64Range(MinStepFraction, 1).Draw(t, "c")
			for i := range steps {
				steps[i] = stepAtMost(c/float64(i+1), L)
			}
		}
	}
	return steps, kind
}

// DrawStepsInRange draws T steps with each η_t·L in (lo, hi] in exact arithmetic
// ("eta_times_L"), e.g. (1, 2) for the controls that step beyond 1/L. Each is computed as
// u/L and nudged by ulps using the signs of the fused multiply-adds η·L − lo and η·L − hi.
// It panics unless 0 ≤ lo < hi and L is finite and positive, or if (lo, hi] is too narrow
// to hold a step.
func DrawStepsInRange(t *rapid.T, T int, L, lo, hi float64) []float64 {
	checkStepL(L)
	if !(lo >= 0) || !(hi > lo) || math.IsInf(hi, 0) {
		panic(fmt.Sprintf("generators: DrawStepsInRange needs 0 ≤ lo < hi < ∞, got (%g, %g]", lo, hi))
	}
	u := rapid.SliceOfN(rapid.Float64Range(lo, hi), T, T).Draw(t, "eta_times_L")
	steps := make([]float64, T)
	for i, ui := range u {
		eta := ui / L
		for k := 0; math.FMA(eta, L, -lo) <= 0 || !(eta > 0); k++ {
			if k > 64 {
				panic(fmt.Sprintf("generators: no step with η·L in (%g, %g] near %g/L", lo, hi, ui))
			}
			eta = math.Nextafter(eta, math.Inf(1))
		}
		for k := 0; math.FMA(eta, L, -hi) > 0; k++ {
			if k > 64 {
				panic(fmt.Sprintf("generators: no step with η·L in (%g, %g] near %g/L", lo, hi, ui))
			}
			eta = math.Nextafter(eta, 0)
		}
		if math.FMA(eta, L, -lo) <= 0 {
			panic(fmt.Sprintf("generators: (%g, %g] is too narrow to hold a step for L = %g", lo, hi, L))
		}
		steps[i] = eta
	}
	return steps
}
