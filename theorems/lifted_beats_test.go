package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestLiftedBeatsUnlifted(t *testing.T) {
	th, _ := theorems.Lookup("lifted-tensor/beats-unlifted")
	checks.TheoremTest(t, th)
}

// The escape-curvature example attains every bound with equality at l = 3 (the constant
// −2(G/2)^l is sharp), and at l = 2 its curvature is 0 against the odd-l bound −2.
func TestLiftedEscapeExampleIsSharp(t *testing.T) {
	th, _ := theorems.Lookup("lifted-tensor/beats-unlifted")
	ev := th.Examples[0].Run()
	if len(ev.Steps) != 4 {
		t.Fatalf("want 4 steps, got %+v", ev.Steps)
	}
	for _, q := range ev.Steps {
		if q.Gap() != 0 {
			t.Errorf("%s: lhs %v, rhs %v: want equality", q.Step, q.LHS, q.RHS)
		}
	}
	if got := ev.Metrics["curvature"]; got != -2 {
		t.Errorf("curvature at l = 3: %v, want −2", got)
	}
	var even theorems.Control
	for _, c := range th.Controls {
		if c.Name == "even-order" {
			even = c
		}
	}
	ev = even.Examples[0].Run()
	if got, bound := ev.Metrics["curvature"], ev.Metrics["bound"]; got != 0 || bound != -2 {
		t.Errorf("l = 2: curvature %v against bound %v, want 0 against −2", got, bound)
	}
}
