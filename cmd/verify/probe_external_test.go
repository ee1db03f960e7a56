package main

import (
	"encoding/json"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/theorems"
)

type probeJSON struct {
	Values []struct {
		Value        float64
		InHypothesis *bool `json:"in_hypothesis"`
		Status       string
		Checks       int
		Violations   int
		Rate         float64 `json:"violation_rate"`
		RateLo       float64 `json:"violation_rate_lo"`
		RateHi       float64 `json:"violation_rate_hi"`
	}
	Boundary *struct {
		Value  float64
		Result struct {
			Status         string
			Counterexample *struct {
				Instance string
				Step     string
				LHS, RHS float64
				Draws    []struct{ Label, Value string }
			}
			Replay string
		}
	}
	Counterexample *float64 `json:"counterexample_in_hypothesis"`
}

func probeRun(t *testing.T, wantCode int, args ...string) probeJSON {
	t.Helper()
	code, out, stderr := run(t, append(append([]string{"probe"}, args...), "--format", "json")...)
	if code != wantCode {
		t.Fatalf("probe %q: exit %d, want %d: %s", args, code, wantCode, stderr)
	}
	var pr probeJSON
	if err := json.Unmarshal([]byte(out), &pr); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return pr
}

// The must-show: the violation rate of basic-inequality/gd is 0 up to step = 1 (η = 1/L)
// and rises beyond it, and the boundary's counterexample is shrunk to the catalogue's kind of
// instance (one dimension, one step).
func TestProbeGDStepShowsTheBoundaryAt1OverL(t *testing.T) {
	pr := probeRun(t, 0, "basic-inequality/gd", "--vary", "step=0.5:3:11", "--seed", "1")
	if len(pr.Values) != 11 || pr.Values[0].Value != 0.5 || pr.Values[10].Value != 3 || pr.Values[3].Value != 1.25 {
		t.Fatalf("values: %+v", pr.Values)
	}
	for _, v := range pr.Values {
		in := v.Value <= 1
		if v.InHypothesis == nil || *v.InHypothesis != in {
			t.Errorf("step %g: in_hypothesis %v", v.Value, v.InHypothesis)
		}
		if v.Checks == 0 || v.RateLo > v.Rate || v.Rate > v.RateHi {
			t.Errorf("step %g: %d checks, rate %g outside its interval [%g, %g]", v.Value, v.Checks, v.Rate, v.RateLo, v.RateHi)
		}
		if in && (v.Violations != 0 || v.Status != "holds") {
			t.Errorf("step %g ≤ 1: %d violations (%s): the theorem fails inside its hypothesis", v.Value, v.Violations, v.Status)
		}
		if v.Value >= 2 && v.Violations == 0 {
			t.Errorf("step %g: no violation found", v.Value)
		}
	}
	if last, first := pr.Values[10].Rate, pr.Values[3].Rate; !(last > first) {
		t.Errorf("violation rate does not rise: %g at step 1.25, %g at step 3", first, last)
	}
	b := pr.Boundary
	if b == nil || !(b.Value > 1 && b.Value <= 2) || b.Result.Status != "violated" || b.Result.Counterexample == nil {
		t.Fatalf("boundary: %+v", b)
	}
	ce := b.Result.Counterexample
	draws := map[string]string{}
	for _, d := range ce.Draws {
		draws[d.Label] = d.Value
	}
	if ce.Step != "claim" || !(ce.LHS > ce.RHS) || draws["T"] != "1" || draws["d"] != "1" {
		t.Errorf("boundary counterexample not the shrunk claim failure: %+v", ce)
	}
	if !strings.Contains(b.Result.Replay, "verify probe basic-inequality/gd --vary step=") {
		t.Errorf("replay %q", b.Result.Replay)
	}
	at := fmtValue(b.Value)
	code, table, _ := run(t, "probe", "basic-inequality/gd", "--vary", "step="+at, "--seed", "1")
	if code != 0 || !strings.Contains(table, "boundary: step = "+at) || !strings.Contains(table, "draw T = 1") {
		t.Errorf("table output: exit %d\n%s", code, table)
	}
}

