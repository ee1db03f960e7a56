package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// runShardsCLI runs `verify run ARGS --seed 7` whole and as n shards, merges the shards with
// `verify merge`, and returns both reports.
func runShardsCLI(t *testing.T, n int, args ...string) (whole, merged *checks.Report) {
	t.Helper()
	dir := t.TempDir()
	read := func(path string) *checks.Report {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var rep checks.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		return &rep
	}
	base := append([]string{"run"}, args...)
	base = append(base, "--seed", "7", "--format", "json")
	wholePath := filepath.Join(dir, "whole.json")
	if code, _, stderr := run(t, append(base, "--out", wholePath)...); code != 0 {
		t.Fatalf("whole run: exit %d: %s", code, stderr)
	}
	mergeArgs := []string{"merge", "--format", "json", "--out", filepath.Join(dir, "merged.json")}
	for k := 1; k <= n; k++ {
		path := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		if code, _, stderr := run(t, append(base, "--shard", fmt.Sprintf("%d/%d", k, n), "--out", path)...); code != 0 {
			t.Fatalf("shard %d/%d: exit %d: %s", k, n, code, stderr)
		}
		mergeArgs = append(mergeArgs, path)
	}
	if code, _, stderr := run(t, mergeArgs...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	whole, merged = read(wholePath), read(filepath.Join(dir, "merged.json"))
	if whole.Campaign != nil || merged.Campaign != nil {
		t.Error("a whole or merged report carries campaign bookkeeping")
	}
	return whole, merged
}

// Four shards merged give the whole run's report: the same counts, worst cases, counterexamples
// and controls (timings aside).
func TestFourShardsMergeToTheWholeRun(t *testing.T) {
	whole, merged := runShardsCLI(t, 4, "basic-inequality/gd", "--controls")
	for _, rep := range []*checks.Report{whole, merged} {
		for i := range rep.Results {
			rep.Results[i].ElapsedMS = 0
		}
	}
	if diff := cmp.Diff(whole, merged); diff != "" {
		t.Fatalf("merged shards differ from the whole run (-whole +merged):\n%s", diff)
	}
	r := whole.Results[0]
	if r.Checks < 20 || len(whole.Controls) != 4 {
		t.Fatalf("%d checks, %d controls", r.Checks, len(whole.Controls))
	}
}

// A theorem with both a property (split over the shards) and an experiment (run whole in one
// shard): counts and worst margin agree exactly; only wall-clock timing metrics may differ.
func TestShardsOfAnExperimentTheoremMerge(t *testing.T) {
	whole, merged := runShardsCLI(t, 4, "norm-divergence/razin-cohen", "--profile", "ci", "--checks", "60")
	w, m := whole.Results[0], merged.Results[0]
	type counts struct {
		Status                               string
		Checks, Discarded, Noise, Violations int
		Worst, Tight                         checks.Num
		WorstInstance                        string
	}
	c := func(r checks.Result) counts {
		return counts{r.Status, r.Checks, r.Discarded, r.Noise, r.Violations, *r.WorstMargin, *r.Tightness, r.WorstInstance}
	}
	if diff := cmp.Diff(c(w), c(m)); diff != "" {
		t.Fatalf("counts differ (-whole +merged):\n%s", diff)
	}
	if w.Status != checks.StatusHolds || w.Checks <= 60/5 {
		t.Fatalf("whole run: %s with %d checks", w.Status, w.Checks)
	}
	for k, v := range w.Metrics {
		if strings.HasPrefix(k, "timing_") {
			continue
		}
		if mv, ok := m.Metrics[k]; !ok || (mv != v && !(v != v && mv != mv)) {
			t.Errorf("metric %s: whole %v, merged %v", k, v, mv)
		}
	}
	if len(w.Metrics) != len(m.Metrics) || len(w.Tables) != len(m.Tables) {
		t.Errorf("%d metrics and %d tables whole, %d and %d merged", len(w.Metrics), len(w.Tables), len(m.Metrics), len(m.Tables))
	}
}

// A violated theorem: merge keeps every violation and the shrunk counterexample of the earliest
// failing instance, and exits 1 like run.
func TestMergeKeepsTheViolationAndItsCounterexample(t *testing.T) {
	th := &theorems.Theorem{ID: "test/violated", Kind: theorems.Exact, Source: theorems.Derived, Property: func(t *rapid.T) theorems.Evidence {
		x := rapid.Float64Range(0, 10).Draw(t, "x")
		return theorems.Evidence{Steps: []theorems.Inequality{theorems.Le(theorems.ClaimStep, -1, x, 8)}, Instance: fmt.Sprintf("x = %g", x)}
	}}
	dir := t.TempDir()
	cfg := checks.Config{Checks: 400, Seed: 5, Profile: "quick"}
	cfg.Shard = &checks.Shard{K: 1, N: 1}
	whole := checks.Run(context.Background(), []*theorems.Theorem{th}, cfg)
	args := []string{"merge", "--format", "json"}
	for k := 1; k <= 4; k++ {
		cfg.Shard = &checks.Shard{K: k, N: 4}
		rep := checks.Run(context.Background(), []*theorems.Theorem{th}, cfg)
		b, _ := json.Marshal(rep)
		path := filepath.Join(dir, fmt.Sprintf("s%d.json", k))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, path)
	}
	code, out, stderr := run(t, args...)
	if code != 1 {
		t.Fatalf("merge of a violated run: exit %d, want 1: %s", code, stderr)
	}
	var merged checks.Report
	if err := json.Unmarshal([]byte(out), &merged); err != nil {
		t.Fatal(err)
	}
	w, m := whole.Results[0], merged.Results[0]
	if m.Status != checks.StatusViolated || m.Violations != w.Violations || m.Violations < 2 {
		t.Fatalf("merged: %s with %d violations; whole: %d", m.Status, m.Violations, w.Violations)
	}
	if diff := cmp.Diff(w.Counterexample, m.Counterexample); diff != "" || len(m.Counterexample.Draws) == 0 {
		t.Fatalf("counterexample differs from the whole run's (-whole +merged):\n%s", diff)
	}
	if x, err := strconv.ParseFloat(m.Counterexample.Draws[0].Value, 64); err != nil || !(x > 8) {
		t.Errorf("counterexample draw x = %s is not a violation (x > 8)", m.Counterexample.Draws[0].Value)
	}
	code, table, _ := run(t, append(args[:1], args[3:]...)...)
	if code != 1 || !strings.Contains(table, "violated") || !strings.Contains(table, "draw x =") {
		t.Errorf("merged table: exit %d\n%s", code, table)
	}
}

