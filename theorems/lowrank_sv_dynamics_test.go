package theorems_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

const svdynID = "low-rank/singular-value-dynamics"

func TestLowRankSingularValueDynamics(t *testing.T) {
	th, _ := theorems.Lookup(svdynID)
	checks.TheoremTest(t, th)
}

// A user's gradient is checked through the public constructor; the dense reference stands in.
func TestLowRankSingularValueDynamicsOnDenseGradient(t *testing.T) {
	checks.TheoremTest(t, theorems.LowRankSingularValueDynamics(algorithms.DeepMFDenseGrad))
}

// The halving ratios are judged on a real share of draws (not vacuous), never land in the
// noise band (the rounding bounds added to the right-hand sides are honest), and the draws
// are rarely discarded.
func TestLowRankSVDynamicsOrderJudged(t *testing.T) {
	th, _ := theorems.Lookup(svdynID)
	res := checks.CheckTheorem(th, checks.Config{Checks: 300, Seed: 11})
	m := func(k string) float64 { return float64(res.Metrics[k]) }
	if res.Status != checks.StatusHolds || res.Noise != 0 {
		t.Fatalf("status %s, noise %d: %s", res.Status, res.Noise, res.Message)
	}
	if m("order_judged_mean") < 0.4 || m("sigma_order_judged_mean") < 0.05 {
		t.Errorf("halving ratio judged on %.2f of the draws, the singular-value ratio on %.2f of the σ_r",
			m("order_judged_mean"), m("sigma_order_judged_mean"))
	}
	if r := m("order_ratio_max"); !(r > 0.45 && r < 0.55) {
		t.Errorf("worst judged e(η/2)/e(η) = %v, want about 1/2", r)
	}
	if d := float64(res.Discarded) / float64(res.Checks+res.Discarded); d > 0.15 {
		t.Errorf("%.0f%% of draws discarded: %v", 100*d, res.DiscardReasons)
	}
	t.Logf("judged %.2f (ratio ≤ %.4f), σ judged %.2f, rel. error ≤ %.2g, discards %v",
		m("order_judged_mean"), m("order_ratio_max"), m("sigma_order_judged_mean"), m("rel_err_max"), res.DiscardReasons)
}

// On the diagonal instance every σ_r evolves alone: the closed forms are checked (3 rates, 3×2
// GD steps), the Kato–Temple remainder vanishes, so both halving ratios are judged for every σ_r.
func TestLowRankSVDynamicsDiagonalExample(t *testing.T) {
	th, _ := theorems.Lookup(svdynID)
	ev := th.Examples[0].Run()
	closed := 0
	for _, q := range ev.Steps {
		if strings.HasPrefix(q.Step, "example: closed-form") {
			closed++
		}
	}
	if ev.Discard != "" || closed != 9 || ev.Metrics["order_judged"] != 1 || ev.Metrics["sigma_order_judged"] != 1 {
		t.Fatalf("discard %q, %d closed-form steps, order judged %v, σ order judged %v",
			ev.Discard, closed, ev.Metrics["order_judged"], ev.Metrics["sigma_order_judged"])
	}
	if v := theorems.DefaultTolerance.JudgeEvidence(&ev); v.Outcome != theorems.Holds {
		t.Fatalf("diagonal example: %v at step %d", v.Outcome, v.First)
	}
	// With the wrong exponent the closed-form rate step fails on its own.
	for _, c := range th.Controls {
		if c.Name != "exponent-(1-1/N)/2" {
			continue
		}
		res := checks.CheckTheorem(svdynRestricted(th, c.Property, func(s string) bool { return s == theorems.ClaimStep }),
			checks.Config{Checks: 100, Seed: 5})
		if res.Status != checks.StatusViolated {
			t.Fatalf("wrong exponent not caught by the singular-value claims: %s", res.Status)
		}
	}
}

// svdynRestricted keeps only the steps keep accepts, so that a control must be caught by them.
func svdynRestricted(th *theorems.Theorem, p theorems.Property, keep func(string) bool) *theorems.Theorem {
	return &theorems.Theorem{ID: th.ID, Kind: th.Kind, Tolerance: th.Tolerance, Property: func(rt *rapid.T) theorems.Evidence {
		ev := p(rt)
		ev.Steps = slices.DeleteFunc(ev.Steps, func(q theorems.Inequality) bool { return !keep(q.Step) })
		return ev
	}}
}

// Every control is caught by the dynamic steps alone — the finite-difference rates of the GD
// run against the formula (steps 3–5, 7, 8 and the claims) — not only by the hypothesis and
// derivation steps 1, 2 and 6; the wrong exponent is caught by the singular-value claims alone.
func TestLowRankSVDynamicsControlsCaughtByRates(t *testing.T) {
	th, _ := theorems.Lookup(svdynID)
	rates := func(s string) bool {
		return !strings.HasPrefix(s, "step 1 ") && !strings.HasPrefix(s, "step 2 ") && !strings.HasPrefix(s, "step 6 ")
	}
	claims := func(s string) bool { return s == theorems.ClaimStep }
	for _, c := range th.Controls {
		keep := rates
		if c.Name == "exponent-(1-1/N)/2" {
			keep = claims
		}
		res := checks.CheckTheorem(svdynRestricted(th, c.Property, keep), checks.Config{Checks: 100, Seed: 3})
		if res.Status != checks.StatusViolated {
			t.Errorf("control %s not caught by the rate steps: %s", c.Name, res.Status)
			continue
		}
		t.Logf("control %s: caught at %s (lhs %g, rhs %g)", c.Name, res.FailingStep,
			float64(res.Counterexample.LHS), float64(res.Counterexample.RHS))
	}
}

// The identities (steps 1, 2, 3, 6 and the examples' closed forms) hold to within 2⁻⁴⁴ of their
// scale — the rounding model (svdynRound) the order gates and the right-hand sides use — over
// random draws, for our gradient and the dense reference.
func TestLowRankSVDynamicsRoundingModel(t *testing.T) {
	const svdynRound = 0x1p-44 // = theorems.svdynRound
	for _, grad := range []algorithms.DeepMFGradient{algorithms.DeepMFGrad, algorithms.DeepMFDenseGrad} {
		th := theorems.LowRankSingularValueDynamics(grad)
		worst := 0.0
		observe := func(ev theorems.Evidence) {
			for _, q := range ev.Steps {
				if q.Equality {
					m := q.Margin()
					if math.IsNaN(m) || m > svdynRound {
						t.Fatalf("%s [%d]: |gap|/scale = %g > 2⁻⁴⁴ (lhs %g, rhs %g, scale %g) on %s",
							q.Step, q.Index, m, q.LHS, q.RHS, q.Scale, ev.Instance)
					}
					worst = math.Max(worst, m)
				}
			}
		}
		for _, ex := range th.Examples {
			observe(ex.Run())
		}
		rapid.Check(t, func(rt *rapid.T) { observe(th.Property(rt)) })
		t.Logf("largest identity error: %.3g units of roundoff (model: 512)", worst/0x1p-53)
	}
}

func BenchmarkLowRankSVDynamicsExample(b *testing.B) {
	th, _ := theorems.Lookup(svdynID)
	ex := th.Examples[1]
	b.ReportAllocs()
	for b.Loop() {
		if ev := ex.Run(); ev.Discard != "" {
			b.Fatal(ev.Discard)
		}
	}
}
