package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/reports"
	"github.com/implicitreg/verify/theorems"
)

// `verify report`: run the catalogue with its controls, compute the families' figures, and
// write DIR/README.md with DIR/figures/*.svg and *.png. Nothing is written until everything
// is computed; then each file goes through a temporary file and a rename, the figures first
// and README.md last, so an interrupted or failed run never leaves a half-written file nor a
// README that links a missing figure.

// reportContext is cancelled by Ctrl-C (a variable so that a test can interrupt a run).
var reportContext = func() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt)
}

// reportFiguresDir is the figures' directory inside --out.
const reportFiguresDir = "figures"

func cmdReport(args []string, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("report", stdout)
	out := fs.String("out", "reports/", "directory to write README.md and figures/ into (created if missing)")
	profile := fs.String("profile", "quick", "profile: quick (seconds per theorem), ci or paper (paper scale, much longer)")
	seed := fs.Uint64("seed", 0, "seed, a positive integer; the same seed regenerates the same README.md (default: random, printed in its first line)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	nChecks, _, err := sharedFlags(fs, *profile, nil, nil, nil, seed)
	switch {
	case err != nil:
		return exitUsage, err
	case *out == "":
		return exitUsage, usagef("--out needs a directory")
	}
	ths, err := theorems.Resolve(pos)
	if err != nil {
		return exitUsage, err
	}
	ths = slices.DeleteFunc(ths, func(th *theorems.Theorem) bool { return !th.Encoded() })
	if len(ths) == 0 {
		return exitUsage, usagef("nothing to report: none of %q is encoded yet (verify list shows the catalogue)", pos)
	}
	// Check --out before the long run, not after. A directory created for the report is
	// removed again if nothing gets written into it.
	created, err := reportCheckDir(*out)
	if err != nil {
		return exitUsage, err
	}
	if b, err := os.ReadFile(filepath.Join(*out, "README.md")); err == nil && !bytes.HasPrefix(b, []byte(reports.RegenerateLinePrefix)) {
		return exitUsage, usagef("--out %s holds a README.md that verify report did not write; choose another directory (report would overwrite it)", *out)
	}
	wrote := false
	defer func() {
		if created && !wrote {
			os.Remove(*out) // only if still empty
		}
	}()

	ctx, stop := reportContext()
	defer stop()
	prog := newProgress(stderr)
	rep := checks.Run(ctx, ths, checks.Config{Profile: *profile, Checks: nChecks, Seed: *seed, Controls: true, Progress: prog.update, Shard: &checks.Shard{K: 1, N: 1}})
	prog.finish()
	if rep.Interrupted || ctx.Err() != nil {
		fmt.Fprintln(stderr, "verify: interrupted; nothing written")
		return exitViolated, nil
	}

	ids := make([]string, len(ths))
	for i, th := range ths {
		ids[i] = th.ID
	}
	figs, err := reportFigures(ctx, ids, theorems.ExperimentConfig{Profile: *profile, Seed: *seed})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(stderr, "verify: interrupted; nothing written")
			return exitViolated, nil
		}
		return exitUsage, err
	}

	// Render everything in memory, then write.
	files := map[string][]byte{} // path relative to --out → content
	var order []string
	var rfs []reports.ReportFigure
	for _, f := range figs {
		rf := reports.ReportFigure{Figure: f}
		for _, format := range reports.FigureFormats {
			var buf bytes.Buffer
			st, err := reports.WriteFigure(&buf, f, format)
			if err != nil {
				return exitUsage, fmt.Errorf("figure %s: %w", f.Name, err)
			}
			rel := reportFiguresDir + "/" + f.Name + "." + format
			files[rel] = buf.Bytes()
			order = append(order, rel)
			rf.Dropped = st.Dropped // the same data in every format
			if format == "svg" {
				rf.SVG = rel
			} else {
				rf.PNG = rel
			}
		}
		rfs = append(rfs, rf)
	}
	var readme bytes.Buffer
	cmd := reportCommand(*out, *profile, *seed, pos)
	if err := reports.WriteMarkdownReport(&readme, reports.MarkdownReport{Command: cmd, Report: rep, Figures: rfs}); err != nil {
		return exitUsage, err
	}
	files["README.md"] = readme.Bytes()
	order = append(order, "README.md")
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "verify: interrupted; nothing written")
		return exitViolated, nil
	}
	// From here on Ctrl-C is caught and ignored (ctx is no longer consulted): every file is
	// renamed into place whole, README.md last.
	if len(figs) > 0 {
		if err := os.MkdirAll(filepath.Join(*out, reportFiguresDir), 0o755); err != nil {
			return exitUsage, fmt.Errorf("cannot write --out %s: %w", *out, err)
		}
	}
	stale := reportLinkedFigures(filepath.Join(*out, "README.md"))
	for _, rel := range order {
		wrote = true
		if err := writeFileAtomic(filepath.Join(*out, filepath.FromSlash(rel)), files[rel]); err != nil {
			return exitUsage, fmt.Errorf("cannot write --out %s: %w", *out, err)
		}
		delete(stale, rel)
	}
	wrote = true
	fmt.Fprintf(stdout, "wrote %s and %d figures (SVG and PNG) in %s\n",
		filepath.Join(*out, "README.md"), len(figs), filepath.Join(*out, reportFiguresDir))
	// Figures the previous README.md linked and this one does not (a report of fewer theorems
	// into the same directory) are removed; files it never linked are left alone.
	removed := 0
	for _, rel := range slices.Sorted(maps.Keys(stale)) {
		if err := os.Remove(filepath.Join(*out, filepath.FromSlash(rel))); err == nil {
			removed++
		} else if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stderr, "verify: could not remove the stale figure %s: %v\n", rel, err)
		}
	}
	if removed > 0 {
		fmt.Fprintf(stdout, "removed %d figure files the previous README.md linked and this one does not\n", removed)
	}
	if !rep.OK() {
		return exitViolated, nil
	}
	return exitOK, nil
}

