package theorems_test

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestConnectivityInvariantManifold(t *testing.T) {
	th, _ := theorems.Lookup("connectivity/invariant-manifold")
	checks.TheoremTest(t, th)
}

// A user's gradient stands in through the public constructor.
func TestConnectivityInvariantManifoldOnDenseGradient(t *testing.T) {
	checks.TheoremTest(t, theorems.ConnectivityInvariantManifold(algorithms.DeepMFDenseGrad))
}

// The off-space claim can fail on its own: both mutated optimisers (diagonal preconditioning,
// weight noise) are caught by the claim steps alone, with the update step removed.
func TestConnectivityInvariantManifoldClaimCatchesAlgorithmControls(t *testing.T) {
	th, _ := theorems.Lookup("connectivity/invariant-manifold")
	for _, c := range th.Controls {
		if c.Breaks != theorems.BreaksAlgorithm {
			continue
		}
		for seed := uint64(1); seed <= 3; seed++ {
			res := checks.CheckTheorem(dmfClaimsOnly(th, c.Property, dmfIsClaim), checks.Config{Checks: 100, Seed: seed})
			if res.Status != checks.StatusViolated {
				t.Errorf("control %s, seed %d: the claim alone does not catch it (%s)", c.Name, seed, res.Status)
				continue
			}
			t.Logf("control %s, seed %d: caught by the claim at t = %d (lhs %g)", c.Name, seed, res.Counterexample.Index, float64(res.Counterexample.LHS))
		}
	}
}

// The numerical-rank step can fail on its own: claiming rank ≤ k − 1 is caught by the final
// σ_k(Z_T) step alone, with the off-space steps removed.
func TestConnectivityInvariantManifoldRankStepCatchesRankKMinus1(t *testing.T) {
	th, _ := theorems.Lookup("connectivity/invariant-manifold")
	for _, c := range th.Controls {
		if c.Breaks != theorems.BreaksConstant {
			continue
		}
		var last int
		keep := func(q theorems.Inequality) bool { return q.Step == theorems.ClaimStep && q.Index == last }
		restricted := dmfClaimsOnly(th, func(rt *rapid.T) theorems.Evidence {
			ev := c.Property(rt)
			last = int(ev.Metrics["T"])
			return ev
		}, keep)
		res := checks.CheckTheorem(restricted, checks.Config{Checks: 100, Seed: 5})
		if res.Status != checks.StatusViolated {
			t.Errorf("control %s: the rank step alone does not catch it (%s)", c.Name, res.Status)
		}
	}
}

// Each control is caught at the step it targets: the mutated optimisers at the update, the
// weakened rank at the claim.
func TestConnectivityInvariantManifoldControlsFailWhereExpected(t *testing.T) {
	dmfControlsFailAt(t, "connectivity/invariant-manifold", map[string]string{"rmsprop": "step 1 update", "weight-noise": "step 1 update", "rank-k-minus-1": "claim"})
}

// On the paper-style examples the stacked factors keep numerical rank exactly k = 1 after 50
// steps, at the derived threshold, and so do A, B and W.
func TestConnectivityInvariantManifoldExamplesKeepRank(t *testing.T) {
	th, _ := theorems.Lookup("connectivity/invariant-manifold")
	for _, ex := range th.Examples {
		ev := ex.Run()
		if ev.Discard != "" {
			t.Fatalf("%s discarded: %s", ex.Name, ev.Discard)
		}
		for _, name := range []string{"Z", "A", "B", "W"} {
			if got := ev.Metrics["numerical_rank_"+name+"_minus_k"]; got != 0 {
				t.Errorf("%s: numerical rank of %s is k%+g, want k", ex.Name, name, got)
			}
		}
		t.Logf("%s: σ_2/σ_1 = %.3g at threshold %.3g", ex.Name, ev.Metrics["sigma_k1_over_sigma_1"], ev.Metrics["rank_threshold"])
	}
}

func TestConnectivityInvariantManifoldStepNames(t *testing.T) {
	th, _ := theorems.Lookup("connectivity/invariant-manifold")
	dmfCheckStepNames(t, th)
}

// BenchmarkConnectivityInvariantManifoldCheck measures whole checks (draw, run T ≤ 8 steps,
// evaluate every step and the final SVDs) and reports checks/s.
func BenchmarkConnectivityInvariantManifoldCheck(b *testing.B) {
	benchChecks(b, "connectivity/invariant-manifold")
}
