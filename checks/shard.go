package checks

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"reflect"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/theorems"
)

// Instance-indexed runs and campaign shards.
//
// rapid v1.3.0 seeds the i-th instance of a check (i = 0, 1, …, counting discarded ones) with
// base + i(i+1)/2 (findBug: `seed += iter`), so instance i depends on (seed, i) only. A run
// with Config.Shard set drives rapid with a property that evaluates only the instances of its
// shard — i ≡ K−1 (mod N), i < n with n the run's number of instances — and returns at once on
// the others, so every evaluated instance is exactly the one a whole run draws at index i.
// Every instance is counted (discards are not replaced by fresh draws, violations do not stop
// the search), so the counts of N shards add up to the whole run's. The first failing instance
// of a shard is then shrunk by a second rapid run that skips to it and fails there, i.e. from
// the same bits with the same shrinker as the whole run.
//
// Explicit examples, experiments and negative controls are not split: each runs whole in one
// owner shard chosen by a hash of its name, so its result is the whole run's.

// Shard is part K of N (1 ≤ K ≤ N) of a run; {1, 1} is the whole run, instance-indexed.
type Shard struct{ K, N int }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.K, s.N) }

// ParseShard parses "K/N" with 1 ≤ K ≤ N.
func ParseShard(s string) (Shard, error) {
	ks, ns, ok := strings.Cut(strings.TrimSpace(s), "/")
	k, err1 := strconv.Atoi(ks)
	n, err2 := strconv.Atoi(ns)
	switch {
	case !ok || err1 != nil || err2 != nil:
		return Shard{}, fmt.Errorf("shard %q is not K/N (e.g. 2/4)", s)
	case n < 1 || k < 1 || k > n:
		return Shard{}, fmt.Errorf("shard %q needs 1 ≤ K ≤ N", s)
	}
	return Shard{K: k, N: n}, nil
}

// Campaign (Report.Campaign) identifies a sharded run: which shard, and a fingerprint of the
// whole run (seed, profile, instances, jobs) that every shard of it shares. It is present only
// in reports of runs with --shard; `verify merge` removes it.
type Campaign struct {
	Shard string `json:"shard"` // "K/N"
	K     int    `json:"k"`
	N     int    `json:"n"`
	// Instances is the number n of random instances per theorem of the whole run.
	Instances int `json:"instances"`
	// Jobs is the number of rows (theorems and controls) of the whole run.
	Jobs int `json:"jobs"`
	// Plan fingerprints the whole run: seed, profile, instances and the job list in order.
	Plan string `json:"plan"`
}

// ShardRow (Result.Shard, ControlResult.Shard) is what `verify merge` needs to combine one row
// of several shards exactly. Positions order everything a theorem checks as the whole run
// does: explicit example e of E at e − E (negative), random instance i at i, the experiment at n.
type ShardRow struct {
	// Job is the row's position in the whole run.
	Job int `json:"job"`
	// Owner: this shard ran the row's explicit examples and experiment (or the whole row).
	Owner bool `json:"owner"`
	// Instances is n when the row's random instances are split over the shards, 0 when the
	// whole row ran in its owner shard.
	Instances int `json:"instances"`
	// FirstFailure is the position of this shard's earliest violation or error.
	FirstFailure *int `json:"first_failure,omitempty"`
	// Worst is the position of the instance that attained worst_margin (the earliest on ties).
	Worst *int `json:"worst,omitempty"`
	// Per metric judged instance by instance: observations, exact sum (hexadecimal, as
	// math/big prints it, or NaN/+Inf/-Inf) and maximum; and the experiment's metrics, which
	// are reported as they are.
	MetricCounts map[string]int    `json:"metric_counts,omitempty"`
	MetricSums   map[string]string `json:"metric_sums,omitempty"`
	MetricMax    map[string]Num    `json:"metric_max,omitempty"`
	RawMetrics   []string          `json:"raw_metrics,omitempty"`
}

// Unshard removes the campaign bookkeeping from a report: what remains is the report of a
// plain run.
func Unshard(rep *Report) {
	rep.Campaign = nil
	for i := range rep.Results {
		rep.Results[i].Shard = nil
	}
	for i := range rep.Controls {
		rep.Controls[i].Shard = nil
	}
}