func TestShardAndMergeBadInputExitsTwo(t *testing.T) {
	dir := t.TempDir()
	shard := func(k int, seed string) string {
		path := filepath.Join(dir, fmt.Sprintf("s%d-%s.json", k, seed))
		if code, _, stderr := run(t, "run", "basic-inequality/gd", "--checks", "10", "--seed", seed, "--shard", fmt.Sprintf("%d/2", k), "--format", "json", "--out", path); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		return path
	}
	plain := filepath.Join(dir, "plain.json")
	run(t, "run", "basic-inequality/gd", "--checks", "10", "--seed", "1", "--format", "json", "--out", plain)
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("not json"), 0o644)
	s1, s2, s2b := shard(1, "1"), shard(2, "1"), shard(2, "2")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "basic-inequality/gd", "--seed", "1", "--shard", "5/4"}, "1 ≤ K ≤ N"},
		{[]string{"run", "basic-inequality/gd", "--seed", "1", "--shard", "two"}, "not K/N"},
		{[]string{"run", "basic-inequality/gd", "--shard", "1/2"}, "--shard needs --seed"},
		{[]string{"replay", "basic-inequality/gd", "--seed", "1", "--shard", "1/2"}, "drop --shard"},
		{[]string{"merge"}, "JSON reports of every shard"},
		{[]string{"merge", s1}, "missing shards: 2/2"},
		{[]string{"merge", s1, s2, s2}, "given twice"},
		{[]string{"merge", s1, s2b}, "mixed seeds"},
		{[]string{"merge", s1, plain}, "not a shard's report"},
		{[]string{"merge", s1, garbage}, "not a JSON report"},
		{[]string{"merge", s1, filepath.Join(dir, "nope.json")}, "cannot read"},
		{[]string{"merge", "--format", "xml", s1, s2}, `unknown --format "xml"`},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q, want 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if code, _, stderr := run(t, "merge", s2, s1); code != 0 {
		t.Errorf("merge in any order: exit %d: %s", code, stderr)
	}
}

var shardElapsed = regexp.MustCompile(`"elapsed_ms": *\d+`)

// The instance-indexed run is the same report whatever --parallel is (timings aside).
func TestRunIsTheSameAtAnyParallelism(t *testing.T) {
	var first string
	for _, p := range []string{"1", "3"} {
		code, out, stderr := run(t, "run", "basic-inequality/gd", "basic-inequality/gd-large-step", "--controls", "--seed", "9", "--checks", "30", "--parallel", p, "--format", "json")
		if code != 0 {
			t.Fatalf("--parallel %s: exit %d: %s", p, code, stderr)
		}
		out = shardElapsed.ReplaceAllString(out, "")
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("--parallel %s changed the report:\n%s", p, cmp.Diff(first, out))
		}
	}
}
