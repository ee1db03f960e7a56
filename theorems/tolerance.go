package theorems

import (
	"fmt"
	"math"
)

// Tolerance is a theorem's documented floating-point band. An inequality with gap
// d = lhs − rhs and scale s is judged against
//
//	band = (Rel + PerStep·T)·s + Abs + ExtraSlack + Slack
//
// where T is the evidence's horizon: rounding errors grow with the terms summed (s) and at
// most linearly with the number of iterations that produced the iterates (T). ExtraSlack
// (per evidence) and Slack (per inequality) are certified bounds the theorem derives itself.
type Tolerance struct {
	Rel     float64 `json:"rel"`
	PerStep float64 `json:"per_step"`
	Abs     float64 `json:"abs"`
}

// DefaultTolerance suits double-precision first-order methods: 2^-40 (≈ 9e-13) relative to
// the terms, plus 2^-44 per iteration, plus an absolute 2^-1060 (≈ 8.7e-320) for gradual
// underflow. Below the normal range every operation may add an absolute error of up to
// 2^-1075 whatever its operands, so a relative band alone underflows to 0 on iterates or
// weights that have converged into subnormals; one inequality combines fewer than 2^15
// operations (sums over T ≤ 500 iterations and d ≤ 50 coordinates), hence 2^15·2^-1075.
// It matters only for quantities that are themselves subnormal.
var DefaultTolerance = Tolerance{Rel: 0x1p-40, PerStep: 0x1p-44, Abs: 0x1p-1060}

// Band is the allowed gap for q under e.
func (tol Tolerance) Band(q Inequality, e *Evidence) float64 {
	return (tol.Rel+tol.PerStep*float64(e.Horizon))*q.Scale + tol.Abs + e.ExtraSlack + q.Slack
}

func (tol Tolerance) String() string {
	return fmt.Sprintf("gap ≤ (%.3g + %.3g·T)·scale + %.3g", tol.Rel, tol.PerStep, tol.Abs)
}

// Outcome is the verdict on one inequality or one instance.
type Outcome int

const (
	// Holds: lhs ≤ rhs exactly (or an identity within its band).
	Holds Outcome = iota
	// Noise: lhs > rhs but within the band — counted and reported, never silently passed.
	Noise
	// Violated: beyond the band, or not finite.
	Violated
)

func (o Outcome) String() string {
	switch o {
	case Holds:
		return "holds"
	case Noise:
		return "noise"
	default:
		return "violated"
	}
}

// Judge classifies one inequality. NaN or ±Inf on either side never holds.
func (tol Tolerance) Judge(q Inequality, e *Evidence) Outcome {
	if !finite(q.LHS) || !finite(q.RHS) || !finite(q.Scale) {
		return Violated
	}
	gap := q.Gap()
	band := tol.Band(q, e)
	switch {
	case q.Equality && gap <= band:
		return Holds
	case !q.Equality && gap <= 0:
		return Holds
	case gap <= band:
		return Noise
	default:
		return Violated
	}
}

// Verdict is the judgement of a whole piece of evidence.
type Verdict struct {
	Outcome Outcome
	// First is the index in Steps of the first violated inequality (or of the first noisy one
	// when nothing is violated); -1 when everything holds.
	First int
	// Noisy counts inequalities inside the band.
	Noisy int
	// ClaimMargin is the margin of the conclusion ("claim" steps; the worst when several).
	ClaimMargin float64
	// WorstMargin is the largest margin over every step.
	WorstMargin float64
}

// ClaimStep is the name of a theorem's conclusion among its steps.
const ClaimStep = "claim"

// Judge classifies evidence: violated when any step is, noise when some step is only inside
// the band, holds otherwise.
func (tol Tolerance) JudgeEvidence(e *Evidence) Verdict {
	v := Verdict{First: -1, ClaimMargin: math.Inf(-1), WorstMargin: math.Inf(-1)}
	firstNoise := -1
	for i, q := range e.Steps {
		m := q.Margin()
		if math.IsNaN(m) {
			m = math.Inf(1)
		}
		if m > v.WorstMargin {
			v.WorstMargin = m
		}
		if q.Step == ClaimStep && m > v.ClaimMargin {
			v.ClaimMargin = m
		}
		switch tol.Judge(q, e) {
		case Violated:
			if v.Outcome != Violated {
				v.Outcome = Violated
				v.First = i
			}
		case Noise:
			v.Noisy++
			if firstNoise < 0 {
				firstNoise = i
			}
		}
	}
	if v.Outcome != Violated && v.Noisy > 0 {
		v.Outcome = Noise
		v.First = firstNoise
	}
	if math.IsInf(v.ClaimMargin, -1) {
		v.ClaimMargin = v.WorstMargin
	}
	return v
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
