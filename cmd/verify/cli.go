package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

// Exit statuses (DESIGN.md): 0 everything holds, 1 a violation or an uncaught control,
// 2 bad usage or input.
const (
	exitOK       = 0
	exitViolated = 1
	exitUsage    = 2
)

const usage = `verify checks theorems about first-order optimisation on randomised problem instances.

Usage:
  verify list    [--format table|markdown|json]
  verify explain ID
  verify run     [ID|FAMILY ...] [--profile quick|ci|paper] [--checks N] [--seed S]
                 [--format table|markdown|csv|json] [--out FILE] [--controls] [--parallel N]
                 [--shard K/N] [--algorithm-cmd CMD [--algorithm-timeout D]]
  verify replay  ID --seed S [--profile P] [--checks N] [--format F]
  verify probe   ID --vary NAME=FROM:TO[:STEPS] [--checks N] [--seed S] [--format F] [--out FILE]
  verify merge   FILE... [--format F] [--out FILE]
  verify prove   ID [--steps LIST | --constant η --T N] [--L L] [--seed S]
  verify report  [ID|FAMILY ...] [--out DIR] [--profile quick|ci|paper] [--seed S]

Commands:
  list     every theorem of the catalogue, encoded or not, with its kind and source
  explain  one theorem's statement, hypotheses, proof steps, tolerance, controls and probes
  run      check theorems (all encoded ones by default) and print the violation table
  replay   re-run one theorem exactly as a report's replay column says, with full details
  probe    sweep one hypothesis parameter (e.g. the step as a multiple of 1/L): violation rate
           and worst margin per value, and the shrunk counterexample at the boundary
  merge    combine the JSON reports of the shards of one run (run --shard K/N) into the
           report of the whole run
  prove    prove a gradient-descent claim for every L-smooth convex function with an exact
           certificate, or show a counterexample (verify prove --help lists the claims)
  report   run the catalogue with its controls and write DIR/README.md (tables, the paper's
           numbers next to ours, figures) and DIR/figures/*.svg, *.png (default DIR reports/)

Reading the table: a row per theorem. status is holds, violated, inconclusive, error or
not-encoded; worst margin is max (lhs − rhs)/scale of the conclusion over all checks (≤ 0
holds); tightness near 1 means some instance nearly attains the bound; failing step names the
first proof step that failed, and replay reproduces the run. Every one of the --checks random
instances is counted (checks + discarded = --checks + explicit examples): a discarded draw is
not replaced and violations counts every violating instance; the counterexample is the first,
shrunk. So N shards (--shard K/N, same --seed) merge into exactly the whole run.

Exit status: 0 everything holds (and every control is caught, with --controls);
1 a violation, a failed claim, or a control not caught; 2 bad usage or input.

Examples:
  verify run                                   # every encoded theorem, quick profile
  verify run basic-inequality --controls       # one family, negative controls too
  verify run basic-inequality/gd --seed 5 --format json --out gd.json
  verify replay basic-inequality/gd --seed 5
  verify probe basic-inequality/gd --vary step=0.5:3:11 --seed 1
  verify run basic-inequality --seed 7 --shard 2/4 --format json --out shard-2.json
  verify merge shard-*.json
  verify run basic-inequality/gd --algorithm-cmd 'python3 gd.py'   # your own optimiser
  verify report --out reports/ --seed 1        # regenerate reports/README.md and its figures
`

