package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// buildChild builds the test optimiser internal/oracle/testdata/gdchild (a real program; its
// first argument selects a correct GD or a fault) into the test's temporary directory.
func buildChild(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gdchild")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, "../../internal/oracle/testdata/gdchild").CombinedOutput()
	if err != nil {
		t.Fatalf("go build gdchild: %v\n%s", err, out)
	}
	return bin
}

// runWatched runs the CLI, failing the test if it has not returned within two minutes: no
// child, however broken, may hang verify.
func runWatched(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	type res struct {
		code     int
		out, err string
	}
	ch := make(chan res, 1)
	begin := time.Now()
	go func() {
		var out, errb bytes.Buffer
		c := Main(args, &out, &errb)
		ch <- res{c, out.String(), errb.String()}
	}()
	select {
	case r := <-ch:
		t.Logf("verify %s: exit %d after %v", strings.Join(args, " "), r.code, time.Since(begin).Round(time.Millisecond))
		return r.code, r.out, r.err
	case <-time.After(2 * time.Minute):
		t.Fatalf("verify %q hung", args)
		return 0, "", ""
	}
}

var elapsedField = regexp.MustCompile(`"elapsed_ms": *\d+`)

// A correct GD in another process gives exactly the report of our own GD: the protocol carries
// every number bit for bit.
func TestAlgorithmCmdCorrectChildHolds(t *testing.T) {
	bin := buildChild(t)
	code, out, stderr := runWatched(t, "run", "basic-inequality/gd", "--algorithm-cmd", bin, "--seed", "3", "--checks", "60", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "served 61 problems") { // the explicit example, then 60 draws
		t.Errorf("stderr %q lacks the problem count", stderr)
	}
	_, ours, _ := runWatched(t, "run", "basic-inequality/gd", "--seed", "3", "--checks", "60", "--format", "json")
	// Only the replay command differs: it names the optimiser.
	out = strings.ReplaceAll(out, " --algorithm-cmd '"+bin+"'", "")
	if a, b := elapsedField.ReplaceAllString(out, ""), elapsedField.ReplaceAllString(ours, ""); a != b {
		t.Errorf("report through the child differs from ours:\n%s\nours:\n%s", a, b)
	}
}

// Every GD theorem of the family runs on the child; the others are not about GD.
func TestAlgorithmCmdFamily(t *testing.T) {
	bin := buildChild(t)
	code, out, stderr := runWatched(t, "run", "basic-inequality", "--algorithm-cmd", bin+" values", "--seed", "5", "--checks", "5", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	var rep struct {
		Results []struct{ Theorem, Status string }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rep.Results {
		ids = append(ids, r.Theorem)
	}
	want := "basic-inequality/gd basic-inequality/gd-large-step basic-inequality/envelope basic-inequality/least-squares-risk basic-inequality/logistic-risk"
	if strings.Join(ids, " ") != want {
		t.Errorf("theorems %v, want %s", ids, want)
	}
}

func TestAlgorithmCmdBuggyChildIsCaught(t *testing.T) {
	bin := buildChild(t)
	cases := []struct{ mode, seed, step string }{
		{"next-step", "4", "step 3 three-point identity"}, // uses η_{t+1} at step t
		{"short", "3", "trajectory length"},               // stops one step early
	}
	for _, c := range cases {
		code, out, stderr := runWatched(t, "run", "basic-inequality/gd", "--algorithm-cmd", bin+" "+c.mode, "--seed", c.seed, "--checks", "50", "--format", "json")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1\n%s\n%s", c.mode, code, out, stderr)
			continue
		}
		var rep struct {
			Results []struct {
				Status      string
				FailingStep string `json:"failing_step"`
				Replay      string
			}
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		r := rep.Results[0]
		if r.Status != "violated" || r.FailingStep != c.step {
			t.Errorf("%s: %s at %q, want violated at %q", c.mode, r.Status, r.FailingStep, c.step)
		}
		// The replay command replays on the same optimiser, not on ours.
		if want := " --algorithm-cmd '" + bin + " " + c.mode + "'"; !strings.HasSuffix(r.Replay, want) {
			t.Errorf("%s: replay %q does not end with %q", c.mode, r.Replay, want)
		}
	}
}

// A child that breaks the protocol ends the run with exit 2 and a message saying what it did,
// within the stated timeout, never a hang or a stack trace.
func TestAlgorithmCmdBrokenChildExitsTwo(t *testing.T) {
	bin := buildChild(t)
	cases := []struct {
		mode string
		want []string
	}{
		{"garbage", []string{"malformed: not a protocol message", "offending line: hello, I am not JSON"}},
		{"sleep", []string{"timeout: no message within 2s"}},
		{"crash", []string{"exit: the child closed its output", "exit status 3", "| gdchild: fatal: index out of range"}},
		{"wrong-dim", []string{"wrong-dimension: grad request at a point of dimension 2, want 1"}},
		{"huge", []string{"non-finite"}},
	}
	for _, c := range cases {
		code, out, stderr := runWatched(t, "run", "basic-inequality/gd", "--algorithm-cmd", bin+" "+c.mode, "--algorithm-timeout", "2s", "--seed", "3")
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", c.mode, code, stderr)
		}
		for _, w := range append(c.want, "verify: algorithm command "+bin+" "+c.mode+":", "| gdchild: started in mode "+c.mode) {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s: stderr lacks %q:\n%s", c.mode, w, stderr)
			}
		}
		if strings.Contains(stderr, "goroutine") || out != "" {
			t.Errorf("%s: a stack trace or a report:\nstdout %q\nstderr %s", c.mode, out, stderr)
		}
	}
}

func TestAlgorithmCmdBadUsageExitsTwo(t *testing.T) {
	bin := buildChild(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "basic-inequality/sgd", "--algorithm-cmd", bin}, `--algorithm-cmd serves the GD role only: theorems: "basic-inequality/sgd" is not about the gd role`},
		{[]string{"run", "balancedness", "--algorithm-cmd", bin}, `"balancedness" is not about the gd role`},
		{[]string{"run", "basic-inequality/gd", "--algorithm-cmd", filepath.Join(t.TempDir(), "nothing-here")}, "start: "},
		{[]string{"run", "basic-inequality/gd", "--algorithm-cmd", "'unterminated"}, "unterminated single quote"},
		{[]string{"run", "basic-inequality/gd", "--algorithm-cmd", "  "}, "empty algorithm command"},
		{[]string{"run", "basic-inequality/gd", "--algorithm-cmd", bin, "--algorithm-timeout", "0s"}, "--algorithm-timeout must be positive"},
	}
	for _, c := range cases {
		code, _, stderr := runWatched(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// The README's Python optimiser, when python3 is available.
func TestAlgorithmCmdPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	script, err := filepath.Abs("../../internal/oracle/testdata/gd.py")
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runWatched(t, "run", "basic-inequality/gd", "--algorithm-cmd", py+" "+script, "--seed", "3", "--checks", "30")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
}
