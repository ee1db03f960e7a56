package theorems_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessFlowConserved(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/flow-conserved")
	checks.TheoremTest(t, th)
}

// A user's own steps are checked through the public constructor; these are ours, wrapped.
func TestBalancednessFlowConservedOnUserMethods(t *testing.T) {
	checks.TheoremTest(t, theorems.BalancednessFlowConserved(theorems.FlowConservedMethods{
		SGDFactor: func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta float64, batch []int, w *algorithms.FactorWork) {
			algorithms.SGDFactorStep(f, X, Y, eta, batch, w)
		},
		NormalizedSGDFactor: algorithms.NormalizedSGDFactorStep,
		SGDInner: func(f algorithms.ScalarLoss, x, y []float64, eta float64, batch []int, w *algorithms.InnerWork) {
			algorithms.SGDInnerStep(f, x, y, eta, batch, w)
		},
		NormalizedSGDInner: algorithms.NormalizedSGDInnerStep,
	}))
}

var bflowTheorems = []string{"balancedness/flow-conserved", "balancedness/sam-flow-nop", "balancedness/sam-flow-op"}

// bflowIsOrderStep reports whether a step belongs to the convergence-order check.
func bflowIsOrderStep(name string) bool {
	return strings.Contains(name, "gap recursion") || strings.Contains(name, "second-order remainder") || strings.Contains(name, "order ratio")
}

// restricted returns th whose evidence keeps only the steps keep accepts.
func bflowRestricted(th *theorems.Theorem, p theorems.Property, keep func(string) bool) *theorems.Theorem {
	return &theorems.Theorem{ID: th.ID, Kind: th.Kind, Tolerance: th.Tolerance, Property: func(rt *rapid.T) theorems.Evidence {
		ev := p(rt)
		ev.Steps = slices.DeleteFunc(ev.Steps, func(q theorems.Inequality) bool { return !keep(q.Step) })
		return ev
	}}
}

// The convergence-order check can fail on its own: every "algorithm mutated" control of the
// three flow theorems (their mutants follow a different flow, so their deviation from the
// paper's rate does not vanish with η) is caught by the order steps alone, with every other
// step removed.
func TestBalancednessFlowOrderStepsCatchAlgorithmControls(t *testing.T) {
	for _, id := range bflowTheorems {
		th, _ := theorems.Lookup(id)
		for _, c := range th.Controls {
			if c.Breaks != theorems.BreaksAlgorithm {
				continue
			}
			res := checks.CheckTheorem(bflowRestricted(th, c.Property, bflowIsOrderStep), checks.Config{Checks: 300, Seed: 4})
			if res.Status != checks.StatusViolated {
				t.Errorf("%s control %s: the order steps alone do not catch it (%s)", id, c.Name, res.Status)
				continue
			}
			t.Logf("%s control %s: caught at %s (lhs %g, rhs %g)", id, c.Name, res.FailingStep,
				float64(res.Counterexample.LHS), float64(res.Counterexample.RHS))
		}
	}
}

// Each control is caught at the step it targets (TheoremTest only asserts that it is caught).
func TestBalancednessFlowControlsFailWhereExpected(t *testing.T) {
	// Mutants fail where the method first departs from the paper's step: the update of the run
	// with step η, or of the run with step η/2 when the two coincide on the first step.
	update := []string{"step 1 update", "step 4 update of the η/2 run", "step 10 update of the η/2 run", "step 9 update of the η/2 run"}
	want := map[string]map[string][]string{
		"balancedness/flow-conserved": {"drift-zero-claim": {"claim"}, "unequal-block-steps": update, "second-order-band": {"step 7 order ratio"}},
		"balancedness/sam-flow-nop": {"L/2-on-squared-loss": {"step 5 smoothness"}, "claim-without-η-term": {"claim"},
			"threshold-0": {"step 9 threshold dynamics"}, "per-variable-normalisation": update},
		"balancedness/sam-flow-op": {"L/4-on-squared-loss": {"step 4 smoothness"}, "claim-without-η-term": {"claim"},
			"unnormalised": update, "sign-flipped": update},
	}
	for _, id := range bflowTheorems {
		th, _ := theorems.Lookup(id)
		if len(th.Controls) != len(want[id]) {
			t.Errorf("%s: %d controls, the test expects %d", id, len(th.Controls), len(want[id]))
		}
		for _, c := range th.Controls {
			r := checks.CheckControl(th, c, checks.Config{Checks: 300, Seed: 2})
			ok := slices.ContainsFunc(want[id][c.Name], func(p string) bool { return strings.HasPrefix(r.FailingStep, p) })
			if !r.Caught || !ok {
				t.Errorf("%s control %s: caught %v at %q, want one of %q", id, c.Name, r.Caught, r.FailingStep, want[id][c.Name])
			}
		}
	}
}

// On the paper's toy OP (f(w) = (w − 0.5)², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0) SGD's drift has the
// closed form B_T − B_0 = B_0(Π_t(1 − η²f′_t²) − 1), and halving the step at the fixed horizon
// τ = 20·1e-4 halves it to within 1e-3 (E = aη + O(η²) with a ≠ 0: the ratio is 2 + O(η)).
func TestBalancednessFlowConservedPaperToyOP(t *testing.T) {
	f, err := generators.PaperOP(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x0, y0 := generators.PaperStart()
	drift := func(eta float64, T int) (got, closed float64) {
		tr := algorithms.SGDInner(f, x0, y0, slices.Repeat([]float64{eta}, T), nil, true)
		prod := 1.0
		for k := 0; k < T; k++ {
			fp := f.Deriv(bflowDot(tr.X[k], tr.Y[k]), nil)
			prod *= 1 - eta*eta*fp*fp
		}
		return tr.B[T] - tr.B[0], tr.B[0] * (prod - 1)
	}
	e1, c1 := drift(1e-4, 20)
	e2, c2 := drift(5e-5, 40)
	opt := cmpopts.EquateApprox(1e-7, 0) // B's rounding, 20·ε·|B_0|, relative to a drift of 4e-7
	if !cmp.Equal([]float64{e1, e2}, []float64{c1, c2}, opt) {
		t.Errorf("drift %v, closed form %v", []float64{e1, e2}, []float64{c1, c2})
	}
	if !cmp.Equal(e1/e2, 2.0, cmpopts.EquateApprox(1e-3, 0)) {
		t.Errorf("E(η)/E(η/2) = %v, want 2 ± 1e-3", e1/e2)
	}
	th, _ := theorems.Lookup("balancedness/flow-conserved")
	for _, ex := range th.Examples {
		if ex.Name != "paper-toy-op-sgd" {
			continue
		}
		ev := ex.Run()
		if ev.Metrics["order_judged"] != 1 || math.Abs(ev.Metrics["order_ratio"]-e1/e2) > 1e-6 {
			t.Errorf("example's order check: judged %v, ratio %v; want the ratio %v judged", ev.Metrics["order_judged"], ev.Metrics["order_ratio"], e1/e2)
		}
	}
}

func bflowDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}
