package checks

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/theorems"
)

// Config controls a run of the checker.
type Config struct {
	// Profile is quick, ci or paper; it is recorded in the report and in replay commands.
	Profile string
	// Checks is the number of random instances per theorem (rapid's -rapid.checks).
	Checks int
	// Seed makes the run reproducible: the same seed gives the same report.
	Seed uint64
	// Controls runs every theorem's negative controls too.
	Controls bool
	// Parallel is how many theorems run at once (≤ 0: every core).
	Parallel int
	// Progress, when set, is called after each theorem or control finishes.
	Progress func(done, total int, label string)
	// Shard, when set, checks random instances by index (shard.go): every one of the run's
	// Checks instances is counted (a discard is not replaced, a violation does not stop the
	// search), and only part K of N of them runs here; {1, 1} is the whole run. Nil: rapid's
	// own loop (Checks valid instances, stop at the first failure).
	Shard *Shard
}

// Profiles and their default number of checks per theorem.
var Profiles = map[string]int{"quick": 200, "ci": 100, "paper": 1000}

// HealthMaxDiscardRatio is the largest share of draws a theorem may discard before its result
// is inconclusive: a generator that mostly produces degenerate instances tests nothing.
const HealthMaxDiscardRatio = 0.5

// Run checks the given theorems (and their controls when cfg.Controls) and returns the
// report. Cancelling ctx stops scheduling new work; finished rows are kept and the report is
// marked interrupted.
func Run(ctx context.Context, ths []*theorems.Theorem, cfg Config) *Report {
	rep := &Report{Schema: SchemaVersion, Seed: cfg.Seed, Profile: cfg.Profile}
	type job struct {
		th  *theorems.Theorem
		ctl int // -1: the theorem itself
	}
	var jobs []job
	for _, th := range ths {
		jobs = append(jobs, job{th, -1})
		if cfg.Controls && th.Encoded() {
			for i := range th.Controls {
				jobs = append(jobs, job{th, i})
			}
		}
	}
	plan := newShardPlan(ths, cfg) // nil unless cfg.Shard: then keep this shard's jobs only
	jobs = slices.DeleteFunc(jobs, func(jb job) bool { return !plan.runs(jb.th, jb.ctl) })
	results := make([]*Result, len(jobs))
	controls := make([]*ControlResult, len(jobs))

	par := cfg.Parallel
	if par <= 0 {
		par = runtime.NumCPU()
	}
	var (
		mu   sync.Mutex // guards results, controls and done
		done int
		sem  = make(chan struct{}, par)
		wg   sync.WaitGroup
	)
	finished := make(chan struct{})
	// The scheduler runs in its own goroutine so that a cancelled run returns at once with the
	// rows that finished; checks still in flight are abandoned (rapid cannot be interrupted).
	go withRapidFlags(cfg, func() {
		defer close(finished)
		for i, jb := range jobs {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				wg.Wait()
				return
			}
			if ctx.Err() != nil { // both were ready: never start work after an interrupt
				<-sem
				wg.Wait()
				return
			}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				label := jb.th.ID
				var (
					r *Result
					c *ControlResult
				)
				if jb.ctl < 0 {
					res := checkTheorem(jb.th, cfg)
					r = &res
				} else {
					cr := checkControl(jb.th, jb.th.Controls[jb.ctl], cfg)
					c = &cr
					label += " control " + cr.Control
				}
				plan.mark(r, c, jb.th, jb.ctl)
				mu.Lock()
				results[i], controls[i] = r, c
				done++
				n := done
				mu.Unlock()
				if cfg.Progress != nil {
					cfg.Progress(n, len(jobs), label)
				}
			}()
		}
		wg.Wait()
	})
	select {
	case <-finished:
	case <-ctx.Done():
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range jobs {
		if results[i] != nil {
			rep.Results = append(rep.Results, *results[i])
		}
		if controls[i] != nil {
			rep.Controls = append(rep.Controls, *controls[i])
		}
	}
	rep.Interrupted = done < len(jobs)
	plan.finish(rep)
	if rep.Results == nil {
		rep.Results = []Result{}
	}
	if rep.Controls == nil {
		rep.Controls = []ControlResult{}
	}
	return rep
}

