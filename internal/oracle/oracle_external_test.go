package oracle_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/oracle"
)

// The children are real programs, built once per test binary.
var (
	childBin, exampleBin string
	binDir               string
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "oracle-children-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	childBin, err = build("gdchild")
	if err == nil {
		exampleBin, err = build("gdexample")
	}
	code := 1
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(binDir)
	os.Exit(code)
}

func build(name string) (string, error) {
	bin := filepath.Join(binDir, name)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	out, err := exec.Command("go", "build", "-o", bin, "./testdata/"+name).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", name, err, out)
	}
	return bin, nil
}

// quad is f(x) = ½ Σ a_i x_i² − Σ b_i x_i, with L = max a_i.
type quad struct{ a, b []float64 }

func (q quad) Dim() int { return len(q.a) }
func (q quad) Value(x []float64) float64 {
	v := 0.0
	for i, xi := range x {
		v += q.a[i]*xi*xi/2 - q.b[i]*xi
	}
	return v
}
func (q quad) Grad(dst, x []float64) {
	for i, xi := range x {
		dst[i] = q.a[i]*xi - q.b[i]
	}
}
func (q quad) Smoothness() float64 { return slices.Max(q.a) }

var testQuad = quad{a: []float64{2, 0.5, 1e-3}, b: []float64{1, -3, 0.25}}

// start starts a session whose every call must return within the test's watchdog.
func start(t *testing.T, timeout time.Duration, argv ...string) *oracle.Session {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := oracle.Start(ctx, argv, oracle.Options{Timeout: timeout})
	if err != nil {
		cancel()
		t.Fatalf("start %q: %v", argv, err)
	}
	t.Cleanup(func() { s.Close(); cancel() })
	return s
}

// runGD runs one problem, failing the test if it does not return within a minute: a hang is
// the defect these tests exist to exclude.
func runGD(t *testing.T, s *oracle.Session, f algorithms.Objective, x0, steps []float64) (*algorithms.Trajectory, error) {
	t.Helper()
	type res struct {
		tr  *algorithms.Trajectory
		err error
	}
	ch := make(chan res, 1)
	begin := time.Now()
	go func() {
		tr, err := s.RunGD(f, x0, steps)
		ch <- res{tr, err}
	}()
	select {
	case r := <-ch:
		t.Logf("RunGD returned after %v", time.Since(begin).Round(time.Millisecond))
		return r.tr, r.err
	case <-time.After(time.Minute):
		t.Fatal("RunGD hung for a minute")
		return nil, nil
	}
}

func TestCorrectChildReturnsOurIterates(t *testing.T) {
	steps := []float64{0.5, 0.25, 0.5, 0.1, 1e-300, 0.3}
	x0 := []float64{1, -2, 1e-200}
	want := algorithms.GradientDescent(testQuad, x0, steps)
	for _, argv := range [][]string{{childBin, "correct"}, {childBin, "values"}, {exampleBin}} {
		s := start(t, 10*time.Second, argv...)
		for range 3 { // one child serves problem after problem
			tr, err := runGD(t, s, testQuad, x0, steps)
			if err != nil {
				t.Fatalf("%q: %v", argv, err)
			}
			// The formula and the JSON round trip are exact, so the iterates are bit for bit ours.
			if !slices.EqualFunc(tr.Iterates, want.Iterates, slices.Equal) {
				t.Fatalf("%q: iterates %v, want %v", argv, tr.Iterates, want.Iterates)
			}
			if tr.GradEvals != len(steps) || !slices.Equal(tr.Steps, steps) {
				t.Errorf("%q: GradEvals %d, steps %v", argv, tr.GradEvals, tr.Steps)
			}
		}
		problems, requests := s.Stats()
		wantReq := int64(3 * len(steps))
		if argv[len(argv)-1] == "values" {
			wantReq *= 2
		}
		if problems != 3 || requests != wantReq {
			t.Errorf("%q: stats %d problems, %d requests; want 3, %d", argv, problems, requests, wantReq)
		}
		if s.Err() != nil {
			t.Errorf("%q: Err %v after a clean run", argv, s.Err())
		}
	}
}

