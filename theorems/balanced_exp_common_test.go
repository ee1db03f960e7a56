package theorems_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/theorems"
)

// bxtApprox compares reference numbers computed in floating point (1.12 = |0.14 − 1.26|).
var bxtApprox = cmpopts.EquateApprox(0, 1e-12)

// bxtRun runs an experiment and judges every step with the default tolerance.
func bxtRun(t *testing.T, exp theorems.Experiment, profile string, seed uint64) (theorems.Evidence, []theorems.Outcome) {
	t.Helper()
	ev := exp(theorems.ExperimentConfig{Profile: profile, Seed: seed})
	if ev.Discard != "" {
		t.Fatalf("experiment discarded: %s", ev.Discard)
	}
	out := make([]theorems.Outcome, len(ev.Steps))
	for i, q := range ev.Steps {
		out[i] = theorems.DefaultTolerance.Judge(q, &ev)
	}
	return ev, out
}

// bxtOutcomes returns the outcomes of the steps whose name starts with prefix.
func bxtOutcomes(ev theorems.Evidence, out []theorems.Outcome, prefix string) []theorems.Outcome {
	var sel []theorems.Outcome
	for i, q := range ev.Steps {
		if strings.HasPrefix(q.Step, prefix) {
			sel = append(sel, out[i])
		}
	}
	return sel
}

// bxtAll reports whether every outcome is want (and there is at least one).
func bxtAll(outs []theorems.Outcome, want theorems.Outcome) bool {
	if len(outs) == 0 {
		return false
	}
	for _, o := range outs {
		if o != want {
			return false
		}
	}
	return true
}

// bxtNoTimingJudged asserts that no inequality is about wall time (timings are only reported).
func bxtNoTimingJudged(t *testing.T, ev theorems.Evidence) {
	t.Helper()
	for _, q := range ev.Steps {
		if s := strings.ToLower(q.Step); strings.Contains(s, "timing") || strings.Contains(s, "wall") || strings.Contains(s, "time per") {
			t.Errorf("step %q judges a timing", q.Step)
		}
	}
}
