package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/internal/stats"
	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

// probeZ is the normal quantile of the two-sided 95% Wilson intervals of violation rates.
var probeZ = stats.Quantile(0.025)

// probeValue is one row of a probe: the theorem's check at one value of the parameter.
type probeValue struct {
	Value        float64     `json:"value"`
	InHypothesis *bool       `json:"in_hypothesis"` // null when the probe does not declare its hypothesis
	Status       string      `json:"status"`
	Checks       int         `json:"checks"`
	Discarded    int         `json:"discarded"`
	Noise        int         `json:"noise"`
	Violations   int         `json:"violations"`
	Rate         float64     `json:"violation_rate"`
	RateLo       float64     `json:"violation_rate_lo"`
	RateHi       float64     `json:"violation_rate_hi"`
	WorstMargin  *checks.Num `json:"worst_margin"`
	FailingStep  string      `json:"failing_step"`
	Replay       string      `json:"replay"`
}

// probeReport is `verify probe`'s JSON document.
type probeReport struct {
	Schema      int          `json:"schema"`
	Theorem     string       `json:"theorem"`
	Probe       string       `json:"probe"`
	Description string       `json:"description"`
	Hypothesis  string       `json:"hypothesis"`
	Seed        uint64       `json:"seed"`
	Profile     string       `json:"profile"`
	Checks      int          `json:"checks"`
	Interval    string       `json:"interval"`
	Values      []probeValue `json:"values"`
	// Boundary is the smallest value with a violation, with its full result (the shrunk
	// counterexample); null when no value was violated.
	Boundary *probeBoundary `json:"boundary"`
	// Counterexample is set when a value inside the hypothesis was violated: then the theorem
	// itself failed, and verify probe exits 1.
	Counterexample *float64 `json:"counterexample_in_hypothesis"`
	Interrupted    bool     `json:"interrupted,omitempty"`
}

type probeBoundary struct {
	Value        float64       `json:"value"`
	InHypothesis *bool         `json:"in_hypothesis"`
	Result       checks.Result `json:"result"`
}