// ownerShard is the shard (1..n) that runs the unsplittable work named key.
func ownerShard(key string, n int) int {
	h := fnv.New64a()
	h.Write([]byte(key))
	return int(h.Sum64()%uint64(n)) + 1
}

func controlKey(th *theorems.Theorem, ctl int) string {
	return th.ID + "/control/" + th.Controls[ctl].Name
}

// instancesFor is the number of random instances rapid runs per theorem under cfg: exactly
// the checks it is given, or else -rapid.checks divided by 5 under `go test -short` as rapid
// does (see withRapidFlags).
func instancesFor(cfg Config) int {
	prepareRapid()
	if cfg.Checks > 0 {
		return cfg.Checks
	}
	n := 0
	if fl := flag.Lookup("rapid.checks"); fl != nil {
		n, _ = strconv.Atoi(fl.Value.String())
	}
	if testing.Short() {
		n /= 5
	}
	return n
}

// shardPlan decides which jobs of a run this shard runs and labels their rows; nil when the
// run is not sharded.
type shardPlan struct {
	sh    Shard
	n     int
	index map[string]int
	jobs  int
	plan  string
}

func newShardPlan(ths []*theorems.Theorem, cfg Config) *shardPlan {
	if cfg.Shard == nil {
		return nil
	}
	p := &shardPlan{sh: *cfg.Shard, n: instancesFor(cfg), index: map[string]int{}}
	h := fnv.New64a()
	fmt.Fprintf(h, "seed %d\x00profile %s\x00instances %d\x00", cfg.Seed, cfg.Profile, p.n)
	add := func(key string) {
		if _, dup := p.index[key]; !dup {
			p.index[key] = p.jobs
		}
		p.jobs++
		fmt.Fprintf(h, "%s\x00", key)
	}
	for _, th := range ths {
		add(th.ID)
		if cfg.Controls && th.Encoded() {
			for i := range th.Controls {
				add(controlKey(th, i))
			}
		}
	}
	p.plan = fmt.Sprintf("%016x", h.Sum64())
	return p
}

// runs reports whether this shard runs the job: a theorem with a property runs in every shard
// (each takes its instances); everything else runs in its owner shard only.
func (p *shardPlan) runs(th *theorems.Theorem, ctl int) bool {
	if p == nil {
		return true
	}
	if ctl < 0 {
		return (th.Encoded() && th.Property != nil) || ownerShard(th.ID, p.sh.N) == p.sh.K
	}
	return ownerShard(controlKey(th, ctl), p.sh.N) == p.sh.K
}

// mark labels a finished row with its job's position in the whole run.
func (p *shardPlan) mark(r *Result, c *ControlResult, th *theorems.Theorem, ctl int) {
	if p == nil {
		return
	}
	if r != nil {
		if r.Shard == nil { // not encoded: no instance engine ran
			r.Shard = &ShardRow{Owner: true}
		}
		r.Shard.Job = p.index[th.ID]
	}
	if c != nil {
		c.Shard = &ShardRow{Job: p.index[controlKey(th, ctl)], Owner: true}
	}
}

// finish records the campaign in the report.
func (p *shardPlan) finish(rep *Report) {
	if p == nil {
		return
	}
	rep.Campaign = &Campaign{Shard: p.sh.String(), K: p.sh.K, N: p.sh.N, Instances: p.n, Jobs: p.jobs, Plan: p.plan}
}

// shardTally folds the verdicts of single instances, in position order, into one tally, and
// remembers the positions merge needs.
type shardTally struct {
	*tally
	failAt, worstAt int
	hasFail         bool
	firstRandom     int // first failing random instance of this shard, -1 if none
	rawKeys         []string
}

func newShardTally(tol theorems.Tolerance) *shardTally {
	return &shardTally{tally: newTally(tol), worstAt: math.MinInt, firstRandom: -1}
}

// judge judges one piece of evidence at position pos.
func (a *shardTally) judge(ev theorems.Evidence, perr *panicError, label string, pos int) {
	one := newTally(a.tol)
	one.observe(ev, perr, label)
	a.absorb(one, pos)
}

