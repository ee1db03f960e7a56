package checks

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/implicitreg/verify/theorems"
)

// MergeError is a refusal to merge shard reports: mixed runs, a shard given twice or missing,
// an interrupted shard, or a report that is not a shard's.
type MergeError struct{ Msg string }

func (e *MergeError) Error() string { return e.Msg }

func mergeErrorf(format string, args ...any) error {
	return &MergeError{fmt.Sprintf(format, args...)}
}

// Merge combines the reports of shards 1..N of one run (names label them in errors, e.g. file
// names) into the report the whole run gives, timings aside (elapsed_ms is the shards' sum):
//
//   - checks, discarded, noise and violations are sums, discard reasons a union of counts;
//   - worst margin and tightness are maxima, the worst instance the earliest attaining it;
//   - the counterexample (and status, failing step, message) is that of the earliest failure
//     over all shards, shrunk in its shard from the same instance as the whole run shrinks it;
//   - metrics judged instance by instance are maxima and means of exact sums; experiment
//     metrics and tables, explicit examples and controls come from the one shard that ran them.
func Merge(reps []*Report, names []string) (*Report, error) {
	if len(reps) == 0 {
		return nil, mergeErrorf("nothing to merge: give the JSON reports of every shard")
	}
	name := func(i int) string {
		if i < len(names) {
			return names[i]
		}
		return fmt.Sprintf("report %d", i+1)
	}
	first := reps[0]
	for i, r := range reps {
		switch {
		case r.Campaign == nil:
			return nil, mergeErrorf("%s is not a shard's report (run it with --shard K/N)", name(i))
		case r.Schema != first.Schema:
			return nil, mergeErrorf("mixed schemas: %s has %d, %s has %d", name(0), first.Schema, name(i), r.Schema)
		case r.Seed != first.Seed:
			return nil, mergeErrorf("mixed seeds: %s has %d, %s has %d", name(0), first.Seed, name(i), r.Seed)
		case r.Profile != first.Profile:
			return nil, mergeErrorf("mixed profiles: %s has %q, %s has %q", name(0), first.Profile, name(i), r.Profile)
		case r.Campaign.N != first.Campaign.N:
			return nil, mergeErrorf("mixed shard counts: %s is shard %s, %s is shard %s", name(0), first.Campaign.Shard, name(i), r.Campaign.Shard)
		case r.Campaign.Instances != first.Campaign.Instances:
			return nil, mergeErrorf("mixed --checks: %s has %d instances per theorem, %s has %d", name(0), first.Campaign.Instances, name(i), r.Campaign.Instances)
		case r.Campaign.Plan != first.Campaign.Plan || r.Campaign.Jobs != first.Campaign.Jobs:
			return nil, mergeErrorf("%s and %s are shards of different runs (other theorems or --controls)", name(0), name(i))
		case r.Interrupted:
			return nil, mergeErrorf("%s (shard %s) was interrupted: run that shard again", name(i), r.Campaign.Shard)
		}
	}
	n := first.Campaign.N
	seen := map[int]int{}
	for i, r := range reps {
		if j, dup := seen[r.Campaign.K]; dup {
			return nil, mergeErrorf("shard %s given twice: %s and %s", r.Campaign.Shard, name(j), name(i))
		}
		seen[r.Campaign.K] = i
	}
	var missing []string
	for k := 1; k <= n; k++ {
		if _, ok := seen[k]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) > 0 {
		return nil, mergeErrorf("missing shards: %s", strings.Join(missing, ", "))
	}

	jobs := first.Campaign.Jobs
	rows := make([][]Result, jobs)
	ctls := make([][]ControlResult, jobs)
	for i, r := range reps {
		for _, res := range r.Results {
			if res.Shard == nil || res.Shard.Job < 0 || res.Shard.Job >= jobs {
				return nil, mergeErrorf("%s: row %s has no valid shard bookkeeping", name(i), res.Theorem)
			}
			rows[res.Shard.Job] = append(rows[res.Shard.Job], res)
		}
		for _, c := range r.Controls {
			if c.Shard == nil || c.Shard.Job < 0 || c.Shard.Job >= jobs {
				return nil, mergeErrorf("%s: control %s of %s has no valid shard bookkeeping", name(i), c.Control, c.Theorem)
			}
			ctls[c.Shard.Job] = append(ctls[c.Shard.Job], c)
		}
	}
	out := &Report{Schema: first.Schema, Seed: first.Seed, Profile: first.Profile, Results: []Result{}, Controls: []ControlResult{}}
	for j := 0; j < jobs; j++ {
		switch {
		case len(rows[j]) > 0 && len(ctls[j]) > 0:
			return nil, mergeErrorf("job %d is both a theorem and a control in the shards", j)
		case len(ctls[j]) == 1:
			c := ctls[j][0]
			c.Shard = nil
			out.Controls = append(out.Controls, c)
		case len(ctls[j]) > 1:
			return nil, mergeErrorf("control %s of %s appears in %d shards", ctls[j][0].Control, ctls[j][0].Theorem, len(ctls[j]))
		case len(rows[j]) == 0:
			return nil, mergeErrorf("job %d of the run is in no shard", j)
		default:
			res, err := mergeRows(rows[j], n)
			if err != nil {
				return nil, err
			}
			out.Results = append(out.Results, res)
		}
	}
	return out, nil
}

