package theorems_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityMirrorDescent(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/mirror-descent")
	checks.TheoremTest(t, th)
}

// mdEditedMirrorDescent is algorithms.MirrorDescent as someone might edit it: the same loop
// with the projection deleted.
func mdEditedMirrorDescent(f algorithms.Objective, psi algorithms.MirrorMap, x0, steps []float64) *algorithms.Trajectory {
	d, T := len(x0), len(steps)
	tr := &algorithms.Trajectory{Iterates: make([][]float64, T+1), Steps: append([]float64(nil), steps...), GradEvals: T}
	for i := range tr.Iterates {
		tr.Iterates[i] = make([]float64, d)
	}
	copy(tr.Iterates[0], x0)
	x, grad, y := append([]float64(nil), x0...), make([]float64, d), make([]float64, d)
	for t, eta := range steps {
		f.Grad(grad, x)
		psi.MirrorStep(y, x, grad, eta)
		copy(x, y) // was: psi.Project(x, y)
		copy(tr.Iterates[t+1], x)
	}
	return tr
}

// If MirrorDescent loses its projection, the registered theorem's test fails, and the
// counterexample names step 0 feasibility: checked here on an edited copy, through the same
// engine TheoremTest uses.
func TestBasicInequalityMirrorDescentCatchesADroppedProjection(t *testing.T) {
	th := theorems.BasicInequalityMirrorDescent(mdEditedMirrorDescent)
	for _, withExamples := range []bool{true, false} {
		if !withExamples {
			th.Examples = nil // the random instances alone, shrunk, must find it too
		}
		res := checks.CheckTheorem(th, checks.Config{Checks: 100, Seed: 1})
		if res.Status != checks.StatusViolated {
			t.Fatalf("examples %v: status %s, want violated: %s", withExamples, res.Status, res.Message)
		}
		if !strings.HasPrefix(res.FailingStep, "step 0 feasibility") {
			t.Fatalf("examples %v: failing step %q, want step 0 feasibility", withExamples, res.FailingStep)
		}
		ce := res.Counterexample
		if ce == nil || !(float64(ce.LHS) > 0) || ce.Instance == "" {
			t.Fatalf("examples %v: counterexample %+v: want a positive feasibility violation and an instance", withExamples, ce)
		}
		t.Logf("examples %v: %s fails at t = %d: violation %g; instance: %s", withExamples, ce.Step, ce.Index, float64(ce.LHS), ce.Instance)
	}
}

// The box example has a closed form: f(x) = ½(x − 3)², C = [−1, 1], η = 1 from θ_0 = 0 gives
// the mirror step 3, projected to θ_1 = 1; with z = 1 the claim reads f(1) + 0 ≤ f(1) + ½·1².
func TestBasicInequalityMirrorDescentBoxClosedForm(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/mirror-descent")
	var ev theorems.Evidence
	for _, ex := range th.Examples {
		if ex.Name == "box-projection-to-corner" {
			ev = ex.Run()
		}
	}
	got := map[string][2]float64{}
	for _, q := range ev.Steps {
		if q.Step == theorems.ClaimStep || q.Step == "step 4 per step" || q.Step == "step 2 projection optimality" {
			got[q.Step] = [2]float64{q.LHS, q.RHS}
		}
	}
	want := map[string][2]float64{
		theorems.ClaimStep:             {2, 2.5},
		"step 4 per step":              {0, 0.5}, // η(f(1) − f(z)) ≤ D(1, 0) − D(1, 1)
		"step 2 projection optimality": {0, 0},   // v = 1 − 3 + 1 − 0 = −1 times z − θ_1 = 0
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-15)); diff != "" {
		t.Errorf("closed form (-want +got):\n%s", diff)
	}
	if v := th.Tolerance.JudgeEvidence(&ev); v.Outcome != theorems.Holds {
		t.Errorf("verdict %v, want holds", v.Outcome)
	}
}