// reportFigureLink matches a figure link of a README.md that `verify report` wrote.
var reportFigureLink = regexp.MustCompile(`\]\((` + reportFiguresDir + `/[A-Za-z0-9._-]+\.(?:svg|png))\)`)

// reportLinkedFigures returns the figure files (relative to --out) that the README.md at path
// links (one that `verify report` wrote: cmdReport refuses any other); none when there is no
// such file.
func reportLinkedFigures(path string) map[string]bool {
	out := map[string]bool{}
	b, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(b, []byte(reports.RegenerateLinePrefix)) {
		return out
	}
	for _, m := range reportFigureLink.FindAllSubmatch(b, -1) {
		out[string(m[1])] = true
	}
	return out
}

// reportCheckDir makes sure dir is a writable directory, creating it (and reporting so) when
// it does not exist.
func reportCheckDir(dir string) (created bool, err error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Mkdir(dir, 0o755); err != nil {
			return false, usagef("--out %s: cannot create the directory: %v", dir, err)
		}
		created = true
	case err != nil:
		return false, usagef("--out %s: %v", dir, err)
	case !st.IsDir():
		return false, usagef("--out %s is not a directory (report writes README.md and figures/ into a directory)", dir)
	}
	probe, err := os.CreateTemp(dir, ".verify-report-probe-*")
	if err != nil {
		if created {
			os.Remove(dir)
		}
		return false, usagef("--out %s is not writable: %v", dir, err)
	}
	probe.Close()
	os.Remove(probe.Name())
	return created, nil
}

// reportFigures computes the figures, giving up (with context.Canceled) on Ctrl-C. The
// computation itself cannot be interrupted; it is abandoned, and the process exits.
func reportFigures(ctx context.Context, ids []string, cfg theorems.ExperimentConfig) (figs []theorems.Figure, err error) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("computing the figures: %v", r)
			}
		}()
		figs = theorems.Figures(ids, cfg)
	}()
	select {
	case <-done:
		return figs, err
	case <-ctx.Done():
		return nil, context.Canceled
	}
}

// reportCommand is the command line that regenerates the report, as its first line shows.
func reportCommand(out, profile string, seed uint64, names []string) string {
	parts := []string{"go run ./cmd/verify report", "--out " + reportQuote(out), "--profile " + profile, "--seed " + strconv.FormatUint(seed, 10)}
	for _, n := range names {
		parts = append(parts, reportQuote(n))
	}
	return strings.Join(parts, " ")
}

// reportQuote quotes a shell word when it needs it.
func reportQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:+=,@", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeFileAtomic writes data to path through a temporary file in the same directory and a
// rename, so that path is either the old file or the whole new one.
func writeFileAtomic(path string, data []byte) error {
	return writeAtomic(path, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// writeAtomic writes a file through a temporary file beside it and a rename, mode 0644: the
// file is either the old one or the whole new one, never half-written.
func writeAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