func cmdProbe(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("probe", stdout)
	vary := fs.String("vary", "", "the parameter and its values: `NAME=FROM:TO[:STEPS]` (STEPS ≥ 2 values, default 11, evenly spaced), NAME=log:FROM:TO[:STEPS] (geometric spacing, FROM > 0) or NAME=VALUE (one value)")
	profile := fs.String("profile", "quick", "profile: quick, ci or paper (sets the default --checks)")
	nChecks := fs.Int("checks", 0, "random instances per value (default: the profile's, quick 200, ci 100, paper 1000)")
	seed := fs.Uint64("seed", 0, "seed, a positive integer; the same seed gives the same sweep (default: random, printed)")
	format := fs.String("format", "table", "output format: table, markdown, csv or json")
	out := fs.String("out", "", "write the sweep to FILE (atomically) instead of standard output")
	parallel := fs.Int("parallel", 0, "values checked at once (default: every core)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, usagef("probe takes exactly one theorem ID and --vary NAME=FROM:TO[:STEPS]; theorems with probes:\n%s", probeList(theorems.AllProbes()))
	}
	def, _, err := sharedFlags(fs, *profile, format, nChecks, parallel, seed)
	if err != nil {
		return exitUsage, err
	}
	id := strings.TrimSuffix(pos[0], "/")
	th, found := theorems.Lookup(id)
	if !found {
		if _, err := theorems.Resolve([]string{id}); err != nil {
			return exitUsage, err
		}
		return exitUsage, usagef("%q is a family; probe takes one theorem ID. Theorems with probes:\n%s", id, probeList(theorems.AllProbes()))
	}
	avail := theorems.Probes(id)
	if len(avail) == 0 {
		return exitUsage, usagef("%s has no probes; theorems with probes:\n%s", id, probeList(theorems.AllProbes()))
	}
	if *vary == "" {
		return exitUsage, usagef("probe needs --vary NAME=FROM:TO[:STEPS]; probes of %s:\n%s", id, probeList(avail))
	}
	name, values, err := parseVary(*vary)
	if err != nil {
		return exitUsage, usagef("--vary %s: %v", *vary, err)
	}
	var p theorems.Probe
	for _, q := range avail {
		if q.Name == name {
			p = q
		}
	}
	if p.Name == "" {
		return exitUsage, usagef("%s has no probe %q; its probes:\n%s", id, name, probeList(avail))
	}
	if p.Admits != nil {
		for _, v := range values {
			if err := p.Admits(v); err != nil {
				return exitUsage, usagef("--vary %s: %v", *vary, err)
			}
		}
	}
	if *nChecks == 0 {
		*nChecks = def
	}
	if !th.Encoded() {
		return exitUsage, usagef("%s is not encoded yet: %s", id, th.NotEncoded)
	}

	ths := make([]*theorems.Theorem, len(values))
	for i, v := range values {
		// One row per value, named after it (rows of an interrupted run may have gaps).
		pt := &theorems.Theorem{ID: probeRowID(id, name, v), Title: th.Title, Kind: th.Kind, Source: th.Source, Tolerance: th.Tolerance}
		if p.Property != nil {
			pt.Property = p.Property(v)
		} else {
			pt.Experiment = p.Experiment(v)
		}
		ths[i] = pt
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := newProgress(stderr)
	cfg := checks.Config{Profile: *profile, Checks: *nChecks, Seed: *seed, Parallel: *parallel, Progress: prog.update,
		Shard: &checks.Shard{K: 1, N: 1}} // instance-indexed: every violation is counted, not only the first
	rep := checks.Run(ctx, ths, cfg)
	checks.Unshard(rep)
	prog.finish()

	pr := &probeReport{Schema: checks.SchemaVersion, Theorem: id, Probe: name, Description: p.Description, Hypothesis: p.Hypothesis,
		Seed: *seed, Profile: *profile, Checks: *nChecks, Interval: "Wilson 95%", Interrupted: rep.Interrupted}
	code := exitOK
	byID := map[string]checks.Result{}
	for _, res := range rep.Results {
		byID[res.Theorem] = res
	}
	for _, v := range values { // in value order, skipping values an interrupt left unchecked
		res, ok := byID[probeRowID(id, name, v)]
		if !ok {
			continue
		}
		replay := probeReplay(id, name, v, *seed, *profile, *nChecks)
		res.Message = strings.ReplaceAll(res.Message, res.Replay, replay)
		res.Replay = replay
		row := probeValue{Value: v, Status: res.Status, Checks: res.Checks, Discarded: res.Discarded, Noise: res.Noise,
			Violations: res.Violations, WorstMargin: res.WorstMargin, FailingStep: res.FailingStep, Replay: res.Replay}
		if p.Holds != nil {
			in := p.Holds(v)
			row.InHypothesis = &in
		}
		if res.Checks > 0 {
			row.Rate = float64(res.Violations) / float64(res.Checks)
		}
		row.RateLo, row.RateHi = stats.Wilson(res.Violations, res.Checks, probeZ)
		pr.Values = append(pr.Values, row)
		failed := res.Violations > 0 || res.Status == checks.StatusError
		if failed && pr.Boundary == nil {
			pr.Boundary = &probeBoundary{Value: v, InHypothesis: row.InHypothesis, Result: res}
		}
		if res.Status == checks.StatusError || (failed && row.InHypothesis != nil && *row.InHypothesis) {
			code = exitViolated
			if pr.Counterexample == nil && row.InHypothesis != nil && *row.InHypothesis {
				pr.Counterexample = &v
			}
		}
	}
	if rep.Interrupted {
		fmt.Fprintln(stderr, "verify: interrupted; printing the finished values")
		code = exitViolated
	}
	err = writeOut(*out, stdout, func(w io.Writer) error { return writeProbe(w, pr, *format) })
	if err != nil {
		return exitUsage, err
	}
	return code, nil
}

// parseVary parses NAME=FROM:TO[:STEPS], NAME=log:FROM:TO[:STEPS] or NAME=VALUE.
func parseVary(s string) (string, []float64, error) {
	name, spec, ok := strings.Cut(s, "=")
	name = strings.TrimSpace(name)
	if !ok || name == "" || spec == "" {
		return "", nil, fmt.Errorf("want NAME=FROM:TO[:STEPS], e.g. step=0.5:3:11")
	}
	logScale := false
	if rest, ok := strings.CutPrefix(spec, "log:"); ok {
		logScale, spec = true, rest
	}
	parts := strings.Split(spec, ":")
	nums := make([]float64, 0, 2)
	for _, p := range parts[:min(len(parts), 2)] {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return "", nil, fmt.Errorf("%q is not a finite number", p)
		}
		nums = append(nums, x)
	}
	steps := 11
	switch len(parts) {
	case 1:
		if logScale && !(nums[0] > 0) {
			return "", nil, fmt.Errorf("log spacing needs positive values, got %g", nums[0])
		}
		return name, nums, nil
	case 2:
	case 3:
		n, err := strconv.Atoi(strings.TrimSpace(parts[2]))
		if err != nil {
			return "", nil, fmt.Errorf("STEPS %q is not an integer", parts[2])
		}
		steps = n
	default:
		return "", nil, fmt.Errorf("want NAME=FROM:TO[:STEPS], got %d fields after '='", len(parts))
	}
	from, to := nums[0], nums[1]
	switch {
	case from > to:
		return "", nil, fmt.Errorf("FROM %g is above TO %g", from, to)
	case steps < 2:
		return "", nil, fmt.Errorf("STEPS must be ≥ 2 (the two ends), got %d; for one value write NAME=VALUE", steps)
	case steps > 1000:
		return "", nil, fmt.Errorf("STEPS %d is more than 1000 values", steps)
	case logScale && !(from > 0):
		return "", nil, fmt.Errorf("log spacing needs FROM > 0, got %g", from)
	}
	vs := make([]float64, steps)
	for i := range vs {
		f := float64(i) / float64(steps-1)
		if logScale {
			vs[i] = math.Exp(math.Log(from) + (math.Log(to)-math.Log(from))*f)
		} else {
			vs[i] = from + (to-from)*float64(i)/float64(steps-1)
		}
	}
	for i := 1; i < steps-1; i++ { // 0.94, not 0.9400000000000001: 12 significant digits
		vs[i], _ = strconv.ParseFloat(strconv.FormatFloat(vs[i], 'g', 12, 64), 64)
	}
	vs[0], vs[steps-1] = from, to        // the ends exactly
	return name, slices.Compact(vs), nil // FROM = TO: one value
}

