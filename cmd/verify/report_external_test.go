package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// `verify report` writes README.md and its figures from scratch into a directory it creates,
// the first line regenerates it, and the same seed gives the same files.
func TestReportWritesReadmeAndFiguresFromScratch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "rep") // does not exist yet
	args := []string{"report", "--out", out, "--seed", "3", "sco/rerm-fails", "norm-divergence"}
	code, stdout, stderr := run(t, args...)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(readme), "\n")
	wantCmd := "go run ./cmd/verify report --out " + out + " --profile quick --seed 3 sco/rerm-fails norm-divergence"
	if first != "Regenerate with: `"+wantCmd+"`" {
		t.Errorf("first line %q, want the regeneration command %q", first, wantCmd)
	}
	for _, want := range []string{"## Violation table", "## Negative controls", "| sco/rerm-fails ", "| norm-divergence/razin-cohen ",
		"| paper_abs_w11_at_stop_lo/_hi | 60 – 70 ", "gap per regulariser family and n", "0 violated; 7 of 7 negative controls caught"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README.md lacks %q", want)
		}
	}
	// Every figure the README links exists, in both formats, and nothing else is left behind.
	links := regexp.MustCompile(`\]\((figures/[a-z0-9-]+\.(?:svg|png))\)`).FindAllStringSubmatch(string(readme), -1)
	linked := map[string]bool{}
	for _, l := range links {
		linked[l[1]] = true
	}
	for _, name := range []string{"norm-divergence-w11-vs-loss", "sco-gap-vs-n"} {
		for _, ext := range []string{".svg", ".png"} {
			rel := "figures/" + name + ext
			if !linked[rel] {
				t.Errorf("README.md does not link %s", rel)
			}
			if st, err := os.Stat(filepath.Join(out, rel)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", rel, err)
			}
		}
	}
	for rel := range linked {
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("README.md links a missing file: %v", err)
		}
	}
	entries, _ := filepath.Glob(filepath.Join(out, "*", ".*"))
	top, _ := filepath.Glob(filepath.Join(out, ".*"))
	if len(entries)+len(top) > 0 {
		t.Errorf("temporary files left behind: %v %v", entries, top)
	}
	svg, _ := os.ReadFile(filepath.Join(out, "figures", "sco-gap-vs-n.svg"))

	// Regenerate with the same seed: the same README.md and SVG, byte for byte.
	if code, _, stderr := run(t, args...); code != exitOK {
		t.Fatalf("rerun: exit %d: %s", code, stderr)
	}
	again, _ := os.ReadFile(filepath.Join(out, "README.md"))
	if !bytes.Equal(readme, again) {
		t.Errorf("README.md differs after a rerun with the same seed:\n%s", firstDiff(string(readme), string(again)))
	}
	svg2, _ := os.ReadFile(filepath.Join(out, "figures", "sco-gap-vs-n.svg"))
	if !bytes.Equal(svg, svg2) {
		t.Error("sco-gap-vs-n.svg differs after a rerun")
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(la), len(lb)) {
		if la[i] != lb[i] {
			return "line " + la[i] + "\n  vs " + lb[i]
		}
	}
	return "lengths differ"
}

func TestReportBadOutExitsTwo(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"report", "--out", file, "sco/rerm-fails"}, "is not a directory"},
		{[]string{"report", "--out", filepath.Join(file, "sub"), "sco/rerm-fails"}, "not a directory"},
		{[]string{"report", "--out", filepath.Join(dir, "missing", "sub"), "sco/rerm-fails"}, "cannot create the directory"},
		{[]string{"report", "--out", "", "sco/rerm-fails"}, "--out needs a directory"},
		{[]string{"report", "--out", dir, "--profile", "huge"}, `unknown --profile "huge"`},
		{[]string{"report", "--out", dir, "--seed", "0"}, "--seed must be a positive integer"},
		{[]string{"report", "--out", dir, "no-such-family"}, "unknown theorem or family"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("bad invocations wrote into %s: %v", dir, entries)
	}
}

// An interrupted run writes nothing (and removes the directory it created for the report).
func TestReportInterruptedWritesNothing(t *testing.T) {
	saved := reportContext
	defer func() { reportContext = saved }()
	reportContext = func() (context.Context, context.CancelFunc) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // Ctrl-C before anything finished
		return ctx, cancel
	}
	parent := t.TempDir()
	out := filepath.Join(parent, "rep")
	code, _, stderr := run(t, "report", "--out", out, "--seed", "3", "sco/rerm-fails")
	if code != exitViolated || !strings.Contains(stderr, "interrupted; nothing written") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after an interrupted run (%v)", out, err)
	}
	// Into an existing directory: its contents stay as they were.
	if err := os.WriteFile(filepath.Join(parent, "README.md"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "report", "--out", parent, "--seed", "3", "sco/rerm-fails")
	if b, _ := os.ReadFile(filepath.Join(parent, "README.md")); string(b) != "old" {
		t.Errorf("README.md was overwritten by an interrupted run: %q", b)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("an interrupted run left files: %v", entries)
	}
}

// A report of fewer theorems into the same directory removes the figures that only the
// previous README.md linked, and leaves files it never linked alone.
func TestReportRemovesStaleFigures(t *testing.T) {
	out := t.TempDir()
	if code, _, stderr := run(t, "report", "--out", out, "--seed", "3", "norm-divergence"); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	old := filepath.Join(out, "figures", "norm-divergence-w11-vs-loss.svg")
	if _, err := os.Stat(old); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(out, "figures", "my-notes.svg")
	if err := os.WriteFile(mine, []byte("<svg/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "report", "--out", out, "--seed", "3", "sco/rerm-fails")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "removed 2 figure files") {
		t.Errorf("stdout does not say what was removed: %s", stdout)
	}
	for _, gone := range []string{old, strings.TrimSuffix(old, ".svg") + ".png"} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("%s: want removed, got %v", gone, err)
		}
	}
	for _, kept := range []string{mine, filepath.Join(out, "figures", "sco-gap-vs-n.svg")} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s: %v", kept, err)
		}
	}

	// A README.md that verify did not write is not overwritten: exit 2 before any work, and
	// the directory is left as it was.
	hand := t.TempDir()
	if err := os.MkdirAll(filepath.Join(hand, "figures"), 0o755); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(hand, "figures", "plot.png")
	notes := []byte("# notes\n\n![plot](figures/plot.png)\n")
	os.WriteFile(theirs, []byte("png"), 0o644)
	os.WriteFile(filepath.Join(hand, "README.md"), notes, 0o644)
	code, _, stderr = run(t, "report", "--out", hand, "--seed", "3", "sco/rerm-fails")
	if code != exitUsage || !strings.Contains(stderr, "did not write") {
		t.Fatalf("hand-written README.md: exit %d, stderr %s; want 2 and the reason", code, stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(hand, "README.md")); !bytes.Equal(b, notes) {
		t.Error("the hand-written README.md was changed")
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Errorf("a figure of a hand-written README.md was removed: %v", err)
	}
}
