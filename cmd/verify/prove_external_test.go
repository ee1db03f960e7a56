package main

import (
	"strings"
	"testing"
)

// The first must-show: a schedule with η_t ≤ 1/L is proved, exit 0, with the proof
// printed as a weighted sum of inequalities.
func TestProvePrintsTheProof(t *testing.T) {
	code, out, stderr := run(t, "prove", "basic-inequality/gd", "--steps", "1,1/2,3/4,1", "--L", "1")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		"Claim:  f(θ_4) + ‖θ_4 − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ)",
		"(τ = 13/4)·(LHS − RHS)",
		"13/4 × descent θ_3→θ_4",
		"3/4 × convexity z vs θ_2",
		"R = −7/16‖g_1‖² − 99/128‖g_2‖² − 9/8‖g_3‖²",
		"PROVED for every convex L-smooth f",
		"Tightness from below",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// A first step above 1/L: the certificate fails at its residual, no other is found, and the
// exactly replayed counterexample is shown; exit 1.
func TestProveShowsACounterexample(t *testing.T) {
	code, out, _ := run(t, "prove", "basic-inequality/gd", "--steps", "5/4,1/4")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{
		"certificate fails (residual)", "g_0 = u", "25/128",
		"NOT PROVED", "COUNTEREXAMPLE", "f(x) = x²/2 (quadratic); θ_0 = −5/3; z = −4/3",
		"exact rational replay: LHS − RHS = 119/4608 > 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// Steps 1, 5/4 break the statement's hypothesis η_t ≤ 1/L, yet the claim holds for every
// L-smooth convex function: THEOREMS.md §1's certificate leaves the residual
// −(35/128)‖g_1‖² (coefficient (η²/2)(1 − Lη) + τ_1 η(1 − Lη/2) = −25/128 + 60/128 at t = 1).
// The tool proves it (exit 0) and notes the broken hypothesis; it must not invent a
// counterexample.
func TestProveStepAboveInvLThatStillHolds(t *testing.T) {
	code, out, _ := run(t, "prove", "basic-inequality/gd", "--steps", "1,5/4")
	if code != 0 || !strings.Contains(out, "R = −35/128‖g_1‖²") || !strings.Contains(out, "η_1 = 5/4 > 1/L = 1") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if strings.Contains(out, "COUNTEREXAMPLE") {
		t.Fatalf("counterexample to a proved claim:\n%s", out)
	}
}

// PEPit's setting for Drori–Teboulle (L = 3, N = 4, step 1/L: 0.1666667 = 3/18): proved by
// the automatic search, and attained by the Huber instance.
func TestProveDroriTeboulle(t *testing.T) {
	code, out, _ := run(t, "prove", "pep/drori-teboulle", "--constant", "1/3", "--T", "4", "--L", "3")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"= (1/6)‖θ_0 − x*‖²", "automatic search", "known extremal       LHS/RHS 1.000000000", "exact replay: LHS − RHS = 0"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestProveBadInputExitsTwo(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"prove"}, "exactly one claim ID"},
		{[]string{"prove", "nosuch/claim", "--steps", "1"}, "no certificate is encoded"},
		{[]string{"prove", "basic-inequality/gd"}, "give the schedule"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1", "--constant", "1", "--T", "2"}, "not both"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1,-1/2"}, "must be positive"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1,abc"}, "is not a number"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1", "--T", "3"}, "--T goes with --constant"},
		{[]string{"prove", "basic-inequality/gd", "--constant", "1/2"}, "needs --T"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1", "--L", "0"}, "--L must be positive"},
		{[]string{"prove", "basic-inequality/gd", "--constant", "1", "--T", "100000"}, "above the limit"},
		{[]string{"prove", "basic-inequality/gd-large-step", "--steps", "1,3/2"}, "constant step"},
		{[]string{"prove", "basic-inequality/gd-large-step", "--constant", "2", "--T", "3"}, "undefined at η = 2/L"},
		{[]string{"prove", "basic-inequality/gd", "--steps", "1", "--seed", "0"}, "--seed must be a positive"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q (want 2 and %q)", c.args, code, stderr, c.want)
		}
	}
}

func TestProveHelpListsTheClaims(t *testing.T) {
	code, out, _ := run(t, "prove", "--help")
	if code != 0 || !strings.Contains(out, "pep/drori-teboulle") || !strings.Contains(out, "Exit status: 0 proved") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, out, _ := run(t, "help"); !strings.Contains(out, "verify prove") {
		t.Errorf("verify help does not mention prove:\n%s", out)
	}
}