func TestPythonExample(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not on PATH")
	}
	s := start(t, 10*time.Second, py, "testdata/gd.py")
	steps := []float64{0.5, 0.25, 0.5}
	x0 := []float64{1, -2, 3}
	tr, err := runGD(t, s, testQuad, x0, steps)
	if err != nil {
		t.Fatal(err)
	}
	want := algorithms.GradientDescent(testQuad, x0, steps)
	if !slices.EqualFunc(tr.Iterates, want.Iterates, slices.Equal) {
		t.Fatalf("iterates %v, want %v", tr.Iterates, want.Iterates)
	}
}

// A buggy child is not a protocol error: its iterates come back for the theorems to judge.
func TestBuggyChildrenStillAnswer(t *testing.T) {
	steps := []float64{0.5, 0.25, 0.1}
	x0 := []float64{1, -2, 3}
	good := algorithms.GradientDescent(testQuad, x0, steps)
	s := start(t, 10*time.Second, childBin, "next-step")
	tr, err := runGD(t, s, testQuad, x0, steps)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(tr.Final(), good.Final()) {
		t.Error("the next-step child's final iterate equals GD's")
	}
	s = start(t, 10*time.Second, childBin, "short")
	tr, err = runGD(t, s, testQuad, x0, steps)
	if err != nil {
		t.Fatal(err)
	}
	if tr.T() != len(steps)-1 {
		t.Errorf("short child: T = %d, want %d", tr.T(), len(steps)-1)
	}
}

