package theorems_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestLowRankBalanceDrift(t *testing.T) {
	th, _ := theorems.Lookup("low-rank/balance-drift")
	checks.TheoremTest(t, th)
}

// A user's gradient stands in through the public constructor: the dense reference gradient
// (every loss through ∇ℓ(W)) satisfies the theorem and its controls are still caught.
func TestLowRankBalanceDriftOnDenseGradient(t *testing.T) {
	checks.TheoremTest(t, theorems.LowRankBalanceDrift(algorithms.DeepMFDenseGrad))
}

// dmfClaimsOnly returns th whose evidence keeps only the claim steps of p.
func dmfClaimsOnly(th *theorems.Theorem, p theorems.Property, keep func(theorems.Inequality) bool) *theorems.Theorem {
	return &theorems.Theorem{ID: th.ID, Kind: th.Kind, Tolerance: th.Tolerance, Property: func(rt *rapid.T) theorems.Evidence {
		ev := p(rt)
		ev.Steps = slices.DeleteFunc(ev.Steps, func(q theorems.Inequality) bool { return !keep(q) })
		return ev
	}}
}

func dmfIsClaim(q theorems.Inequality) bool { return q.Step == theorems.ClaimStep }

// The claim can fail on its own: every "algorithm mutated" control is caught by the claim
// steps alone, with the gradient and cancellation steps removed.
func TestLowRankBalanceDriftClaimCatchesAlgorithmControls(t *testing.T) {
	th, _ := theorems.Lookup("low-rank/balance-drift")
	for _, c := range th.Controls {
		if c.Breaks != theorems.BreaksAlgorithm {
			continue
		}
		res := checks.CheckTheorem(dmfClaimsOnly(th, c.Property, dmfIsClaim), checks.Config{Checks: 100, Seed: 3})
		if res.Status != checks.StatusViolated {
			t.Errorf("control %s: the claim alone does not catch it (%s)", c.Name, res.Status)
			continue
		}
		t.Logf("control %s: caught by the claim (lhs %g, rhs %g)", c.Name, float64(res.Counterexample.LHS), float64(res.Counterexample.RHS))
	}
}

// Each control is caught at the step it targets (TheoremTest only asserts that it is caught):
// the dropped factor at the top layer's gradient, the others at the claim.
func TestLowRankBalanceDriftControlsFailWhereExpected(t *testing.T) {
	dmfControlsFailAt(t, "low-rank/balance-drift", map[string]string{"eta²/2": "claim", "dropped-factor": "step 1 gradient, layer ", "gauss-seidel": "claim"})
}

// The identity is not 0 = 0: on the large-step example the imbalance moves by a visible share
// of the terms it is judged against, and the balanced start keeps it second order.
func TestLowRankBalanceDriftExamplesMoveTheBalance(t *testing.T) {
	th, _ := theorems.Lookup("low-rank/balance-drift")
	for _, ex := range th.Examples {
		ev := ex.Run()
		if ev.Discard != "" {
			t.Fatalf("%s discarded: %s", ex.Name, ev.Discard)
		}
		t.Logf("%s: ‖D⁺ − D‖/scale up to %.3g over %d inequalities", ex.Name, ev.Metrics["rel_drift"], len(ev.Steps))
		if ex.Name == "two-block-4x4-depth2-large-step" && !(ev.Metrics["rel_drift"] > 1e-3) {
			t.Errorf("%s: relative drift %g, want > 1e-3 (η = 0.2 is not a flow step)", ex.Name, ev.Metrics["rel_drift"])
		}
	}
}

var dmfLayerNumber = regexp.MustCompile(`layer \d+$`)

// dmfCheckStepNames asserts that every step of th's evidence (examples and random instances)
// is named by a prefix of one of th.ProofSteps, layer numbers written "layer j" there.
func dmfCheckStepNames(t *testing.T, th *theorems.Theorem) {
	t.Helper()
	check := func(ev theorems.Evidence) error {
		for _, q := range ev.Steps {
			name := dmfLayerNumber.ReplaceAllString(q.Step, "layer j")
			if !slices.ContainsFunc(th.ProofSteps, func(p string) bool { return strings.HasPrefix(p, name) }) {
				return &stepNameError{q.Step}
			}
		}
		return nil
	}
	for _, ex := range th.Examples {
		if err := check(ex.Run()); err != nil {
			t.Fatalf("example %s: %v", ex.Name, err)
		}
	}
	rapid.Check(t, func(rt *rapid.T) {
		if err := check(th.Property(rt)); err != nil {
			rt.Fatal(err)
		}
	})
}

type stepNameError struct{ step string }

func (e *stepNameError) Error() string { return "step " + e.step + " is not among the proof steps" }

func TestLowRankBalanceDriftStepNames(t *testing.T) {
	th, _ := theorems.Lookup("low-rank/balance-drift")
	dmfCheckStepNames(t, th)
}

// BenchmarkLowRankBalanceDriftCheck measures whole checks (draw, run T ≤ 5 steps, evaluate
// every step at every layer) and reports checks/s.
func BenchmarkLowRankBalanceDriftCheck(b *testing.B) {
	benchChecks(b, "low-rank/balance-drift")
}

// dmfControlsFailAt asserts that every control of theorem id is caught at the step its name
// maps to in want (a prefix of the failing step), and that want names every control:
// TheoremTest only asserts that each control is caught.
func dmfControlsFailAt(t *testing.T, id string, want map[string]string) {
	t.Helper()
	th, _ := theorems.Lookup(id)
	if len(th.Controls) != len(want) {
		t.Fatalf("%d controls, the test expects %d", len(th.Controls), len(want))
	}
	for _, c := range th.Controls {
		r := checks.CheckControl(th, c, checks.Config{Checks: 100, Seed: 2})
		if !r.Caught || !strings.HasPrefix(r.FailingStep, want[c.Name]) {
			t.Errorf("control %s: caught %v at %q, want %q", c.Name, r.Caught, r.FailingStep, want[c.Name])
		}
	}
}
