package checks_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// campaignTheorem exercises everything a shard must split or keep whole: explicit examples
// (one violated), random instances with discards, noise, violations (the toy descent step
// beyond 1/h), per-instance metrics, an experiment with raw metrics and a table, and controls.
func campaignTheorem() *theorems.Theorem {
	th := toy(1.6)
	th.ID = "toy/campaign"
	prop := th.Property
	th.Property = func(t *rapid.T) theorems.Evidence {
		if rapid.IntRange(0, 9).Draw(t, "degenerate") == 0 {
			return theorems.Discarded("degenerate draw")
		}
		ev := prop(t)
		if ev.Discard == "" {
			ev.Metrics = map[string]float64{"x": rapid.Float64Range(-1, 1).Draw(t, "x") / 3}
			if len(ev.Steps) > 0 && math.Abs(ev.Steps[0].LHS) < 0.5 {
				ev.Steps = append(ev.Steps, theorems.Le("noisy", -1, 1+1e-15, 1))
			}
		}
		return ev
	}
	th.Examples = []theorems.Example{
		{Name: "fine", Run: func() theorems.Evidence {
			return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, 1)}, Instance: "fine example"}
		}},
		{Name: "bad", Run: func() theorems.Evidence {
			return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, -1e-3)}, Instance: "bad example"}
		}},
	}
	th.Experiment = func(cfg theorems.ExperimentConfig) theorems.Evidence {
		var ev theorems.Evidence
		ev.Add(theorems.Le(theorems.ClaimStep, -1, 0.5, 0.7))
		ev.Metrics = map[string]float64{"rate": 0.7, "paper_rate": 0.9}
		ev.Tables = []theorems.Table{{Title: "rates", Header: []string{"n", "rate"}, Rows: [][]string{{"10", "0.7"}}}}
		return ev
	}
	th.Controls = []theorems.Control{
		{Name: "big-step", Breaks: theorems.BreaksHypothesis, Property: toy(2).Property},
		{Name: "bigger-step", Breaks: theorems.BreaksHypothesis, Property: toy(3).Property},
	}
	return th
}

func runShards(t *testing.T, ths []*theorems.Theorem, cfg checks.Config, n int) (whole, merged *checks.Report) {
	t.Helper()
	cfg.Shard = &checks.Shard{K: 1, N: 1}
	whole = checks.Run(context.Background(), ths, cfg)
	checks.Unshard(whole)
	var reps []*checks.Report
	for k := n; k >= 1; k-- { // any order
		cfg.Shard = &checks.Shard{K: k, N: n}
		reps = append(reps, checks.Run(context.Background(), ths, cfg))
	}
	merged, err := checks.Merge(reps, nil)
	if err != nil {
		t.Fatal(err)
	}
	return whole, merged
}

func withoutTimings(rep *checks.Report) *checks.Report {
	for i := range rep.Results {
		rep.Results[i].ElapsedMS = 0
	}
	return rep
}

func TestShardsMergeToTheWholeRun(t *testing.T) {
	random := toy(2)
	random.ID = "toy/random-violations" // no example: its first failure is a random instance, shrunk
	// Every instance attains the worst margin 0: the worst instance is the earliest drawn.
	ties := &theorems.Theorem{ID: "toy/ties", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
		k := rapid.IntRange(0, 1000).Draw(t, "k")
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 1, 1)}, Instance: fmt.Sprint("k = ", k)}
	}}
	ths := []*theorems.Theorem{campaignTheorem(), random, toy(1), ties}
	cfg := checks.Config{Checks: 200, Seed: 11, Controls: true, Parallel: 2, Profile: "ci"}
	for _, n := range []int{1, 2, 4, 7} {
		whole, merged := runShards(t, ths, cfg, n)
		if diff := cmp.Diff(withoutTimings(whole), withoutTimings(merged)); diff != "" {
			t.Fatalf("%d shards merged differ from the whole run (-whole +merged):\n%s", n, diff)
		}
	}
	whole, _ := runShards(t, ths, cfg, 1)
	c := whole.Results[0]
	if c.Checks+c.Discarded != 200+2+1 || c.Discarded == 0 || c.Noise == 0 || c.Violations < 2 {
		t.Errorf("every instance must be counted: %d checks, %d discarded, %d noise, %d violations", c.Checks, c.Discarded, c.Noise, c.Violations)
	}
	if c.Counterexample == nil || c.Counterexample.Instance != "bad example" {
		t.Errorf("the earliest failure is the explicit example: %+v", c.Counterexample)
	}
	if c.Metrics["rate"] != 0.7 || c.Metrics["x_mean"] == 0 || len(c.Tables) != 1 {
		t.Errorf("experiment metrics, instance metrics or tables lost: %v %v", c.Metrics, c.Tables)
	}
	r := whole.Results[1]
	if r.Status != checks.StatusViolated || r.Violations < 10 || r.Counterexample == nil || len(r.Counterexample.Draws) == 0 {
		t.Fatalf("violations and the shrunk counterexample: %+v", r)
	}
	if len(whole.Controls) != 2 || !whole.Controls[0].Caught || !whole.Controls[1].Caught {
		t.Errorf("controls: %+v", whole.Controls)
	}
}

