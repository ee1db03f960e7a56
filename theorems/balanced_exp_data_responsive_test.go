package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessDataResponsive(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/data-responsive")
	checks.TheoremTest(t, th)
}

// With the noise level ignored every α runs the same problem: the monotonicity claims all fail
// (each ratio is exactly 1), and so does step 2 (the α² coefficient is exactly 0, far from its
// expectation 8.6988); step 1 (an exact quadratic — here a constant) still holds.
func TestBalancednessDataResponsiveNoiseIgnoredBreaksMonotonicity(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/data-responsive")
	ev, out := bxtRun(t, th.Controls[0].Experiment, "ci", 1)
	if claims := bxtOutcomes(ev, out, theorems.ClaimStep); len(claims) != 6 || !bxtAll(claims, theorems.Violated) {
		t.Errorf("claims with the noise ignored: %v, want 6 violated", claims)
	}
	for _, k := range []string{"ratio_op_alpha0.25_to_alpha0", "ratio_op_alpha1_to_alpha0.5", "ratio_nop_alpha0.5_to_alpha0.25", "ratio_nop_alpha1_to_alpha0.5"} {
		if ev.Metrics[k] != 1 {
			t.Errorf("%s = %v with the noise ignored, want exactly 1", k, ev.Metrics[k])
		}
	}
	if s := bxtOutcomes(ev, out, "step 2"); len(s) != 2 || (s[0] != theorems.Violated && s[1] != theorems.Violated) {
		t.Errorf("step 2 with the noise ignored: %v, want a violated side", s)
	}
	if ev.Metrics["nop_drift_alpha2_coef"] != 0 {
		t.Errorf("α² coefficient with the noise ignored = %v, want exactly 0", ev.Metrics["nop_drift_alpha2_coef"])
	}
	if s := bxtOutcomes(ev, out, "step 1"); len(s) != 1 || s[0] == theorems.Violated {
		t.Errorf("step 1 with the noise ignored: %v", s)
	}
}