// usageError is bad input: it is printed with a hint and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// Main runs the CLI and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var (
		code int
		err  error
	)
	switch cmd, rest := args[0], args[1:]; cmd {
	case "list":
		err = cmdList(rest, stdout)
	case "explain":
		err = cmdExplain(rest, stdout)
	case "run":
		code, err = cmdRun(rest, stdout, stderr, false)
	case "replay":
		code, err = cmdRun(rest, stdout, stderr, true)
	case "prove":
		code, err = cmdProve(rest, stdout, stderr)
	case "probe":
		code, err = cmdProbe(rest, stdout, stderr)
	case "merge":
		code, err = cmdMerge(rest, stdout, stderr)
	case "report":
		code, err = cmdReport(rest, stdout, stderr)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		err = usagef("unknown command %q (want list, explain, run, replay, prove, probe, merge or report)", cmd)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		fmt.Fprintf(stderr, "verify: %v\n", err)
		var ue *usageError
		var unk *theorems.UnknownError
		if errors.As(err, &ue) || errors.As(err, &unk) {
			fmt.Fprintln(stderr, "run 'verify help' for usage")
			return exitUsage
		}
		return exitUsage
	}
	return code
}

// parseInterleaved parses flags that may come before, between or after positional
// arguments (`verify run basic-inequality --controls`), which the flag package alone does not.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func newFlagSet(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprint(out, usage)
		fmt.Fprintf(out, "\nFlags of %s:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

func cmdList(args []string, stdout io.Writer) error {
	fs := newFlagSet("list", stdout)
	format := fs.String("format", "table", "output format: table, markdown or json")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("list takes no arguments, got %q", pos)
	}
	if !slices.Contains([]string{"table", "markdown", "json"}, *format) {
		return usagef("unknown --format %q for list (want table, markdown or json)", *format)
	}
	return reports.WriteList(stdout, theorems.All(), *format)
}

func cmdExplain(args []string, stdout io.Writer) error {
	fs := newFlagSet("explain", stdout)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("explain takes exactly one theorem ID (see verify list)")
	}
	th, ok := theorems.Lookup(pos[0])
	if !ok {
		if _, err := theorems.Resolve(pos); err != nil {
			return err
		}
		return usagef("%q is a family; explain takes one theorem ID (verify list shows them)", pos[0])
	}
	reports.WriteExplain(stdout, th)
	return nil
}

func cmdRun(args []string, stdout, stderr io.Writer, replay bool) (int, error) {
	name := "run"
	if replay {
		name = "replay"
	}
	fs := newFlagSet(name, stdout)
	profile := fs.String("profile", "quick", "profile: quick (seconds per theorem), ci (what go test uses) or paper (paper scale)")
	nChecks := fs.Int("checks", 0, "random instances per theorem (default: the profile's, quick 200, ci 100, paper 1000)")
	seed := fs.Uint64("seed", 0, "seed, a positive integer; the same seed gives the same report (default: random, printed in the replay column)")
	format := fs.String("format", "table", "output format: table, markdown, csv or json")
	out := fs.String("out", "", "write the report to FILE (atomically) instead of standard output")
	controls := fs.Bool("controls", false, "also run each theorem's negative controls; each must be caught")
	parallel := fs.Int("parallel", 0, "theorems checked at once (default: every core)")
	shardFlag := fs.String("shard", "", "run only shard `K/N` (1 ≤ K ≤ N) of the run, split deterministically by --seed; combine the JSON reports with verify merge")
	algo := addAlgorithmFlags(fs)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	def, seedSet, err := sharedFlags(fs, *profile, format, nChecks, parallel, seed)
	switch {
	case err != nil:
		return exitUsage, err
	case replay && !seedSet:
		return exitUsage, usagef("replay needs --seed S: the seed of the run to reproduce (see the replay column of a report)")
	case replay && len(pos) != 1:
		return exitUsage, usagef("replay takes exactly one theorem ID, got %d", len(pos))
	}
	shard, err := shardConfig(*shardFlag, seedSet, replay)
	if err != nil {
		return exitUsage, err
	}
	if *nChecks == 0 {
		*nChecks = def
	}
	ths, err := theorems.Resolve(pos)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) == 0 { // a bare `verify run` checks what is encoded; naming a family shows its whole map
		ths = slices.DeleteFunc(ths, func(th *theorems.Theorem) bool { return !th.Encoded() })
	}
	if replay && ths[0].ID != strings.TrimSuffix(pos[0], "/") {
		return exitUsage, usagef("replay takes one theorem ID, not the family %q", pos[0])
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ths, closeAlgo, err := algo.theorems(ctx, ths, pos, *parallel)
	if err != nil {
		return exitUsage, err
	}
	defer closeAlgo()
	prog := newProgress(stderr)
	cfg := checks.Config{Profile: *profile, Checks: *nChecks, Seed: *seed, Controls: *controls, Parallel: *parallel, Progress: prog.update, Shard: shard}
	rep := checks.Run(ctx, ths, cfg)
	if *shardFlag == "" { // the whole run: no campaign bookkeeping in its report
		checks.Unshard(rep)
	}
	prog.finish()
	if err := algo.finish(rep, stderr); err != nil {
		return exitUsage, err
	}
	if rep.Interrupted {
		fmt.Fprintln(stderr, "verify: interrupted; printing the finished rows")
	}

	if err := emit(rep, *format, *out, stdout); err != nil {
		return exitUsage, err
	}
	if replay && *out == "" && (*format == "table" || *format == "markdown") {
		reports.WriteWorstCases(stdout, rep)
	}
	if !rep.OK() {
		return exitViolated, nil
	}
	return exitOK, nil
}

