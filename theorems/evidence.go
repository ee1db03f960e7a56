package theorems

import "math"

// Inequality is one comparison lhs ≤ rhs (or lhs = rhs when Equality is set) produced by a
// proof step or by a theorem's conclusion. Scale is the sum of the magnitudes of the terms
// that produced both sides; the tolerance model measures the gap relative to it, because
// rounding errors are proportional to the terms summed, not to their (possibly cancelling)
// difference.
type Inequality struct {
	// Step names the proof step, e.g. "step 1 descent" or "claim".
	Step string `json:"step"`
	// Index is the iteration t the step refers to, or -1 for a step about the whole run.
	Index int `json:"index"`
	// LHS and RHS are the two sides as computed.
	LHS float64 `json:"lhs"`
	RHS float64 `json:"rhs"`
	// Scale is Σ|term| over the terms of both sides (≥ |LHS| + |RHS| up to cancellation).
	Scale float64 `json:"scale"`
	// Equality marks an identity: both directions are checked.
	Equality bool `json:"equality,omitempty"`
	// Slack is a certified absolute error bound beyond rounding relative to Scale, added to
	// this inequality's band: for example underflow (each underflowing product errs by up to
	// 2^-1074 whatever its operands) multiplied afterwards by a large step size.
	Slack float64 `json:"slack,omitempty"`
}

// WithSlack returns q with the certified absolute error bound s added to its band.
func (q Inequality) WithSlack(s float64) Inequality {
	q.Slack += s
	return q
}

// Gap is lhs − rhs (for an equality, its absolute value).
func (q Inequality) Gap() float64 {
	d := q.LHS - q.RHS
	if q.Equality {
		return math.Abs(d)
	}
	return d
}

// Margin is the gap relative to the scale: ≤ 0 holds exactly, > 0 is a violation or noise.
// A zero scale means both sides are exactly zero terms; then the margin is the raw gap.
func (q Inequality) Margin() float64 {
	if q.Scale == 0 {
		return q.Gap()
	}
	return q.Gap() / q.Scale
}

// Le builds lhs ≤ rhs with scale computed from the terms that produced it.
func Le(step string, index int, lhs, rhs float64, terms ...float64) Inequality {
	return Inequality{Step: step, Index: index, LHS: lhs, RHS: rhs, Scale: scaleOf(lhs, rhs, terms)}
}

// Eq builds the identity lhs = rhs with scale computed from the terms that produced it.
func Eq(step string, index int, lhs, rhs float64, terms ...float64) Inequality {
	q := Le(step, index, lhs, rhs, terms...)
	q.Equality = true
	return q
}

// scaleOf returns Σ|terms|, or |lhs| + |rhs| when no terms are given.
func scaleOf(lhs, rhs float64, terms []float64) float64 {
	if len(terms) == 0 {
		return math.Abs(lhs) + math.Abs(rhs)
	}
	s := 0.0
	for _, v := range terms {
		s += math.Abs(v)
	}
	return s
}

// Evidence is what a theorem's property returns for one instance: every proof step and the
// conclusion, in proof order (so the first failing entry is the first failing step), plus
// what the checker needs to judge them.
type Evidence struct {
	// Steps lists the inequalities in proof order; the conclusion is named "claim".
	Steps []Inequality
	// Horizon is T (number of iterations) for the tolerance model; 0 when not iterative.
	Horizon int
	// ExtraSlack is an absolute amount certified by the theorem itself (an ODE integrator's
	// error bound, an inexact minimiser's optimality certificate) added to every band.
	ExtraSlack float64
	// Discard is non-empty when the instance failed its hypotheses numerically; the reason is
	// counted and reported, and the instance is not judged.
	Discard string
	// Instance describes the instance (and reference point, schedule, …) for counterexamples.
	Instance string
	// Metrics are per-instance numbers worth aggregating (estimates, confidence bounds).
	Metrics map[string]float64
	// Tables are detail tables an experiment reports beside its metrics (a gap table, the
	// paper's numbers next to ours); reports print them under the violation table.
	Tables []Table
}

// Table is a detail table of an experiment: a title, column names and rows of cells.
type Table struct {
	Title  string     `json:"title"`
	Header []string   `json:"header"`
	Rows   [][]string `json:"rows"`
}

// Add appends inequalities in order.
func (e *Evidence) Add(qs ...Inequality) { e.Steps = append(e.Steps, qs...) }

// Discarded returns evidence that discards the instance for the given reason.
func Discarded(reason string) Evidence { return Evidence{Discard: reason} }
