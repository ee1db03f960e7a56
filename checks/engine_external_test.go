package checks_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// toy is a theorem about one GD step on f(x) = h x²/2: f(x_1) ≤ f(x_0) − (η/2) x_0²h², which
// holds for η ≤ 1/h. Its controls break the step-size hypothesis, panic, or return NaN.
func toy(etaMax float64) *theorems.Theorem {
	prop := func(t *rapid.T) theorems.Evidence {
		h := rapid.Float64Range(0.5, 2).Draw(t, "h")
		x0 := rapid.Float64Range(-10, 10).Draw(t, "x0")
		eta := rapid.Float64Range(0, etaMax).Draw(t, "eta_times_h") / h
		if eta == 0 {
			return theorems.Discarded("zero step")
		}
		g := h * x0
		x1 := x0 - eta*g
		f0, f1 := h*x0*x0/2, h*x1*x1/2
		var ev theorems.Evidence
		ev.Add(theorems.Le("step 1 descent", 0, f1, f0-eta/2*g*g, f1, f0, eta/2*g*g))
		ev.Add(theorems.Le(theorems.ClaimStep, -1, f1, f0, f1, f0))
		ev.Instance = "toy"
		return ev
	}
	return &theorems.Theorem{ID: "toy/descent", Kind: theorems.Exact, Source: theorems.Derived, Property: prop}
}

func TestHoldingTheoremHolds(t *testing.T) {
	res := checks.CheckTheorem(toy(1), checks.Config{Checks: 50, Seed: 3})
	if res.Status != checks.StatusHolds || res.Violations != 0 {
		t.Fatalf("status %s, %d violations: %+v", res.Status, res.Violations, res.Counterexample)
	}
	if res.Checks < 50 {
		t.Errorf("checks = %d, want ≥ 50", res.Checks)
	}
	if res.WorstMargin == nil || float64(*res.WorstMargin) > 0 {
		t.Errorf("worst margin %v, want ≤ 0", res.WorstMargin)
	}
}

func TestBrokenHypothesisIsViolatedAndShrunk(t *testing.T) {
	res := checks.CheckTheorem(toy(2), checks.Config{Checks: 200, Seed: 3})
	if res.Status != checks.StatusViolated {
		t.Fatalf("status %s, want violated", res.Status)
	}
	ce := res.Counterexample
	if ce == nil || ce.Step != "step 1 descent" || ce.Index != 0 {
		t.Fatalf("counterexample %+v, want the first failing step named", ce)
	}
	if !(float64(ce.LHS) > float64(ce.RHS)) {
		t.Errorf("counterexample sides %v ≤ %v", ce.LHS, ce.RHS)
	}
	labels := map[string]bool{}
	for _, d := range ce.Draws {
		labels[d.Label] = true
	}
	for _, want := range []string{"h", "x0", "eta_times_h"} {
		if !labels[want] {
			t.Errorf("counterexample lacks draw %q: %+v", want, ce.Draws)
		}
	}
	if !strings.Contains(res.Replay, "verify replay toy/descent --seed 3") {
		t.Errorf("replay %q", res.Replay)
	}
}

func TestNaNNeverHolds(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/nan", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		var ev theorems.Evidence
		ev.Add(theorems.Le(theorems.ClaimStep, -1, math.NaN(), 1))
		return ev
	}}
	if res := checks.CheckTheorem(th, checks.Config{Checks: 10, Seed: 1}); res.Status != checks.StatusViolated {
		t.Fatalf("NaN gave status %s", res.Status)
	}
	th.Property = func(t *rapid.T) theorems.Evidence {
		var ev theorems.Evidence
		ev.Add(theorems.Le(theorems.ClaimStep, -1, 0, math.Inf(1)))
		return ev
	}
	if res := checks.CheckTheorem(th, checks.Config{Checks: 10, Seed: 1}); res.Status != checks.StatusViolated {
		t.Fatalf("+Inf right side gave status %s", res.Status)
	}
}

func TestNoiseIsCountedNotPassedSilently(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/noise", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		var ev theorems.Evidence
		ev.Add(theorems.Le(theorems.ClaimStep, -1, 1+1e-15, 1))
		return ev
	}}
	res := checks.CheckTheorem(th, checks.Config{Checks: 10, Seed: 1})
	if res.Status != checks.StatusHolds || res.Noise != res.Checks || res.Checks == 0 {
		t.Fatalf("status %s, noise %d of %d checks", res.Status, res.Noise, res.Checks)
	}
}

func TestPanicBecomesErrorWithReplay(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/panic", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		n := rapid.IntRange(0, 3).Draw(t, "n")
		if n == 2 {
			var m []float64
			_ = m[n] // index out of range, as a linear-algebra bug would
		}
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, 1)}}
	}}
	res := checks.CheckTheorem(th, checks.Config{Checks: 100, Seed: 9})
	if res.Status != checks.StatusError {
		t.Fatalf("status %s, want error", res.Status)
	}
	if !strings.Contains(res.Message, "verify replay toy/panic --seed 9") || !strings.Contains(res.Message, "index out of range") {
		t.Errorf("message %q lacks the panic or the replay command", res.Message)
	}
}

func TestDiscardsAreCountedWithReasonsAndHealthChecked(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/discards", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		if rapid.IntRange(0, 9).Draw(t, "k") < 8 {
			return theorems.Discarded("degenerate: k < 8")
		}
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, 1)}}
	}}
	res := checks.CheckTheorem(th, checks.Config{Checks: 20, Seed: 4})
	if res.Discarded == 0 || res.DiscardReasons["degenerate: k < 8"] != res.Discarded {
		t.Fatalf("discards %d, reasons %v", res.Discarded, res.DiscardReasons)
	}
	if res.Status != checks.StatusInconclusive {
		t.Fatalf("status %s with %d of %d discarded, want inconclusive", res.Status, res.Discarded, res.Discarded+res.Checks)
	}
}