// sharedFlags validates the flags that run, replay, probe and report have in common, and
// draws a random seed when --seed was not given. It returns the profile's default number of
// checks and whether --seed was given. format, nChecks and parallel are nil for a command
// without that flag.
func sharedFlags(fs *flag.FlagSet, profile string, format *string, nChecks, parallel *int, seed *uint64) (defChecks int, seedSet bool, err error) {
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	defChecks, ok := checks.Profiles[profile]
	switch {
	case !ok:
		return 0, seedSet, usagef("unknown --profile %q (want quick, ci or paper)", profile)
	case format != nil && !slices.Contains(reports.Formats, *format):
		return 0, seedSet, usagef("unknown --format %q (want table, markdown, csv or json)", *format)
	case nChecks != nil && *nChecks < 0:
		return 0, seedSet, usagef("--checks must be a positive number of instances, got %d", *nChecks)
	case parallel != nil && *parallel < 0:
		return 0, seedSet, usagef("--parallel must be ≥ 1 (or 0 for every core), got %d", *parallel)
	case seedSet && *seed == 0:
		return 0, seedSet, usagef("--seed must be a positive integer (0 would mean a random seed)")
	}
	if !seedSet {
		*seed = rand.Uint64N(1<<31) + 1
	}
	return defChecks, seedSet, nil
}

// emit writes the report to stdout, or to the file out through writeOut.
func emit(rep *checks.Report, format, out string, stdout io.Writer) error {
	return writeOut(out, stdout, func(w io.Writer) error { return reports.Write(w, rep, format) })
}

// progress prints one self-overwriting status line on stderr, twice a second, only when
// stderr is a terminal and the run has lasted more than two seconds.
type progress struct {
	w     io.Writer
	start time.Time
	stop  chan struct{}
	done  sync.WaitGroup

	mu          sync.Mutex
	n, total    int
	last, shown string
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, start: time.Now(), stop: make(chan struct{})}
	f, ok := w.(*os.File)
	if !ok {
		return p
	}
	if st, err := f.Stat(); err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return p
	}
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-tick.C:
				if time.Since(p.start) < 2*time.Second {
					continue
				}
				p.mu.Lock()
				line := fmt.Sprintf("[%.0fs] checking…", time.Since(p.start).Seconds())
				if p.total > 0 {
					line = fmt.Sprintf("[%d/%d done, %.0fs] %s", p.n, p.total, time.Since(p.start).Seconds(), p.last)
				}
				fmt.Fprintf(p.w, "\r\033[K%s", line)
				p.shown = line
				p.mu.Unlock()
			}
		}
	}()
	return p
}

func (p *progress) update(done, total int, label string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n, p.total, p.last = done, total, "finished "+label
}

func (p *progress) finish() {
	close(p.stop)
	p.done.Wait()
	if p.shown != "" {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
