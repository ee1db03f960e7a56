package reports_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func sampleReport() *checks.Report {
	num := func(f float64) *checks.Num { n := checks.Num(f); return &n }
	return &checks.Report{
		Schema: 1, Seed: 42, Profile: "quick",
		Results: []checks.Result{
			{Theorem: "basic-inequality/gd", Family: "basic-inequality", Kind: "exact", Source: "derived", Status: "holds",
				Checks: 200, Discarded: 1, Noise: 3, WorstMargin: num(-1.3e-3), Tightness: num(0.97),
				Replay: "verify replay basic-inequality/gd --seed 42", Metrics: map[string]checks.Num{}},
			{Theorem: "basic-inequality/gd-large-step", Family: "basic-inequality", Kind: "exact", Source: "derived", Status: "violated",
				Checks: 12, Violations: 1, WorstMargin: num(math.Inf(1)), Tightness: num(0), FailingStep: "step 1 exact descent",
				Counterexample: &checks.Counterexample{Instance: "f(x) = 0.5·1·x²", Step: "step 1 exact descent", Index: 0,
					LHS: 1.25, RHS: 0.5, Margin: 0.4, Band: 1e-12, Draws: []checks.Draw{{Label: "T", Value: "1"}}},
				Replay: "verify replay basic-inequality/gd-large-step --seed 42", Metrics: map[string]checks.Num{}},
			{Theorem: "sco/rerm-fails", Family: "sco", Kind: "exact", Source: "derived", Status: "not-encoded",
				Message: "not yet encoded", Metrics: map[string]checks.Num{}},
			{Theorem: "low-rank/depth", Family: "low-rank", Kind: "empirical", Source: "quoted", Status: "holds",
				Checks: 1, Replay: "verify replay low-rank/depth --seed 42", Metrics: map[string]checks.Num{"erank_depth3_mean": 5.01},
				Tables: []theorems.Table{{Title: "ours next to the paper's", Header: []string{"depth", "erank", "paper erank"},
					Rows: [][]string{{"2", "8.10", "6.6–10.1"}, {"3", "5.01", "≈ 5"}}}}},
		},
		Controls: []checks.ControlResult{
			{Theorem: "basic-inequality/gd", Control: "step-above-1/L", Breaks: "hypothesis", Caught: true, Checks: 1, Violations: 1, FailingStep: "step 1 descent"},
			{Theorem: "basic-inequality/gd", Control: "toothless", Breaks: "constant", Caught: false, Checks: 200, Message: "not caught in 200 checks"},
		},
	}
}

func TestRenderingMatchesGoldenFiles(t *testing.T) {
	for _, format := range reports.Formats {
		var buf bytes.Buffer
		if err := reports.Write(&buf, sampleReport(), format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		golden := filepath.Join("testdata", "report."+format+".golden")
		if *update {
			if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test ./reports -update to create it)", err)
		}
		if diff := cmp.Diff(string(want), buf.String()); diff != "" {
			t.Errorf("%s output changed (-golden +got); rerun with -update if intended:\n%s", format, diff)
		}
	}
}

func TestJSONRoundTripsWithNonFiniteMargins(t *testing.T) {
	var buf bytes.Buffer
	if err := reports.WriteJSON(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	var back checks.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(float64(*back.Results[1].WorstMargin), 1) {
		t.Errorf("worst margin %v after a round trip", *back.Results[1].WorstMargin)
	}
	if diff := cmp.Diff(sampleReport(), &back); diff != "" {
		t.Errorf("round trip changed the report:\n%s", diff)
	}
}

func TestUnknownFormatIsAnError(t *testing.T) {
	if err := reports.Write(&bytes.Buffer{}, sampleReport(), "xml"); err == nil {
		t.Fatal("xml accepted")
	}
}

// explain lists a theorem's probes with the command that runs them, and says nothing of
// probes for a theorem that has none.
func TestExplainListsProbes(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/gd")
	var buf bytes.Buffer
	reports.WriteExplain(&buf, th)
	for _, want := range []string{"probes (sweep a hypothesis parameter: verify probe basic-inequality/gd --vary", "  - step (hypothesis: 0 < step ≤ 1"} {
		if !bytes.Contains(buf.Bytes(), []byte(want)) {
			t.Errorf("explain basic-inequality/gd lacks %q:\n%s", want, buf.String())
		}
	}
	th, _ = theorems.Lookup("lifted-tensor/symmetric")
	buf.Reset()
	reports.WriteExplain(&buf, th)
	if bytes.Contains(buf.Bytes(), []byte("probes (")) {
		t.Errorf("explain lifted-tensor/symmetric lists probes it does not have:\n%s", buf.String())
	}
}