func probeRowID(id, name string, v float64) string {
	return fmt.Sprintf("%s [%s = %s]", id, name, fmtValue(v))
}

func fmtValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func probeReplay(id, name string, v float64, seed uint64, profile string, n int) string {
	cmd := fmt.Sprintf("verify probe %s --vary %s=%s --seed %d", id, name, fmtValue(v), seed)
	if profile != "quick" {
		cmd += " --profile " + profile
	}
	if n != checks.Profiles[profile] {
		cmd += fmt.Sprintf(" --checks %d", n)
	}
	return cmd
}

func probeList(ps []theorems.Probe) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s --vary %s=FROM:TO[:STEPS]   (hypothesis: %s; the theorem's value %s)\n", p.Theorem, p.Name, p.Hypothesis, fmtValue(p.Default))
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// writeOut writes to stdout, or to the file out through writeAtomic (so no half-written
// output is ever left behind); the file's errors name --out.
func writeOut(out string, stdout io.Writer, write func(io.Writer) error) error {
	if out == "" {
		return write(stdout)
	}
	var writeErr error
	err := writeAtomic(out, func(w io.Writer) error { writeErr = write(w); return writeErr })
	if writeErr != nil {
		return writeErr
	}
	if err != nil {
		return fmt.Errorf("cannot write --out %s: %w", out, err)
	}
	return nil
}

var probeHeader = []string{"value", "in hypothesis", "status", "checks", "discarded", "violations", "violation rate", "95% interval", "worst margin", "failing step"}

func (r probeValue) cells() []string {
	in := "?"
	if r.InHypothesis != nil {
		in = map[bool]string{true: "yes", false: "no"}[*r.InHypothesis]
	}
	wm := "-"
	if r.WorstMargin != nil {
		wm = strconv.FormatFloat(float64(*r.WorstMargin), 'e', 2, 64)
	}
	return []string{fmtValue(r.Value), in, r.Status, strconv.Itoa(r.Checks), strconv.Itoa(r.Discarded), strconv.Itoa(r.Violations),
		fmt.Sprintf("%.3f", r.Rate), fmt.Sprintf("[%.3f, %.3f]", r.RateLo, r.RateHi), wm, r.FailingStep}
}

func writeProbe(w io.Writer, pr *probeReport, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // "step ≤ 1", not "\u003c"
		return enc.Encode(pr)
	case "csv":
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{pr.Probe, "in_hypothesis", "status", "checks", "discarded", "noise", "violations",
			"violation_rate", "violation_rate_lo", "violation_rate_hi", "worst_margin", "failing_step"})
		for _, r := range pr.Values {
			c := r.cells()
			wm := ""
			if r.WorstMargin != nil {
				wm = fmtValue(float64(*r.WorstMargin))
			}
			_ = cw.Write([]string{c[0], c[1], c[2], c[3], c[4], strconv.Itoa(r.Noise), c[5],
				fmtValue(r.Rate), fmtValue(r.RateLo), fmtValue(r.RateHi), wm, r.FailingStep})
		}
		cw.Flush()
		return cw.Error()
	}
	md := format == "markdown"
	if md {
		fmt.Fprintf(w, "**probe %s of %s** (hypothesis: %s); seed %d, %d instances per value\n\n", pr.Probe, pr.Theorem, pr.Hypothesis, pr.Seed, pr.Checks)
	} else {
		fmt.Fprintf(w, "probe %s of %s (hypothesis: %s); seed %d, %d instances per value\n", pr.Probe, pr.Theorem, pr.Hypothesis, pr.Seed, pr.Checks)
	}
	var rend tw.Renderer = renderer.NewBlueprint()
	if md {
		rend = renderer.NewMarkdown()
	}
	t := tablewriter.NewTable(w, tablewriter.WithRenderer(rend), tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone), tablewriter.WithHeaderAutoWrap(tw.WrapNone))
	header := append([]string{}, probeHeader...)
	header[0] = pr.Probe
	t.Header(toAnySlice(header)...)
	for _, r := range pr.Values {
		if err := t.Append(r.cells()); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nviolation rate = violations / checks, %s interval.\n", pr.Interval)
	if pr.Boundary == nil {
		fmt.Fprintf(w, "\nno violation at any value of %s.\n", pr.Probe)
		return nil
	}
	where := ""
	if in := pr.Boundary.InHypothesis; in != nil {
		where = map[bool]string{true: " — INSIDE the hypothesis: a counterexample to the theorem", false: " (outside the hypothesis " + pr.Hypothesis + ")"}[*in]
	}
	fmt.Fprintf(w, "\nboundary: %s = %s is the smallest value with a violation%s; its first violation, shrunk:\n\n",
		pr.Probe, fmtValue(pr.Boundary.Value), where)
	return reports.Write(w, &checks.Report{Schema: checks.SchemaVersion, Seed: pr.Seed, Profile: pr.Profile, Results: []checks.Result{pr.Boundary.Result}, Controls: []checks.ControlResult{}}, format)
}

func toAnySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
