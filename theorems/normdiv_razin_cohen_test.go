package theorems_test

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/internal/numeric"
	"github.com/implicitreg/verify/theorems"
)

func ndtTheorem(t *testing.T) *theorems.Theorem {
	t.Helper()
	th, ok := theorems.Lookup("norm-divergence/razin-cohen")
	if !ok || !th.Encoded() {
		t.Fatal("norm-divergence/razin-cohen is not registered")
	}
	return th
}

func ndtControl(t *testing.T, th *theorems.Theorem, name string) theorems.Control {
	t.Helper()
	for _, c := range th.Controls {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no control %q", name)
	return theorems.Control{}
}

// ndtJudge runs an experiment and judges every step.
func ndtJudge(t *testing.T, exp theorems.Experiment, profile string, seed uint64) (theorems.Evidence, []theorems.Outcome) {
	t.Helper()
	ev := exp(theorems.ExperimentConfig{Profile: profile, Seed: seed})
	out := make([]theorems.Outcome, len(ev.Steps))
	for i, q := range ev.Steps {
		out[i] = theorems.DefaultTolerance.Judge(q, &ev)
	}
	return ev, out
}

// ndtViolated lists the violated steps whose name starts with prefix.
func ndtViolated(ev theorems.Evidence, out []theorems.Outcome, prefix string) []string {
	var v []string
	for i, q := range ev.Steps {
		if out[i] == theorems.Violated && strings.HasPrefix(q.Step, prefix) {
			v = append(v, q.Step)
		}
	}
	return v
}

func TestNormDivergenceRazinCohen(t *testing.T) {
	checks.TheoremTest(t, ndtTheorem(t))
}

// Under ci every asserted step holds, the Gaussian runs are reported and never asserted, the
// reference numbers stand labelled beside ours, and the same seed gives the same evidence.
func TestNormDivergenceRazinCohenCIEvidence(t *testing.T) {
	th := ndtTheorem(t)
	ev, out := ndtJudge(t, th.Experiment, "ci", 7)
	for i, o := range out {
		if o != theorems.Holds {
			t.Errorf("%s: %v (%g vs %g)", ev.Steps[i].Step, o, ev.Steps[i].LHS, ev.Steps[i].RHS)
		}
	}
	mt := ev.Metrics
	// 3 balanced seeds × (sign, bound, stop, 3 decade claims, 2 increases, rank claim) and
	// 10 perturbed runs × (sign, bound when det·pq > 0 was ever met).
	claims, signs := 0, 0
	for _, q := range ev.Steps {
		if q.Step == theorems.ClaimStep {
			claims++
		}
		if strings.HasPrefix(q.Step, "det W(t) keeps the sign") {
			signs++
		}
		if strings.Contains(q.Step, "Gaussian") && !strings.HasPrefix(q.Step, "exact bound along the run") {
			t.Errorf("a Gaussian run's behaviour is asserted: %s", q.Step)
		}
	}
	if claims != 3*4 || signs != 3+10 {
		t.Errorf("%d claims and %d sign checks, want 12 and 13", claims, signs)
	}
	want := map[string]float64{
		"paper_abs_w11_at_stop_lo": 60, "paper_abs_w11_at_stop_hi": 70, "notes_measured_balanced_abs_w11_at_stop": 70.70,
		"notes_measured_balanced_steps_to_stop": 3.6e6, "stop_loss": 1e-3, "paper_stop_loss": 1e-4, "lr": 3e-3, "depth": 3,
		"balanced_runs_reached_stop": 3, "balanced_sign_changes_total": 0, "gaussian_runs": 2,
	}
	for k, v := range want {
		if got, ok := mt[k]; !ok || math.Abs(got-v) > 1e-12*math.Abs(v) {
			t.Errorf("metric %s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if b := mt["derived_bound_at_paper_stop"]; math.Abs(b-68.72) > 0.005 {
		t.Errorf("derived bound at ℓ = 1e-4: %v, want 68.72", b)
	}
	// |w_11| grows across the decades (the asserted claims), far above the bound at 1e-3.
	if a, b, c := mt["balanced_abs_w11_at_loss_1e-1_min"], mt["balanced_abs_w11_at_loss_1e-2_min"], mt["balanced_abs_w11_at_loss_1e-3_min"]; !(a < b && b < c && c > mt["derived_bound_at_loss_1e-3"]) {
		t.Errorf("|w_11| at the decades: %v, %v, %v", a, b, c)
	}
	// σ_2/σ_1 recomputed by SVD from the reported final W agrees with the accurate value.
	W := mat.NewDense(2, 2, []float64{mt["balanced_seed0_final_w11"], mt["balanced_seed0_final_w12"], mt["balanced_seed0_final_w21"], mt["balanced_seed0_final_w22"]})
	s, ok := numeric.SingularValues(W)
	if !ok {
		t.Fatal("SVD failed")
	}
	// The SVD's σ_2 is accurate to a few ε·σ_1 only; the reported one (|det|/σ_1) to a few ε·σ_2.
	if d := math.Abs(s[1] - mt["balanced_seed0_dist_to_rank1_at_stop"]); d > 1e-14*s[0] {
		t.Errorf("σ_2: SVD %v, reported %v", s[1], mt["balanced_seed0_dist_to_rank1_at_stop"])
	}
	if s[1]/s[0] > 1e-3 {
		t.Errorf("final W not nearly rank 1: σ = %v", s)
	}
	// Gaussian metrics present, not judged; timings reported, not judged.
	for _, k := range []string{"gaussian_runs_with_sign_change", "gaussian_sign_changes_total", "timing_ms_balanced_run_mean", "timing_ms_experiment"} {
		if _, ok := mt[k]; !ok {
			t.Errorf("metric %s missing", k)
		}
	}
	for _, q := range ev.Steps {
		if s := strings.ToLower(q.Step); strings.Contains(s, "timing") || strings.Contains(s, "time per") {
			t.Errorf("step %q judges a timing", q.Step)
		}
	}
	again, _ := ndtJudge(t, th.Experiment, "ci", 7)
	strip := func(m map[string]float64) map[string]float64 {
		out := map[string]float64{}
		for k, v := range m {
			if !strings.HasPrefix(k, "timing_") {
				out[k] = v
			}
		}
		return out
	}
	if d := cmp.Diff(ev.Steps, again.Steps); d != "" {
		t.Errorf("same seed, different steps:\n%s", d)
	}
	if d := cmp.Diff(strip(ev.Metrics), strip(again.Metrics)); d != "" {
		t.Errorf("same seed, different metrics:\n%s", d)
	}
}

// Control (a): a reflection in one balanced factor (det W(0) < 0, still balanced). The sign is
// kept (negative) and ℓ falls, but the solution stays bounded: every decade claim and the rank
// claim fail, the sign checks do not.
func TestNormDivergenceRazinCohenNegativeDetCaughtByGrowth(t *testing.T) {
	th := ndtTheorem(t)
	ev, out := ndtJudge(t, ndtControl(t, th, "negative-det-start").Experiment, "ci", 0)
	if v := ndtViolated(ev, out, theorems.ClaimStep); len(v) != 3*4 {
		t.Errorf("%d claims violated, want all 12", len(v))
	}
	if v := ndtViolated(ev, out, "det W(t) keeps"); len(v) != 0 {
		t.Errorf("sign checks violated under a negative start: %v (the sign is kept, only growth fails)", v)
	}
	if v := ndtViolated(ev, out, "ℓ reaches"); len(v) != 0 {
		t.Errorf("the loss did not fall: %v", v)
	}
	if w := ev.Metrics["balanced_abs_w11_at_stop_max"]; w > 0.01 {
		t.Errorf("bounded run ended with |w_11| = %v", w)
	}
	if d := ev.Metrics["balanced_det_at_stop_max"]; d > -0.9 {
		t.Errorf("det at the stop %v, want ≈ −1", d)
	}
}

// Control (b): depth 1. w_11 never moves and det W crosses to −1 within a few steps: caught by
// the sign checks and by every decade claim.
func TestNormDivergenceRazinCohenDepthOneCaught(t *testing.T) {
	th := ndtTheorem(t)
	ev, out := ndtJudge(t, ndtControl(t, th, "depth-1").Experiment, "ci", 0)
	if v := ndtViolated(ev, out, "det W(t) keeps"); len(v) != 3 {
		t.Errorf("sign checks violated: %v, want all 3", v)
	}
	if v := ndtViolated(ev, out, theorems.ClaimStep); len(v) != 3*4 {
		t.Errorf("%d claims violated, want all 12", len(v))
	}
	if ev.Metrics["depth"] != 1 {
		t.Errorf("depth metric %v", ev.Metrics["depth"])
	}
}

// Control (c): |w_11| ≥ 1/√(2ℓ) is false. The explicit witness (ℓ = 5e-3, r = 0.1): w_12 =
// w_21 = 0.99, w_22 = 0.1·√0.98, w_11 = 0.99²/w_22·(1 + 1e-9) ≈ 9.9005 < 10, with det W > 0 and
// the true bound (0.9²/0.1 = 8.1) holding. And rapid's generator finds such W by itself: the
// control's property fails under several rapid seeds with the default number of checks.
func TestNormDivergenceRazinCohenLeadingOrderCaught(t *testing.T) {
	r := 0.1
	w22 := r * math.Sqrt(1-2*r*r)
	w11 := 0.99 * 0.99 / w22 * (1 + 1e-9)
	if !(w11 < 1/r && w11 > (1-r)*(1-r)/r && w11*w22-0.99*0.99 > 0) {
		t.Fatalf("witness broken: w_11 = %v", w11)
	}
	l := ((0.99-1)*(0.99-1)*2 + w22*w22) / 2
	if math.Abs(math.Sqrt(2*l)-r) > 1e-15 {
		t.Fatalf("witness radius %v", math.Sqrt(2*l))
	}
	th := ndtTheorem(t)
	c := ndtControl(t, th, "leading-order-bound")
	for _, seed := range []uint64{1, 2, 3, 4, 5} {
		found := false
		// The default 100 checks (20 under -short): the property fails inside them.
		n := 100
		if testing.Short() {
			n = 20
		}
		for i := 0; i < n && !found; i++ {
			var ev theorems.Evidence
			rapid.Custom(func(rt *rapid.T) int {
				ev = c.Property(rt)
				return 0
			}).Example(int(seed)*1000 + i)
			if ev.Discard != "" {
				continue
			}
			if theorems.DefaultTolerance.JudgeEvidence(&ev).Outcome == theorems.Violated {
				found = true
			}
		}
		if !found {
			t.Errorf("rapid seed family %d: the leading-order claim survived %d draws", seed, n)
		}
	}
}

// Control (d): the authors' unbalanced Gaussian start, claimed to keep det's sign: det
// crosses in (almost) every seed, so the claim fails.
func TestNormDivergenceRazinCohenGaussianSignCaught(t *testing.T) {
	th := ndtTheorem(t)
	ev, out := ndtJudge(t, ndtControl(t, th, "gaussian-start-keeps-sign").Experiment, "ci", 0)
	if v := ndtViolated(ev, out, "det W(t) keeps"); len(v) == 0 {
		t.Error("no Gaussian run changed det's sign")
	}
	if ev.Metrics["gaussian_runs"] != 8 {
		t.Errorf("gaussian_runs = %v", ev.Metrics["gaussian_runs"])
	}
}

// The exact property's generator approaches the bound: some draw has bound/|w_11| > 0.99.
func TestNormDivergenceRazinCohenPropertyTight(t *testing.T) {
	th := ndtTheorem(t)
	r := checks.CheckTheorem(&theorems.Theorem{ID: th.ID, Kind: th.Kind, Tolerance: th.Tolerance, Property: th.Property}, checks.Config{Profile: "ci", Checks: 300, Seed: 3})
	if r.Status != checks.StatusHolds {
		t.Fatalf("%s: %s %s", r.Status, r.FailingStep, r.Message)
	}
	if m := float64(r.Metrics["bound_over_abs_w11_max"]); !(m > 0.99 && m <= 1) {
		t.Errorf("tightest bound/|w_11| = %v, want in (0.99, 1]", m)
	}
	if r.Discarded*10 > r.Checks {
		t.Errorf("%d of %d draws discarded", r.Discarded, r.Checks+r.Discarded)
	}
}

// A user's gradient stands in through algorithms.DeepMF2x2StepFrom: the theorem built on the
// generic DeepMFGrad gives the same verdicts and, to rounding, the same numbers as ours (on the
// cheap controls, to keep the test short).
func TestNormDivergenceRazinCohenUserStep(t *testing.T) {
	ours := ndtTheorem(t)
	user := theorems.NormDivergenceRazinCohen(algorithms.DeepMF2x2StepFrom(algorithms.DeepMFGrad))
	for _, name := range []string{"depth-1", "negative-det-start"} {
		a, ao := ndtJudge(t, ndtControl(t, ours, name).Experiment, "ci", 0)
		b, bo := ndtJudge(t, ndtControl(t, user, name).Experiment, "ci", 0)
		if d := cmp.Diff(ao, bo); d != "" {
			t.Errorf("%s: verdicts differ:\n%s", name, d)
		}
		for _, k := range []string{"balanced_abs_w11_at_stop_mean", "balanced_steps_to_stop_mean", "balanced_det_at_stop_mean"} {
			if x, y := a.Metrics[k], b.Metrics[k]; math.Abs(x-y) > 1e-9*math.Abs(x) {
				t.Errorf("%s: %s = %v ours, %v generic", name, k, x, y)
			}
		}
	}
}