// mergeRows combines one theorem's rows from the shards.
func mergeRows(rows []Result, n int) (Result, error) {
	id := rows[0].Theorem
	owners := 0
	var owner Result
	for _, r := range rows {
		if r.Theorem != id {
			return Result{}, mergeErrorf("job %d is %s in one shard and %s in another", r.Shard.Job, id, r.Theorem)
		}
		if r.Shard.Owner {
			owners++
			owner = r
		}
	}
	split := rows[0].Shard.Instances > 0
	switch {
	case owners != 1:
		return Result{}, mergeErrorf("%s: %d shards claim its examples and experiment, want 1", id, owners)
	case !split && len(rows) != 1:
		return Result{}, mergeErrorf("%s ran whole in %d shards, want 1", id, len(rows))
	case split && len(rows) != n:
		return Result{}, mergeErrorf("%s has rows from %d of the %d shards", id, len(rows), n)
	}
	if !split {
		owner.Shard = nil
		return owner, nil
	}

	out := owner
	out.Checks, out.Discarded, out.Noise, out.Violations, out.ElapsedMS = 0, 0, 0, 0, 0
	out.DiscardReasons, out.WorstMargin, out.WorstInstance, out.Tightness = nil, nil, "", nil
	out.Shard = nil
	worstAt := math.MaxInt
	var fail *Result
	failAt := math.MaxInt
	counts := map[string]int{}
	sums := map[string]*exactSum{}
	maxes := map[string]float64{}
	for i := range rows {
		r := &rows[i]
		out.Checks += r.Checks
		out.Discarded += r.Discarded
		out.Noise += r.Noise
		out.Violations += r.Violations
		out.ElapsedMS += r.ElapsedMS
		for reason, c := range r.DiscardReasons {
			if out.DiscardReasons == nil {
				out.DiscardReasons = map[string]int{}
			}
			out.DiscardReasons[reason] += c
		}
		if r.WorstMargin != nil && r.Shard.Worst != nil {
			w, at := float64(*r.WorstMargin), *r.Shard.Worst
			if out.WorstMargin == nil || w > float64(*out.WorstMargin) || (w == float64(*out.WorstMargin) && at < worstAt) {
				m := *r.WorstMargin
				out.WorstMargin, out.WorstInstance, worstAt = &m, r.WorstInstance, at
			}
		}
		if r.Tightness != nil && (out.Tightness == nil || *r.Tightness > *out.Tightness) {
			t := *r.Tightness
			out.Tightness = &t
		}
		if r.Shard.FirstFailure != nil && *r.Shard.FirstFailure < failAt {
			fail, failAt = r, *r.Shard.FirstFailure
		}
		for k, c := range r.Shard.MetricCounts {
			s, err := parseExactSum(r.Shard.MetricSums[k])
			if err != nil {
				return Result{}, mergeErrorf("%s: %v", id, err)
			}
			if sums[k] == nil {
				sums[k] = &exactSum{}
				maxes[k] = math.Inf(-1)
			}
			sums[k].addSum(s)
			counts[k] += c
			maxes[k] = math.Max(maxes[k], float64(r.Shard.MetricMax[k]))
		}
	}

	// Status and message: the earliest failure's, else what the merged counts say (the same
	// rules as a whole run, applied by fill).
	if fail != nil {
		out.Status, out.Message, out.FailingStep, out.Counterexample = fail.Status, fail.Message, fail.FailingStep, fail.Counterexample
	} else {
		tl := newTally(theorems.Tolerance{})
		tl.checks, tl.discarded = out.Checks, out.Discarded
		var res Result
		tl.fill(&res, &recorder{})
		out.Status, out.Message, out.FailingStep, out.Counterexample = res.Status, res.Message, "", nil
		if rec := firstInconclusive(rows); rec != nil && res.Status == StatusHolds {
			out.Status, out.Message = rec.Status, rec.Message
		}
	}

	// Metrics: instance metrics from the merged sums, then the owner's experiment metrics as
	// they are (they override, as in a whole run).
	out.Metrics = map[string]Num{}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Metrics[k+"_max"] = Num(maxes[k])
		out.Metrics[k+"_mean"] = Num(sums[k].mean(counts[k]))
	}
	for _, k := range owner.Shard.RawMetrics {
		out.Metrics[k] = owner.Metrics[k]
	}
	return out, nil
}

// firstInconclusive returns a row that is inconclusive for a reason the counts do not show
// (rapid failed outside the property's verdicts), so merging never turns it into holds.
func firstInconclusive(rows []Result) *Result {
	for i := range rows {
		if rows[i].Status == StatusInconclusive && rows[i].Checks > 0 &&
			!strings.HasPrefix(rows[i].Message, "health check:") {
			return &rows[i]
		}
	}
	return nil
}
