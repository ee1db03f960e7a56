package checks

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// recorder is the rapid.TB the CLI drives rapid with: it keeps rapid's messages instead of
// printing them, and turns FailNow into a panic the engine recovers (testing.T would call
// runtime.Goexit, which a library cannot do to its caller's goroutine).
type recorder struct {
	name string

	mu     sync.Mutex
	failed bool
	errors []string
	logs   []string
}

type failNowSignal struct{}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(format string, args ...any) {
	r.Log(fmt.Sprintf(format, args...))
}
func (r *recorder) Log(args ...any) {
	r.mu.Lock()
	r.logs = append(r.logs, fmt.Sprint(args...))
	r.mu.Unlock()
}
func (r *recorder) Skipf(format string, args ...any) { r.Logf(format, args...); r.SkipNow() }
func (r *recorder) Skip(args ...any)                 { r.Log(args...); r.SkipNow() }
func (r *recorder) SkipNow()                         { panic(failNowSignal{}) }
func (r *recorder) Errorf(format string, args ...any) {
	r.Error(fmt.Sprintf(format, args...))
}
func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	r.failed = true
	r.errors = append(r.errors, fmt.Sprint(args...))
	r.mu.Unlock()
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...); r.FailNow() }
func (r *recorder) Fatal(args ...any)                 { r.Error(args...); r.FailNow() }
func (r *recorder) FailNow()                          { r.Fail(); panic(failNowSignal{}) }
func (r *recorder) Fail() {
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}
func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// drawLine matches rapid's "[rapid] draw LABEL: VALUE" log lines.
var drawLine = regexp.MustCompile(`^\[rapid\] draw (.*?): (.*)$`)

// lastDraws returns the labelled draws of the last replay rapid logged (the minimal
// counterexample: rapid replays it with logging on after shrinking).
func (r *recorder) lastDraws() []Draw {
	r.mu.Lock()
	defer r.mu.Unlock()
	var draws []Draw
	for _, line := range r.logs {
		m := drawLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		draws = append(draws, Draw{Label: m[1], Value: m[2]})
	}
	return draws
}

func (r *recorder) errorText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}