func TestExamplesRunFirst(t *testing.T) {
	th := toy(1)
	th.Examples = []theorems.Example{{Name: "bad", Run: func() theorems.Evidence {
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le("claim", -1, 2, 1)}, Instance: "explicit"}
	}}}
	res := checks.CheckTheorem(th, checks.Config{Checks: 10, Seed: 1})
	if res.Status != checks.StatusViolated || res.Counterexample.Instance != "explicit" || res.Checks != 1 {
		t.Fatalf("status %s after %d checks, counterexample %+v", res.Status, res.Checks, res.Counterexample)
	}
}

func TestControlsAreCaughtOrReported(t *testing.T) {
	th := toy(1)
	th.Controls = []theorems.Control{
		{Name: "big-step", Breaks: theorems.BreaksHypothesis, Property: toy(2).Property},
		{Name: "toothless", Breaks: theorems.BreaksConstant, Property: toy(0.5).Property},
	}
	rep := checks.Run(context.Background(), []*theorems.Theorem{th}, checks.Config{Checks: 100, Seed: 2, Controls: true, Parallel: 2})
	if len(rep.Controls) != 2 {
		t.Fatalf("%d control results", len(rep.Controls))
	}
	if !rep.Controls[0].Caught || rep.Controls[0].FailingStep != "step 1 descent" {
		t.Errorf("big-step control: %+v", rep.Controls[0])
	}
	if rep.Controls[1].Caught || rep.Controls[1].Message == "" {
		t.Errorf("a control that cannot fail must be reported as not caught: %+v", rep.Controls[1])
	}
	if rep.OK() {
		t.Error("a report with an uncaught control must not be OK")
	}
}

func TestSameSeedSameReport(t *testing.T) {
	ths := []*theorems.Theorem{toy(1), toy(2)}
	ths[1].ID = "toy/broken"
	run := func() []byte {
		rep := checks.Run(context.Background(), ths, checks.Config{Checks: 100, Seed: 5, Parallel: 2, Profile: "quick"})
		for i := range rep.Results {
			rep.Results[i].ElapsedMS = 0
		}
		b, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := run(), run()
	if diff := cmp.Diff(string(a), string(b)); diff != "" {
		t.Fatalf("same seed, different reports (-first +second):\n%s", diff)
	}
}

func TestNotEncodedIsReportedNotRun(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/later", NotEncoded: "not yet"}
	res := checks.CheckTheorem(th, checks.Config{Checks: 10, Seed: 1})
	if res.Status != checks.StatusNotEncoded || res.Message != "not yet" {
		t.Fatalf("%+v", res)
	}
}

func TestNonFiniteNumbersSurviveJSON(t *testing.T) {
	n := checks.Num(math.Inf(1))
	rep := checks.Report{Results: []checks.Result{{WorstMargin: &n, Metrics: map[string]checks.Num{"x": checks.Num(math.NaN())}}}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"worst_margin":"+Inf"`) || !strings.Contains(string(b), `"x":"NaN"`) {
		t.Fatalf("%s", b)
	}
}

func TestCancelledRunKeepsFinishedRows(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fast := toy(1)
	slow := &theorems.Theorem{ID: "toy/slow", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		cancel() // the user presses Ctrl-C while this theorem runs
		<-ctx.Done()
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, 1)}}
	}}
	rep := checks.Run(ctx, []*theorems.Theorem{fast, slow, toy(1)}, checks.Config{Checks: 20, Seed: 1, Parallel: 1})
	if !rep.Interrupted {
		t.Fatal("a cancelled run must be marked interrupted")
	}
	if len(rep.Results) == 0 || rep.Results[0].Theorem != "toy/descent" || rep.Results[0].Status != checks.StatusHolds {
		t.Fatalf("finished rows lost: %+v", rep.Results)
	}
	if len(rep.Results) == 3 {
		t.Fatal("work scheduled after the interrupt still ran")
	}
	if rep.OK() {
		t.Error("an interrupted run is not OK")
	}
}

func TestExperimentsRunSeededAndReportTheirMetrics(t *testing.T) {
	th := &theorems.Theorem{ID: "toy/experiment", Kind: theorems.Empirical, Experiment: func(cfg theorems.ExperimentConfig) theorems.Evidence {
		var ev theorems.Evidence
		rate := float64(cfg.Seed%10) / 10
		ev.Add(theorems.Le(theorems.ClaimStep, -1, 0.5, rate)) // success rate must reach 0.5
		ev.Metrics = map[string]float64{"success_rate": rate, "paper_success_rate": 0.9}
		return ev
	}}
	res := checks.CheckTheorem(th, checks.Config{Seed: 7, Profile: "ci"})
	if res.Status != checks.StatusHolds || float64(res.Metrics["success_rate"]) != 0.7 || float64(res.Metrics["paper_success_rate"]) != 0.9 {
		t.Fatalf("%s %v", res.Status, res.Metrics)
	}
	if res := checks.CheckTheorem(th, checks.Config{Seed: 3, Profile: "ci"}); res.Status != checks.StatusViolated || res.FailingStep != "claim" {
		t.Fatalf("a failed empirical claim must be violated: %s", res.Status)
	}
}
