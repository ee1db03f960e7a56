package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/internal/oracle"
	"github.com/implicitreg/verify/theorems"
)

// algorithmFlags are run's and replay's --algorithm-cmd and --algorithm-timeout: check the
// theorems about the GD role on a user's optimiser, a program in any language speaking the
// oracle protocol (internal/oracle) on its standard input and output.
type algorithmFlags struct {
	cmd     *string
	timeout *time.Duration
	sess    *oracle.Session
	ctx     context.Context
}

func addAlgorithmFlags(fs *flag.FlagSet) *algorithmFlags {
	return &algorithmFlags{
		cmd: fs.String("algorithm-cmd", "", "check the GD theorems on the optimiser `CMD` (any language; JSON lines on stdin/stdout, see README), "+
			"split into arguments without a shell: quotes group, no pipes or variables"),
		timeout: fs.Duration("algorithm-timeout", oracle.DefaultTimeout, "with --algorithm-cmd: the longest wait for any one message from the optimiser"),
	}
}

// theorems starts the optimiser and returns the theorems to run on it: those about the GD
// role that the names select (an ID, or a family's GD theorems; all of them without names).
// Without --algorithm-cmd it returns ths unchanged. The returned func ends the optimiser.
func (a *algorithmFlags) theorems(ctx context.Context, ths []*theorems.Theorem, names []string, parallel int) ([]*theorems.Theorem, func(), error) {
	if *a.cmd == "" {
		return ths, func() {}, nil
	}
	if *a.timeout <= 0 {
		return nil, nil, usagef("--algorithm-timeout must be positive, got %v", *a.timeout)
	}
	argv, err := oracle.SplitCommand(*a.cmd)
	if err != nil {
		return nil, nil, usagef("--algorithm-cmd: %v", err)
	}
	if parallel <= 0 {
		parallel = runtime.NumCPU()
	}
	// One child per theorem checked at once; each serves its problems one after another.
	sess, err := oracle.Start(ctx, argv, oracle.Options{Timeout: *a.timeout, MaxChildren: parallel})
	if err != nil {
		return nil, nil, err
	}
	a.sess, a.ctx = sess, ctx
	gd := sess.GD()
	if len(names) == 0 {
		names = []string{""}
	}
	seen := map[string]bool{}
	var out []*theorems.Theorem
	for _, name := range names {
		sel, err := theorems.ForName(name, gd)
		if err != nil {
			sess.Close()
			return nil, nil, usagef("--algorithm-cmd serves the GD role only: %v", err)
		}
		for _, th := range sel {
			if !seen[th.ID] {
				seen[th.ID] = true
				out = append(out, th)
			}
		}
	}
	// Catalogue order, whatever the order of the names.
	order := map[string]int{}
	for i, th := range theorems.All() {
		order[th.ID] = i
	}
	slices.SortFunc(out, func(x, y *theorems.Theorem) int { return order[x.ID] - order[y.ID] })
	return out, func() { sess.Close() }, nil
}

// finish returns the optimiser's first protocol error: the run then says nothing about the
// theorems (the engine recorded the error as a panic), so the CLI exits 2 with it instead of
// printing the report. Otherwise it makes the report's replay commands replay on the same
// optimiser, and notes on stderr how much the optimiser served.
func (a *algorithmFlags) finish(rep *checks.Report, stderr io.Writer) error {
	if a.sess == nil || a.ctx.Err() != nil { // an interrupt kills the child: not its fault
		return nil
	}
	problems, requests := a.sess.Stats()
	if err := a.sess.Err(); err != nil {
		return fmt.Errorf("%w\n(%d problem(s) sent; a broken protocol gives no verdict on the theorems)", err, problems)
	}
	suffix := " --algorithm-cmd " + shellQuote(*a.cmd)
	if *a.timeout != oracle.DefaultTimeout {
		suffix += " --algorithm-timeout " + a.timeout.String()
	}
	for i := range rep.Results {
		if rep.Results[i].Replay != "" {
			rep.Results[i].Replay += suffix
		}
	}
	fmt.Fprintf(stderr, "verify: %s served %d problems and %d gradient/value requests\n", a.sess.Command(), problems, requests)
	return nil
}

// shellQuote quotes s for a POSIX shell, for the replay commands users paste.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