// ReplayCommand is the CLI command that reproduces a theorem's run, or "" when the run had
// no CLI seed (inside go test, rapid prints its own reproduce line instead).
func ReplayCommand(id string, cfg Config) string {
	if cfg.Seed == 0 {
		return ""
	}
	cmd := fmt.Sprintf("verify replay %s --seed %d", id, cfg.Seed)
	profile := cfg.Profile
	if profile == "" {
		profile = "quick"
	}
	if profile != "quick" {
		cmd += " --profile " + profile
	}
	if cfg.Checks > 0 && cfg.Checks != Profiles[profile] {
		cmd += fmt.Sprintf(" --checks %d", cfg.Checks)
	}
	return cmd
}

// CheckTheorem runs one theorem: explicit examples first, then random instances under
// rapid (with shrinking), and aggregates the verdicts. It never panics: a panic in the
// property becomes an error result carrying the replay command.
func CheckTheorem(th *theorems.Theorem, cfg Config) (res Result) {
	withRapidFlags(cfg, func() { res = checkTheorem(th, cfg) })
	return res
}

// CheckControl runs one negative control; it is caught when some instance violates.
func CheckControl(th *theorems.Theorem, c theorems.Control, cfg Config) (res ControlResult) {
	withRapidFlags(cfg, func() { res = checkControl(th, c, cfg) })
	return res
}

func checkTheorem(th *theorems.Theorem, cfg Config) Result {
	start := time.Now()
	res := Result{
		Theorem: th.ID, Family: th.Family(), Kind: string(th.Kind), Source: string(th.Source),
		Metrics: map[string]Num{},
	}
	if !th.Encoded() {
		res.Status = StatusNotEncoded
		res.Message = th.NotEncoded
		return res
	}
	res.Replay = ReplayCommand(th.ID, cfg)
	if cfg.Shard != nil {
		return checkInstances(th, cfg, res, start)
	}
	tl := newTally(th.Tolerance)
	tl.examples(th.Examples)
	rec := &recorder{name: "verify/" + th.ID}
	if th.Property != nil && tl.searching() {
		runRapid(rec, tl.property(th.Property))
	}
	if th.Experiment != nil && tl.searching() {
		tl.experiment(th.Experiment, cfg)
	}
	tl.fill(&res, rec)
	res.ElapsedMS = time.Since(start).Milliseconds()
	return res
}

func checkControl(th *theorems.Theorem, c theorems.Control, cfg Config) ControlResult {
	out := ControlResult{Theorem: th.ID, Control: c.Name, Breaks: string(c.Breaks)}
	tl := newTally(th.Tolerance)
	tl.examples(c.Examples)
	rec := &recorder{name: "verify/" + th.ID + "/control/" + c.Name}
	if c.Property != nil && tl.searching() {
		runRapid(rec, tl.property(c.Property))
	}
	if c.Experiment != nil && tl.searching() {
		tl.experiment(c.Experiment, cfg)
	}
	var res Result
	tl.fill(&res, rec)
	out.Checks = res.Checks
	out.Violations = res.Violations
	out.Caught = res.Violations > 0
	out.FailingStep = res.FailingStep
	out.Counterexample = res.Counterexample
	switch {
	case res.Status == StatusError:
		out.Message = "error instead of a violation: " + res.Message
	case !out.Caught:
		out.Message = fmt.Sprintf("not caught in %d checks: the check cannot see this breakage", out.Checks)
	}
	return out
}

// runRapid drives rapid with the recorder; rapid's final FailNow unwinds to here.
func runRapid(rec *recorder, prop func(*rapid.T)) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(failNowSignal); !ok {
				panic(r)
			}
		}
	}()
	rapid.Check(rec, prop)
}

// experiment runs a seeded experiment once and judges its evidence; its metrics are
// reported as they are (they are already aggregates over trials).
func (tl *tally) experiment(exp theorems.Experiment, cfg Config) {
	ev, perr := evalExample(theorems.Example{Run: func() theorems.Evidence {
		return exp(theorems.ExperimentConfig{Profile: cfg.Profile, Seed: cfg.Seed})
	}})
	metrics, tables := ev.Metrics, ev.Tables
	ev.Metrics, ev.Tables = nil, nil
	tl.observe(ev, perr, "experiment")
	tl.tables = append(tl.tables, tables...)
	for k, v := range metrics {
		tl.raw[k] = v
	}
}

