package theorems_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityLogisticRisk(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/logistic-risk")
	checks.TheoremTest(t, th)
}

// θ* = 0 makes every label a fair coin: with unit rows, E‖v‖² = (1/n²)Σ ¼‖x_i‖² = R²/(4n)
// exactly (n = 4, R = 1: both sides 1/16).
func TestBasicInequalityLogisticRiskFairCoins(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/logistic-risk")
	l, r := exampleSides(t, th.Examples, "fair-coins", "step 6 noise level")
	if diff := cmp.Diff(sides{1.0 / 16, 1.0 / 16}, sides{l, r}); diff != "" {
		t.Errorf("noise level (-want +got):\n%s", diff)
	}
}

// The Bayes-label control's example in closed form: three rows x_i = 1, θ* = ½, all labels 1,
// one step of 1/L = 4 from 0 gives θ_1 = 4·(1 − σ(0)) = 2, so every draw has
// avgKL = KL(Bern(σ(½)) ‖ Bern(σ(2))) (no spread: the lower bound is the estimate), against
// τR²/(8n) + ‖θ*‖²/(2τ) = 4/24 + ¼/8.
func TestBasicInequalityLogisticRiskBayesLabelsExample(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/logistic-risk")
	var exs []theorems.Example
	for _, c := range th.Controls {
		if c.Name == "labels-not-from-the-model" {
			exs = c.Examples
		}
	}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	p, q := sig(0.5), sig(2)
	kl := p*math.Log(p/q) + (1-p)*math.Log((1-p)/(1-q))
	l, r := exampleSides(t, exs, "three-equal-rows", theorems.ClaimStep)
	if diff := cmp.Diff(sides{kl, 4.0/24 + 0.25/8}, sides{l, r}, cmpopts.EquateApprox(1e-13, 0)); diff != "" {
		t.Errorf("claim sides (-want +got):\n%s", diff)
	}
	if !(l > r) {
		t.Errorf("the example must violate the claim: %g ≤ %g", l, r)
	}
}