// The norm-divergence bound's constant cannot be raised: 0 violations up to 1, violations at once
// beyond it.
func TestProbeNormDivergenceConstantIsSharp(t *testing.T) {
	pr := probeRun(t, 0, "norm-divergence/razin-cohen", "--vary", "constant=log:0.5:2:5", "--seed", "3")
	for _, v := range pr.Values {
		if v.Value <= 1 && v.Violations != 0 {
			t.Errorf("constant %g ≤ 1 violated %d times", v.Value, v.Violations)
		}
		if v.Value > 1 && v.Violations == 0 {
			t.Errorf("constant %g > 1 never violated: the draws do not approach the bound", v.Value)
		}
	}
	if pr.Values[1].Value != 0.707106781187 || pr.Boundary == nil || pr.Boundary.Value != 1.41421356237 {
		t.Errorf("log spacing or boundary: %+v, %+v", pr.Values, pr.Boundary)
	}
}

// A violation at a value the probe declares inside the hypothesis is a counterexample to the
// theorem: exit 1.
func TestProbeViolationInsideTheHypothesisExitsOne(t *testing.T) {
	claimAtMost1 := func(v float64) theorems.Property {
		return func(t *rapid.T) theorems.Evidence {
			x := rapid.Float64Range(0.5, 1).Draw(t, "x")
			return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, v*x, 1)}}
		}
	}
	theorems.RegisterProbe(theorems.Probe{Theorem: "basic-inequality/eg", Name: "test-only-wrong-hypothesis", Hypothesis: "v ≤ 2 (wrong: the claim needs v ≤ 1)",
		Holds: func(v float64) bool { return v <= 2 }, Property: claimAtMost1})
	pr := probeRun(t, 1, "basic-inequality/eg", "--vary", "test-only-wrong-hypothesis=0:3:4", "--seed", "2", "--checks", "50")
	if pr.Counterexample == nil || *pr.Counterexample != 2 || pr.Boundary == nil || pr.Boundary.Value != 2 {
		t.Fatalf("counterexample in hypothesis %v, boundary %+v", pr.Counterexample, pr.Boundary)
	}
	if pr.Values[3].Violations == 0 || pr.Values[1].Violations != 0 {
		t.Errorf("values: %+v", pr.Values)
	}
}

func TestProbeBadInputExitsTwo(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"probe"}, "exactly one theorem ID"},
		{[]string{"probe", "basic-inequality/gd"}, "needs --vary"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "eta=0.5:3"}, `no probe "eta"`},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=3:0.5"}, "FROM 3 is above TO 0.5"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=0.5:3:1"}, "STEPS must be ≥ 2"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=0.5:x"}, "not a finite number"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step"}, "want NAME=FROM:TO"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=0:1"}, "step must be a positive"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=log:0:1"}, "log spacing needs FROM > 0"},
		{[]string{"probe", "nosuch/thing", "--vary", "step=0.5:3"}, "unknown theorem"},
		{[]string{"probe", "basic-inequality", "--vary", "step=0.5:3"}, "is a family"},
		{[]string{"probe", "sco/sgd-rate", "--vary", "step=0.5:3"}, "has no probes"},
		{[]string{"probe", "basic-inequality/gd", "--vary", "step=0.5:3", "--seed", "0"}, "--seed must be a positive"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// Listing what exists when the ID has no probes or none was named.
	_, _, stderr := run(t, "probe", "sco/sgd-rate", "--vary", "step=0.5:3")
	if !strings.Contains(stderr, "basic-inequality/gd --vary step=") || !strings.Contains(stderr, "norm-divergence/razin-cohen --vary constant=") {
		t.Errorf("available probes not listed:\n%s", stderr)
	}
}