func (a *shardTally) absorb(one *tally, pos int) {
	t := a.tally
	t.checks += one.checks
	t.discarded += one.discarded
	t.noise += one.noise
	t.violations += one.violations
	for r, c := range one.reasons {
		t.reasons[r] += c
	}
	if one.worstMargin > t.worstMargin {
		t.worstMargin, t.worstInstance, a.worstAt = one.worstMargin, one.worstInstance, pos
	}
	t.tightness = math.Max(t.tightness, one.tightness)
	for k, xs := range one.metrics {
		t.metrics[k] = append(t.metrics[k], xs...)
	}
	for k, v := range one.raw {
		t.raw[k] = v
		a.rawKeys = append(a.rawKeys, k)
	}
	t.tables = append(t.tables, one.tables...)
	if one.failure != nil && !a.hasFail {
		a.hasFail, a.failAt = true, pos
		t.failure, t.failVerd, t.failLabel, t.panicked = one.failure, one.failVerd, one.failLabel, one.panicked
	}
}

// search is the rapid property of the counting pass: call i is rapid's instance i; only this
// shard's instances are evaluated, and nothing is reported to rapid as failed or skipped, so
// rapid draws exactly n instances.
func (a *shardTally) search(p theorems.Property, sh Shard, n int) func(*rapid.T) {
	call := 0
	return func(t *rapid.T) {
		i := call
		call++
		if i >= n || i%sh.N != sh.K-1 {
			return
		}
		ev, perr := evalInstance(p, t)
		one := newTally(a.tol)
		one.observe(ev, perr, "random instance")
		if one.failure != nil && a.firstRandom < 0 {
			a.firstRandom = i
		}
		a.absorb(one, i)
	}
}

// evalInstance is evalProperty for the counting pass: a draw rapid itself rejects (t.Skip,
// an exhausted filter) becomes a counted discard instead of a skipped call, which would make
// rapid draw a replacement instance.
func evalInstance(p theorems.Property, t *rapid.T) (ev theorems.Evidence, perr *panicError) {
	defer func() {
		if r := recover(); r != nil {
			if isRapidControlFlow(r) {
				if reflect.TypeOf(r).Name() == "invalidData" {
					ev, perr = theorems.Discarded(fmt.Sprintf("rapid rejected the draw: %v", r)), nil
					return
				}
				panic(r) // t.Fatal in the property: rapid's failure, reported as inconclusive
			}
			perr = &panicError{value: r, stack: string(debug.Stack())}
		}
	}()
	return p(t), nil
}

// shrinkAt re-runs rapid on the property, skipping every instance before f and failing at f,
// so rapid shrinks instance f exactly as a whole run that stopped there would. It returns the
// tally holding the minimal failing evidence (nil failure if f did not fail again) and the
// recorder holding its draws.
func shrinkAt(name string, p theorems.Property, tol theorems.Tolerance, f int) (*tally, *recorder) {
	tl := newTally(tol)
	inner := tl.property(p)
	rec := &recorder{name: name}
	call := 0
	runRapid(rec, func(t *rapid.T) {
		i := call
		call++
		if tl.searching() && i != f {
			return
		}
		inner(t)
	})
	return tl, rec
}

