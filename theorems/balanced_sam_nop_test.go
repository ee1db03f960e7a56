package theorems_test

import (
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessSAMNOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-nop")
	checks.TheoremTest(t, th)
}

// A user's SAM is checked through the public constructor; this one is ours, wrapped.
func TestBalancednessSAMNOPOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *algorithms.FactorWork) {
		algorithms.SAMFactorStep(f, X, Y, eta, rho, batch, w)
	}
	checks.TheoremTest(t, theorems.BalancednessSAMNOP(mine))
}

var balancednessIdentities = []string{
	"balancedness/gd-nop", "balancedness/gd-op", "balancedness/sam-nop", "balancedness/sam-op",
}

// Every "algorithm mutated" control of the identity theorems is caught by the identity itself
// (the claim steps alone), not only by the steps that compare the method's record with the
// paper's definitions: B⁺ is the method's, the right side uses the paper's u, x̃, batch.
func TestBalancednessClaimAloneCatchesAlgorithmControls(t *testing.T) {
	for _, id := range balancednessIdentities {
		th, _ := theorems.Lookup(id)
		for _, c := range th.Controls {
			if c.Breaks != theorems.BreaksAlgorithm {
				continue
			}
			prop := c.Property
			claimOnly := &theorems.Theorem{ID: id, Kind: theorems.Exact, Tolerance: th.Tolerance, Property: func(rt *rapid.T) theorems.Evidence {
				ev := prop(rt)
				ev.Steps = slices.DeleteFunc(ev.Steps, func(q theorems.Inequality) bool { return q.Step != theorems.ClaimStep })
				return ev
			}}
			res := checks.CheckTheorem(claimOnly, checks.Config{Checks: 300, Seed: 3})
			if res.Status != checks.StatusViolated {
				t.Errorf("%s control %s: the claim alone does not catch it (%s)", id, c.Name, res.Status)
			} else {
				t.Logf("%s control %s: claim violated, lhs %g rhs %g", id, c.Name, float64(res.Counterexample.LHS), float64(res.Counterexample.RHS))
			}
		}
	}
}

// The identities hold on non-quadratic losses (softplus for NOP; log-cosh and logistic for
// OP), not only on squared loss: count the checks that passed on them.
func TestBalancednessHoldsOnNonQuadraticLosses(t *testing.T) {
	for _, id := range append(slices.Clone(balancednessIdentities), "balancedness/sharpness") {
		th, _ := theorems.Lookup(id)
		nonQuadratic := 0
		counted := &theorems.Theorem{ID: id, Kind: theorems.Exact, Tolerance: th.Tolerance, Property: func(rt *rapid.T) theorems.Evidence {
			ev := th.Property(rt)
			if ev.Discard == "" && ev.Metrics["non_quadratic"] == 1 {
				nonQuadratic++
			}
			return ev
		}}
		res := checks.CheckTheorem(counted, checks.Config{Checks: 200, Seed: 9})
		// A quarter of the judged checks (rapid divides the count by 5 under -short).
		if res.Status != checks.StatusHolds || nonQuadratic < max(5, res.Checks/4) {
			t.Errorf("%s: %s with %d of %d checks on non-quadratic losses", id, res.Status, nonQuadratic, res.Checks)
		}
	}
}