// The instance-indexed engine must evaluate exactly the instances rapid's own loop draws, in
// the same order: instance i of a run is rapid's instance i for the same seed.
func TestInstanceIIsRapidsInstanceI(t *testing.T) {
	record := func(seen *[]string) *theorems.Theorem {
		return &theorems.Theorem{ID: "toy/record", Kind: theorems.Exact, Property: func(t *rapid.T) theorems.Evidence {
			x := rapid.Float64().Draw(t, "x")
			n := rapid.IntRange(0, 1000).Draw(t, "n")
			*seen = append(*seen, fmt.Sprint(x, n))
			return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, 0, 1)}}
		}}
	}
	var native, indexed []string
	checks.CheckTheorem(record(&native), checks.Config{Checks: 50, Seed: 21})
	checks.CheckTheorem(record(&indexed), checks.Config{Checks: 50, Seed: 21, Shard: &checks.Shard{K: 1, N: 1}})
	if diff := cmp.Diff(native, indexed); diff != "" || len(native) == 0 {
		t.Fatalf("instance-indexed run drew other instances than rapid (-rapid +indexed):\n%s", diff)
	}
	var third []string
	checks.CheckTheorem(record(&third), checks.Config{Checks: 50, Seed: 21, Shard: &checks.Shard{K: 3, N: 4}})
	var want []string
	for i := 2; i < len(native); i += 4 {
		want = append(want, native[i])
	}
	if diff := cmp.Diff(want, third); diff != "" {
		t.Fatalf("shard 3/4 must draw instances 2, 6, 10, … (-want +got):\n%s", diff)
	}
}

// The shrunk counterexample of an instance-indexed run is the one rapid's own loop finds: the
// same first failing instance, shrunk by the same shrinker.
func TestShrunkCounterexampleIsRapids(t *testing.T) {
	native := checks.CheckTheorem(toy(2), checks.Config{Checks: 100, Seed: 3})
	indexed := checks.CheckTheorem(toy(2), checks.Config{Checks: 100, Seed: 3, Shard: &checks.Shard{K: 1, N: 1}})
	if native.Counterexample == nil || indexed.Counterexample == nil {
		t.Fatalf("no counterexample: %+v %+v", native.Counterexample, indexed.Counterexample)
	}
	if diff := cmp.Diff(native.Counterexample, indexed.Counterexample); diff != "" {
		t.Fatalf("counterexamples differ (-rapid +indexed):\n%s", diff)
	}
	if indexed.Violations <= native.Violations {
		t.Errorf("the indexed run counts every violation: %d vs rapid's %d", indexed.Violations, native.Violations)
	}
}

func TestMergeRefusesWhatIsNotOneWholeRun(t *testing.T) {
	ths := []*theorems.Theorem{toy(1)}
	shard := func(k, n int, seed uint64, checksN int) *checks.Report {
		return checks.Run(context.Background(), ths, checks.Config{Checks: checksN, Seed: seed, Shard: &checks.Shard{K: k, N: n}})
	}
	plain := checks.Run(context.Background(), ths, checks.Config{Checks: 10, Seed: 1})
	interrupted := shard(2, 2, 1, 10)
	interrupted.Interrupted = true
	cases := []struct {
		reps []*checks.Report
		want string
	}{
		{nil, "nothing to merge"},
		{[]*checks.Report{shard(1, 2, 1, 10)}, "missing shards: 2/2"},
		{[]*checks.Report{shard(1, 2, 1, 10), shard(1, 2, 1, 10)}, "shard 1/2 given twice"},
		{[]*checks.Report{shard(1, 2, 1, 10), shard(2, 2, 2, 10)}, "mixed seeds"},
		{[]*checks.Report{shard(1, 2, 1, 10), shard(2, 3, 1, 10)}, "mixed shard counts"},
		{[]*checks.Report{shard(1, 2, 1, 10), shard(2, 2, 1, 20)}, "mixed --checks"},
		{[]*checks.Report{shard(1, 2, 1, 10), interrupted}, "was interrupted"},
		{[]*checks.Report{plain}, "not a shard's report"},
	}
	for _, c := range cases {
		_, err := checks.Merge(c.reps, nil)
		var me *checks.MergeError
		if !errors.As(err, &me) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d reports: error %v, want a MergeError with %q", len(c.reps), err, c.want)
		}
	}
	other := checks.Run(context.Background(), []*theorems.Theorem{toy(2)}, checks.Config{Checks: 10, Seed: 1, Shard: &checks.Shard{K: 2, N: 2}})
	other.Results[0].Theorem = "toy/other"
	if _, err := checks.Merge([]*checks.Report{shard(1, 2, 1, 10), other}, nil); err == nil {
		t.Error("shards of different runs merged")
	}
}

func TestParseShard(t *testing.T) {
	for s, want := range map[string]checks.Shard{"1/1": {K: 1, N: 1}, "3/4": {K: 3, N: 4}, " 2/9 ": {K: 2, N: 9}} {
		if got, err := checks.ParseShard(s); err != nil || got != want {
			t.Errorf("%q: %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "1", "0/4", "5/4", "a/b", "1/0", "-1/2", "1/2/3"} {
		if _, err := checks.ParseShard(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}

// The instance-indexed engine against rapid's own loop on a cheap property: the cost per
// instance of counting every instance and of skipping the other shards' instances.
func BenchmarkInstanceEngine(b *testing.B) {
	for _, c := range []struct {
		name  string
		shard *checks.Shard
	}{{"rapid-loop", nil}, {"whole", &checks.Shard{K: 1, N: 1}}, {"shard-1-of-4", &checks.Shard{K: 1, N: 4}}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				checks.CheckTheorem(toy(1), checks.Config{Checks: 1000, Seed: 1, Shard: c.shard})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*1000), "ns/instance")
		})
	}
}