// checkInstances is checkTheorem for a run with cfg.Shard set.
func checkInstances(th *theorems.Theorem, cfg Config, res Result, start time.Time) Result {
	sh := *cfg.Shard
	n := instancesFor(cfg)
	owner := ownerShard(th.ID, sh.N) == sh.K
	a := newShardTally(th.Tolerance)
	if owner {
		for e, ex := range th.Examples {
			ev, perr := evalExample(ex)
			a.judge(ev, perr, "example "+ex.Name, e-len(th.Examples))
		}
	}
	name := "verify/" + th.ID
	rec := &recorder{name: name}
	if th.Property != nil {
		runRapid(rec, a.search(th.Property, sh, n))
	}
	if th.Experiment != nil && owner {
		one := newTally(th.Tolerance)
		one.experiment(th.Experiment, cfg)
		a.absorb(one, n)
	}
	note := ""
	if a.hasFail && a.failAt == a.firstRandom && !rec.Failed() {
		tl, srec := shrinkAt(name, th.Property, th.Tolerance, a.failAt)
		if tl.failure != nil {
			a.failure, a.failVerd, a.failLabel, a.panicked = tl.failure, tl.failVerd, tl.failLabel, tl.panicked
			rec = srec
		} else {
			note = fmt.Sprintf("random instance %d failed once but not when re-run for shrinking (the property is not deterministic): its counterexample is not shrunk", a.failAt)
		}
	}
	a.fill(&res, rec)
	if note != "" {
		res.Message = strings.TrimPrefix(res.Message+"; "+note, "; ")
	}
	row := &ShardRow{Owner: owner, MetricCounts: map[string]int{}, MetricSums: map[string]string{}, MetricMax: map[string]Num{}}
	if th.Property != nil {
		row.Instances = n
	}
	if a.hasFail {
		row.FirstFailure = &a.failAt
	}
	if res.WorstMargin != nil {
		row.Worst = &a.worstAt
	}
	// Means from exact sums: the same bits whatever the order, so merged shards agree with
	// the whole run.
	for k, xs := range a.metrics {
		var s exactSum
		for _, x := range xs {
			s.add(x)
		}
		res.Metrics[k+"_mean"] = Num(s.mean(len(xs)))
		row.MetricCounts[k] = len(xs)
		row.MetricSums[k] = s.String()
		row.MetricMax[k] = Num(maxOf(xs))
	}
	sort.Strings(a.rawKeys)
	for _, k := range a.rawKeys {
		res.Metrics[k] = Num(a.raw[k]) // reported as they are, over the lists (as fill does)
		if len(row.RawMetrics) == 0 || row.RawMetrics[len(row.RawMetrics)-1] != k {
			row.RawMetrics = append(row.RawMetrics, k)
		}
	}
	res.Shard = row
	res.ElapsedMS = time.Since(start).Milliseconds()
	return res
}

// exactSum adds float64s without rounding (math/big, 2300 bits: every double's exponent range
// plus carries), so a mean is the same bits whatever the order of its terms.
type exactSum struct {
	f                   *big.Float
	nan, posInf, negInf bool
}

const exactSumPrec = 2300

func (s *exactSum) add(x float64) {
	switch {
	case math.IsNaN(x):
		s.nan = true
	case math.IsInf(x, 1):
		s.posInf = true
	case math.IsInf(x, -1):
		s.negInf = true
	default:
		if s.f == nil {
			s.f = new(big.Float).SetPrec(exactSumPrec)
		}
		s.f.Add(s.f, new(big.Float).SetFloat64(x))
	}
}

func (s *exactSum) addSum(o exactSum) {
	s.nan, s.posInf, s.negInf = s.nan || o.nan, s.posInf || o.posInf, s.negInf || o.negInf
	if o.f != nil {
		if s.f == nil {
			s.f = new(big.Float).SetPrec(exactSumPrec)
		}
		s.f.Add(s.f, o.f)
	}
}

func (s *exactSum) special() (float64, bool) {
	switch {
	case s.nan || (s.posInf && s.negInf):
		return math.NaN(), true
	case s.posInf:
		return math.Inf(1), true
	case s.negInf:
		return math.Inf(-1), true
	}
	return 0, false
}

// mean is the sum divided by n, rounded once.
func (s *exactSum) mean(n int) float64 {
	if v, ok := s.special(); ok {
		return v
	}
	if n == 0 {
		return math.NaN()
	}
	if s.f == nil {
		return 0
	}
	q := new(big.Float).SetPrec(53).Quo(s.f, new(big.Float).SetInt64(int64(n)))
	v, _ := q.Float64()
	return v
}

func (s *exactSum) String() string {
	if v, ok := s.special(); ok {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if s.f == nil {
		return "0"
	}
	return s.f.Text('p', 0)
}

func parseExactSum(text string) (exactSum, error) {
	var s exactSum
	switch text {
	case "NaN":
		s.nan = true
		return s, nil
	case "+Inf":
		s.posInf = true
		return s, nil
	case "-Inf":
		s.negInf = true
		return s, nil
	}
	f, _, err := new(big.Float).SetPrec(exactSumPrec).Parse(text, 0)
	if err != nil {
		return s, fmt.Errorf("metric sum %q: %v", text, err)
	}
	s.f = f
	return s, nil
}