// evalExample runs an explicit example, recovering panics.
func evalExample(ex theorems.Example) (ev theorems.Evidence, perr *panicError) {
	defer func() {
		if r := recover(); r != nil {
			perr = &panicError{value: r, stack: string(debug.Stack())}
		}
	}()
	return ex.Run(), nil
}

type panicError struct {
	value any
	stack string
}

// isRapidControlFlow reports whether a recovered value is rapid's own (skip, invalid data,
// stop): those must keep unwinding to rapid.
func isRapidControlFlow(r any) bool {
	t := reflect.TypeOf(r)
	return t != nil && t.PkgPath() == "pgregory.net/rapid"
}

// tally accumulates verdicts over one theorem's instances. Only the search phase counts:
// after the first failure rapid re-runs the property while shrinking, and those runs only
// update the counterexample (the last run is the minimal one, replayed by rapid).
type tally struct {
	tol theorems.Tolerance

	checks, discarded, noise, violations int
	reasons                              map[string]int
	worstMargin, tightness               float64
	worstInstance                        string // the instance closest to violating the claim
	metrics                              map[string][]float64
	raw                                  map[string]float64 // experiment metrics, reported as is
	tables                               []theorems.Table   // experiment detail tables

	failure   *theorems.Evidence // latest failing evidence (minimal after shrinking)
	failVerd  theorems.Verdict
	failLabel string
	panicked  string
}

func newTally(tol theorems.Tolerance) *tally {
	if tol == (theorems.Tolerance{}) {
		tol = theorems.DefaultTolerance
	}
	return &tally{tol: tol, reasons: map[string]int{}, worstMargin: math.Inf(-1), tightness: -1, metrics: map[string][]float64{}, raw: map[string]float64{}}
}

// examples judges explicit examples, in order, before any random instance.
func (tl *tally) examples(exs []theorems.Example) {
	for _, ex := range exs {
		ev, perr := evalExample(ex)
		tl.observe(ev, perr, "example "+ex.Name)
	}
}

func (tl *tally) searching() bool { return tl.failure == nil && tl.panicked == "" }

// observe judges one piece of evidence and returns its verdict.
func (tl *tally) observe(ev theorems.Evidence, perr *panicError, label string) theorems.Verdict {
	if perr != nil {
		if tl.searching() {
			tl.checks++
		}
		tl.panicked = fmt.Sprintf("panic in %s: %v", label, perr.value)
		tl.failure = &theorems.Evidence{Instance: ev.Instance}
		return theorems.Verdict{Outcome: theorems.Violated, First: -1}
	}
	if ev.Discard != "" {
		if tl.searching() {
			tl.discarded++
			tl.reasons[ev.Discard]++
		}
		return theorems.Verdict{First: -1}
	}
	v := tl.tol.JudgeEvidence(&ev)
	if tl.searching() {
		tl.checks++
		if v.Outcome == theorems.Noise {
			tl.noise++
		}
		if !math.IsNaN(v.ClaimMargin) && v.ClaimMargin > tl.worstMargin {
			tl.worstMargin = v.ClaimMargin
			tl.worstInstance = ev.Instance
		}
		if t := 1 - math.Min(1, math.Abs(v.ClaimMargin)); t > tl.tightness {
			tl.tightness = t
		}
		for k, x := range ev.Metrics {
			tl.metrics[k] = append(tl.metrics[k], x)
		}
	}
	if v.Outcome == theorems.Violated {
		if tl.searching() {
			tl.violations++
		}
		e := ev
		tl.failure, tl.failVerd, tl.failLabel = &e, v, label
	}
	return v
}

// property wraps a theorem property for rapid: judge, count, and fail on a violation with a
// message that names the first failing step and both sides.
func (tl *tally) property(p theorems.Property) func(*rapid.T) {
	return func(t *rapid.T) {
		ev, perr := evalProperty(p, t)
		v := tl.observe(ev, perr, "random instance")
		switch {
		case perr != nil:
			t.Fatalf("panic: %v\n%s", perr.value, perr.stack)
		case ev.Discard != "":
			t.Skip("discarded: " + ev.Discard)
		case v.Outcome == theorems.Violated:
			t.Fatal(Describe(&ev, v, tl.tol))
		}
	}
}

