package checks

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/theorems"
)

// TheoremTest is the `go test` face of a theorem, in the style of gonum's testlapack suites:
// it runs the explicit examples, the property through rapid.MakeCheck (so -rapid.checks,
// -rapid.seed, -short and fail files under testdata/rapid/ behave as rapid users expect),
// and asserts that every negative control is caught. A theorem built on a user's own
// algorithm can be checked the same way.
func TheoremTest(t *testing.T, th *theorems.Theorem) {
	t.Helper()
	if !th.Encoded() {
		t.Skipf("%s: %s", th.ID, th.NotEncoded)
	}
	tl := newTally(th.Tolerance)
	for _, ex := range th.Examples {
		t.Run("example/"+ex.Name, func(t *testing.T) {
			ev, perr := evalExample(ex)
			if perr != nil {
				t.Fatalf("panic: %v\n%s", perr.value, perr.stack)
			}
			if ev.Discard != "" {
				t.Fatalf("explicit example discarded: %s", ev.Discard)
			}
			v := tl.tol.JudgeEvidence(&ev)
			if v.Outcome == theorems.Violated {
				t.Fatal(Describe(&ev, v, tl.tol))
			}
		})
	}
	if th.Property != nil {
		check := rapid.MakeCheck(PropertyCheck(th))
		t.Run("property", func(t *testing.T) {
			rapidFlagsMu.RLock()
			defer rapidFlagsMu.RUnlock()
			check(t)
		})
	}
	if th.Experiment != nil {
		t.Run("experiment", func(t *testing.T) {
			r := CheckTheorem(&theorems.Theorem{ID: th.ID, Kind: th.Kind, Tolerance: th.Tolerance, Experiment: th.Experiment},
				Config{Profile: "ci", Seed: 1})
			if r.Status != StatusHolds {
				t.Fatalf("%s: %s %s; metrics %v", r.Status, r.FailingStep, r.Message, r.Metrics)
			}
		})
	}
	for _, c := range th.Controls {
		t.Run("control/"+c.Name, func(t *testing.T) {
			ControlTest(t, th, c)
		})
	}
}

// PropertyCheck returns th's property as a rapid property that fails with a readable
// description of the first failing proof step.
func PropertyCheck(th *theorems.Theorem) func(*rapid.T) {
	return newTally(th.Tolerance).property(th.Property)
}

// ControlTest asserts that a negative control is caught, and logs its minimal counterexample.
// Controls keep the ci profile's number of checks under -short too: -short may make the
// theorems' own checks lighter, never the proof that a check can fail. A caught control stops
// at its first failure.
func ControlTest(t *testing.T, th *theorems.Theorem, c theorems.Control) {
	t.Helper()
	r := CheckControl(th, c, Config{Profile: "ci", Checks: Profiles["ci"]})
	if !r.Caught {
		t.Fatalf("control %s of %s (breaks the %s) was not caught: %s", c.Name, th.ID, c.Breaks, r.Message)
	}
	if ce := r.Counterexample; ce != nil {
		t.Logf("caught at %s: lhs %g, rhs %g; instance: %s", ce.Step, float64(ce.LHS), float64(ce.RHS), ce.Instance)
	}
}
