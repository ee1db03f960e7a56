package theorems_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityGibbs(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gibbs")
	checks.TheoremTest(t, th)
}

// Two hypotheses, q_0 = (½, ½), L̂ = (0, 1), τ = 2: q_T = (1, e^{−2})/(1 + e^{−2}). The
// identity's right side E_p L̂ + KL(p‖q_0)/τ in closed form for the four p's the example
// checks, in order: the midpoint (= q_0), δ_2, q_0, q_T.
func TestBasicInequalityGibbsTwoHypothesesClosedForm(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gibbs")
	var ev theorems.Evidence
	for _, ex := range th.Examples {
		if ex.Name == "two-hypotheses" {
			ev = ex.Run()
		}
	}
	var got [][2]float64
	for _, q := range ev.Steps {
		if q.Step == theorems.ClaimStep {
			got = append(got, [2]float64{q.LHS, q.RHS})
		}
	}
	e := math.Exp(-2)
	q := []float64{1 / (1 + e), e / (1 + e)}
	klq := q[0]*math.Log(2*q[0]) + q[1]*math.Log(2*q[1])
	rq := q[1] + klq/2
	want := [][2]float64{{0.5, 0.5}, {1 + math.Log(2)/2, 1 + math.Log(2)/2}, {0.5, 0.5}, {rq, rq}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-14, 0)); diff != "" {
		t.Errorf("identity, both sides (-want +got):\n%s", diff)
	}
	if v := th.Tolerance.JudgeEvidence(&ev); v.Outcome != theorems.Holds {
		t.Errorf("verdict %v at step %d, want holds", v.Outcome, v.First)
	}
}