// evalProperty runs p, turning non-rapid panics (linear algebra, index errors) into errors.
func evalProperty(p theorems.Property, t *rapid.T) (ev theorems.Evidence, perr *panicError) {
	defer func() {
		if r := recover(); r != nil {
			if isRapidControlFlow(r) {
				panic(r)
			}
			perr = &panicError{value: r, stack: string(debug.Stack())}
		}
	}()
	return p(t), nil
}

// fill writes the tally into a result.
func (tl *tally) fill(res *Result, rec *recorder) {
	res.Checks, res.Discarded, res.Noise, res.Violations = tl.checks, tl.discarded, tl.noise, tl.violations
	if len(tl.reasons) > 0 {
		res.DiscardReasons = tl.reasons
	}
	if !math.IsInf(tl.worstMargin, -1) {
		w := Num(tl.worstMargin)
		res.WorstMargin = &w
		res.WorstInstance = tl.worstInstance
	}
	if tl.tightness >= 0 {
		t := Num(tl.tightness)
		res.Tightness = &t
	}
	if res.Metrics == nil {
		res.Metrics = map[string]Num{}
	}
	keys := make([]string, 0, len(tl.metrics))
	for k := range tl.metrics {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		xs := tl.metrics[k]
		res.Metrics[k+"_max"] = Num(maxOf(xs))
		res.Metrics[k+"_mean"] = Num(meanOf(xs))
	}
	for k, v := range tl.raw {
		res.Metrics[k] = Num(v)
	}
	res.Tables = tl.tables
	switch {
	case tl.panicked != "":
		res.Status = StatusError
		res.Message = tl.panicked
		if res.Replay != "" {
			res.Message += "; replay with: " + res.Replay
		}
		res.Counterexample = &Counterexample{Draws: rec.lastDraws(), Instance: tl.failure.Instance, Step: "panic", Index: -1}
	case tl.failure != nil:
		res.Status = StatusViolated
		res.Counterexample = counterexample(tl.failure, tl.failVerd, tl.tol, rec.lastDraws())
		res.FailingStep = res.Counterexample.Step
		if res.Violations == 0 { // a violation seen only while shrinking cannot happen, but never report 0 with a failure
			res.Violations = 1
		}
	case rec.Failed():
		res.Status = StatusInconclusive
		res.Message = firstLine(rec.errorText())
	case tl.checks > 0 && float64(tl.discarded) > HealthMaxDiscardRatio*float64(tl.checks+tl.discarded):
		res.Status = StatusInconclusive
		res.Message = fmt.Sprintf("health check: %d of %d draws discarded", tl.discarded, tl.checks+tl.discarded)
	case tl.checks == 0:
		res.Status = StatusInconclusive
		res.Message = "no instance was checked"
	default:
		res.Status = StatusHolds
	}
}

func counterexample(ev *theorems.Evidence, v theorems.Verdict, tol theorems.Tolerance, draws []Draw) *Counterexample {
	ce := &Counterexample{Draws: draws, Instance: ev.Instance, Index: -1}
	if v.First >= 0 && v.First < len(ev.Steps) {
		q := ev.Steps[v.First]
		ce.Step, ce.Index, ce.LHS, ce.RHS = q.Step, q.Index, Num(q.LHS), Num(q.RHS)
		ce.Margin = Num(q.Margin())
		ce.Band = Num(tol.Band(q, ev))
	}
	return ce
}

// Describe renders a violation for people: the first failing step, both sides, the band,
// and the instance.
func Describe(ev *theorems.Evidence, v theorems.Verdict, tol theorems.Tolerance) string {
	var b strings.Builder
	if v.First >= 0 && v.First < len(ev.Steps) {
		q := ev.Steps[v.First]
		rel := "≤"
		if q.Equality {
			rel = "="
		}
		at := ""
		if q.Index >= 0 {
			at = fmt.Sprintf(" at t = %d", q.Index)
		}
		fmt.Fprintf(&b, "%s fails%s: %.17g %s %.17g is false (gap %.3g, margin %.3g, band %.3g)",
			q.Step, at, q.LHS, rel, q.RHS, q.LHS-q.RHS, q.Margin(), tol.Band(q, ev))
	} else {
		b.WriteString("violated")
	}
	if ev.Instance != "" {
		fmt.Fprintf(&b, "\ninstance: %s", ev.Instance)
	}
	return b.String()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func maxOf(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	return m
}

func meanOf(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