func TestFaultsAreProtocolErrors(t *testing.T) {
	const timeout = time.Second
	cases := []struct {
		mode string
		kind oracle.Kind
		want []string
	}{
		{"garbage", oracle.KindMalformed, []string{"hello, I am not JSON", "not a protocol message"}},
		{"sleep", oracle.KindTimeout, []string{"no message within 1s"}},
		{"crash", oracle.KindExit, []string{"exit status 3", "index out of range [3] with length 3", "gdchild: started in mode crash"}},
		{"wrong-dim", oracle.KindDimension, []string{"dimension 4, want 3"}},
		{"huge", oracle.KindNonFinite, []string{"beyond float64's range"}},
		{"wrong-id", oracle.KindID, []string{"for problem 1001 while serving problem 1"}},
		{"unknown", oracle.KindUnknownType, []string{`unknown message type "hessian"`}},
		{"refuse", oracle.KindChildError, []string{"I only do Adam"}},
		{"chatty", oracle.KindTooMany, []string{"more than 1300 requests"}},
	}
	for _, c := range cases {
		t.Run(c.mode, func(t *testing.T) {
			s := start(t, timeout, childBin, c.mode)
			_, err := runGD(t, s, testQuad, []float64{1, 2, 3}, []float64{0.5, 0.5, 0.5})
			var pe *oracle.ProtocolError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *ProtocolError", err, err)
			}
			if pe.Kind != c.kind {
				t.Errorf("kind %s, want %s: %v", pe.Kind, c.kind, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if !strings.Contains(pe.Stderr, "gdchild: started in mode "+c.mode) {
				t.Errorf("stderr tail %q lacks the child's first line", pe.Stderr)
			}
			// The error sticks: the next problem fails at once with the same error.
			if _, again := s.RunGD(testQuad, []float64{1, 2, 3}, []float64{0.5}); again != err {
				t.Errorf("second call: %v, want the first error again", again)
			}
			if s.Err() != err {
				t.Errorf("Err() = %v, want %v", s.Err(), err)
			}
		})
	}
}

func TestNonFiniteObjectiveIsReported(t *testing.T) {
	s := start(t, 10*time.Second, childBin, "correct")
	overflow := quad{a: []float64{1e300}, b: []float64{0}}
	_, err := runGD(t, s, overflow, []float64{1e300}, []float64{1e10})
	var pe *oracle.ProtocolError
	if !errors.As(err, &pe) || pe.Kind != oracle.KindNonFinite {
		t.Fatalf("error %v, want a non-finite *ProtocolError", err)
	}
}

func TestBadCommandFailsAtStart(t *testing.T) {
	_, err := oracle.Start(context.Background(), []string{filepath.Join(t.TempDir(), "no-such-optimiser")}, oracle.Options{})
	var pe *oracle.ProtocolError
	if !errors.As(err, &pe) || pe.Kind != oracle.KindStart {
		t.Fatalf("error %v, want a start *ProtocolError", err)
	}
}

// Cancelling the context kills a child that sleeps, and the pending call returns.
func TestCancelKillsTheChild(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s, err := oracle.Start(ctx, []string{childBin, "sleep"}, oracle.Options{Timeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	time.AfterFunc(200*time.Millisecond, cancel)
	_, err = runGD(t, s, testQuad, []float64{1, 2, 3}, []float64{0.5})
	var pe *oracle.ProtocolError
	if !errors.As(err, &pe) || pe.Kind != oracle.KindExit {
		t.Fatalf("error %v, want an exit *ProtocolError", err)
	}
}

// A child that started a grandchild holding its stderr open neither hangs verify nor leaves
// the grandchild running: the whole process group is killed.
func TestGrandchildIsKilled(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	pidfile := filepath.Join(t.TempDir(), "pid")
	ctx := context.Background()
	s, err := oracle.Start(ctx, []string{childBin, "grandchild"}, oracle.Options{
		Timeout: time.Second, Env: append(os.Environ(), "GDCHILD_PIDFILE="+pidfile)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = runGD(t, s, testQuad, []float64{1, 2, 3}, []float64{0.5})
	var pe *oracle.ProtocolError
	if !errors.As(err, &pe) || pe.Kind != oracle.KindTimeout {
		t.Fatalf("error %v, want a timeout", err)
	}
	s.Close()
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatalf("the grandchild did not start: %v", err)
	}
	pid, _ := strconv.Atoi(string(b))
	// Killed means gone or a zombie awaiting its new parent (a container's init may never reap).
	for i := 0; ; i++ {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || strings.Contains(string(stat), ") Z ") {
			break
		}
		if i == 100 {
			t.Fatalf("grandchild %d still running: %s", pid, stat)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// With several children, concurrent callers are served in parallel and all get GD's answer.
func TestConcurrentCallers(t *testing.T) {
	ctx := context.Background()
	s, err := oracle.Start(ctx, []string{childBin, "correct"}, oracle.Options{MaxChildren: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for k := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x0 := []float64{float64(k), -1, 2}
			steps := []float64{0.5, 0.25, 0.5, 0.125}
			tr, err := s.RunGD(testQuad, x0, steps)
			if err != nil {
				errs <- err
				return
			}
			if want := algorithms.GradientDescent(testQuad, x0, steps); !slices.Equal(tr.Final(), want.Final()) {
				errs <- fmt.Errorf("caller %d: final %v, want %v", k, tr.Final(), want.Final())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if problems, _ := s.Stats(); problems != 16 {
		t.Errorf("%d problems, want 16", problems)
	}
}

func TestSplitCommand(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"python3 gd.py", []string{"python3", "gd.py"}},
		{"  python3   'my opt.py'  --lr=0.1 ", []string{"python3", "my opt.py", "--lr=0.1"}},
		{`run "a \"quoted\" \\ arg" x\ y ''`, []string{"run", `a "quoted" \ arg`, "x y", ""}},
		{"prog | tee out > file $HOME *", []string{"prog", "|", "tee", "out", ">", "file", "$HOME", "*"}},
		{`it's a 'test`, []string{"its a test"}},
	}
	for _, c := range cases {
		got, err := oracle.SplitCommand(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "   ", "a 'b", `a "b`, `a\`} {
		if got, err := oracle.SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) = %q, want an error", bad, got)
		}
	}
}
