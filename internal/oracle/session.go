package oracle

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout is how long verify waits for any one message from the child, and for any one
// write to it, unless Options.Timeout says otherwise.
const DefaultTimeout = 10 * time.Second

// maxLine bounds one message: a T = 10⁴, d = 100 trajectory is about 25 MB.
const maxLine = 64 << 20

// Options configures a Session.
type Options struct {
	// Timeout bounds the wait for each message from the child and each write to it
	// (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxChildren is how many copies of the command may serve problems at once, for callers
	// that run theorems in parallel (1 when zero).
	MaxChildren int
	// Dir and Env, when set, are the child's working directory and environment.
	Dir string
	Env []string
}

// Session runs a command that serves problems over the protocol. Its methods are safe for
// concurrent use. After the first protocol error every call fails at once with that error
// (Err), so a broken child ends a run quickly instead of being restarted per instance.
type Session struct {
	argv []string
	opt  Options
	ctx  context.Context

	nextID   atomic.Int64
	problems atomic.Int64
	requests atomic.Int64

	mu     sync.Mutex
	cond   *sync.Cond
	idle   []*proc
	all    map[*proc]bool
	live   int
	closed bool
	err    *ProtocolError
}

// Start starts the command argv (no shell: argv[0] is looked up on PATH) and returns a session
// serving problems with it. The first child starts now, so a command that cannot run is
// reported at once; cancelling ctx kills every child.
func Start(ctx context.Context, argv []string, opt Options) (*Session, error) {
	if len(argv) == 0 || argv[0] == "" {
		return nil, errors.New("oracle: empty algorithm command")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	if opt.MaxChildren <= 0 {
		opt.MaxChildren = 1
	}
	s := &Session{argv: argv, opt: opt, ctx: ctx, all: map[*proc]bool{}}
	s.cond = sync.NewCond(&s.mu)
	p, perr := s.spawn()
	if perr != nil {
		return nil, perr
	}
	s.mu.Lock()
	s.live++
	s.idle = append(s.idle, p)
	s.mu.Unlock()
	return s, nil
}

// Command is the command line as it was given, for messages.
func (s *Session) Command() string { return quoteArgs(s.argv) }

// Err returns the first protocol error of the session, or nil.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		return nil
	}
	return s.err
}

// Stats reports how many problems were served and how many gradient and value requests
// were answered.
func (s *Session) Stats() (problems, requests int64) {
	return s.problems.Load(), s.requests.Load()
}

// Close ends the session: it closes every child's input, gives it a moment to exit, then
// kills its process group and reaps it.
func (s *Session) Close() error {
	s.mu.Lock()
	s.closed = true
	procs := make([]*proc, 0, len(s.all))
	for p := range s.all {
		procs = append(procs, p)
	}
	s.idle = nil
	s.cond.Broadcast()
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(min(time.Second, s.opt.Timeout)) }()
	}
	wg.Wait()
	return nil
}

// acquire returns an idle child, starting one when fewer than MaxChildren run.
func (s *Session) acquire() (*proc, error) {
	s.mu.Lock()
	for {
		switch {
		case s.err != nil:
			err := s.err
			s.mu.Unlock()
			return nil, err
		case s.closed:
			s.mu.Unlock()
			return nil, errors.New("oracle: session closed")
		case len(s.idle) > 0:
			p := s.idle[len(s.idle)-1]
			s.idle = s.idle[:len(s.idle)-1]
			s.mu.Unlock()
			return p, nil
		case s.live < s.opt.MaxChildren:
			s.live++
			s.mu.Unlock()
			p, perr := s.spawn()
			if perr != nil {
				s.mu.Lock()
				s.live--
				if s.err == nil {
					s.err = perr
				}
				s.cond.Broadcast()
				s.mu.Unlock()
				return nil, perr
			}
			return p, nil
		}
		s.cond.Wait()
	}
}

func (s *Session) release(p *proc) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		p.stop(0)
		return
	}
	s.idle = append(s.idle, p)
	s.cond.Signal()
	s.mu.Unlock()
}

// fail kills p, completes err with the child's stderr tail, records it if it is the
// session's first error and returns it.
func (s *Session) fail(p *proc, err *ProtocolError) *ProtocolError {
	grace := time.Duration(0)
	if err.Kind == KindExit { // it is exiting: let it, to report its own exit status
		grace = min(500*time.Millisecond, s.opt.Timeout)
	}
	status := p.stop(grace)
	if err.Kind == KindExit && status != "" {
		err.Detail += " (" + status + ")"
	}
	err.Stderr = p.stderr.String()
	s.mu.Lock()
	s.live--
	delete(s.all, p)
	if s.err == nil {
		s.err = err
	}
	s.cond.Broadcast()
	s.mu.Unlock()
	return err
}

func (s *Session) errorf(kind Kind, id int64, line []byte, format string, args ...any) *ProtocolError {
	e := &ProtocolError{Command: s.Command(), Kind: kind, Problem: id, Detail: fmt.Sprintf(format, args...)}
	if line != nil {
		e.Line = clip(line)
	}
	return e
}

// proc is one running child.
type proc struct {
	s      *Session
	cmd    *exec.Cmd
	stdin  *os.File // our end of the child's standard input
	stdout *os.File // our end of the child's standard output
	r      *bufio.Reader
	stderr *tail

	done    chan struct{} // closed once the child is reaped
	waitErr error
	stopped sync.Once

	line []byte   // the current message
	wbuf []byte   // the message being written
	msg  childMsg // the current message, decoded
	g    []float64
}

// spawn starts one child with pipes we own, so reads and writes can carry deadlines.
func (s *Session) spawn() (*proc, *ProtocolError) {
	fail := func(err error) (*proc, *ProtocolError) {
		return nil, s.errorf(KindStart, 0, nil, "%v", err)
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return fail(err)
	}
	p := &proc{s: s, stdin: inW, stdout: outR, stderr: &tail{}, done: make(chan struct{})}
	cmd := exec.CommandContext(s.ctx, s.argv[0], s.argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, p.stderr
	cmd.Dir, cmd.Env = s.opt.Dir, s.opt.Env
	setProcessGroup(cmd)
	cmd.Cancel = func() error { killProcessGroup(cmd); return nil }
	// Grandchildren that keep stderr open must not hold Wait (and verify) hostage.
	cmd.WaitDelay = time.Second
	err = cmd.Start()
	inR.Close() // the child has its own copies now
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return fail(err)
	}
	p.cmd = cmd
	p.r = bufio.NewReaderSize(outR, 64<<10)
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	s.mu.Lock()
	s.all[p] = true
	s.mu.Unlock()
	return p, nil
}

// stop closes the child's input, waits up to grace for it to exit, kills its process group
// and reaps it. It returns how the child ended ("exit status 3", "signal: killed").
func (p *proc) stop(grace time.Duration) string {
	p.stopped.Do(func() {
		p.stdin.Close()
		if grace > 0 {
			select {
			case <-p.done:
			case <-time.After(grace):
			}
		}
		// Even after the child exited, the group may hold grandchildren it started.
		killProcessGroup(p.cmd)
		<-p.done
		p.stdout.Close()
	})
	if p.waitErr == nil {
		return "exit status 0"
	}
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		return ee.ProcessState.String()
	}
	return p.waitErr.Error()
}

// write sends one message with the write deadline.
func (p *proc) write(id int64, b []byte) *ProtocolError {
	if err := p.stdin.SetWriteDeadline(time.Now().Add(p.s.opt.Timeout)); err != nil {
		return p.s.errorf(KindExit, id, nil, "cannot write to the child: %v", err)
	}
	if _, err := p.stdin.Write(b); err != nil {
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return p.s.errorf(KindTimeout, id, nil, "the child read nothing for %v (its input is full)", p.s.opt.Timeout)
		}
		return p.s.errorf(KindExit, id, nil, "the child stopped reading its input: %v", err)
	}
	return nil
}

// read returns the next non-blank line (without its newline), waiting at most the timeout.
func (p *proc) read(id int64, waiting string) ([]byte, *ProtocolError) {
	if err := p.stdout.SetReadDeadline(time.Now().Add(p.s.opt.Timeout)); err != nil {
		return nil, p.s.errorf(KindExit, id, nil, "cannot read from the child: %v", err)
	}
	for {
		p.line = p.line[:0]
		for {
			chunk, err := p.r.ReadSlice('\n')
			p.line = append(p.line, chunk...)
			if len(p.line) > maxLine {
				return nil, p.s.errorf(KindMalformed, id, p.line, "a line longer than %d bytes", maxLine)
			}
			if err == nil {
				break
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, p.s.errorf(KindTimeout, id, nil, "no message within %v while waiting for %s", p.s.opt.Timeout, waiting)
			}
			if errors.Is(err, io.EOF) {
				what := "the child closed its output"
				if len(bytes.TrimSpace(p.line)) > 0 {
					what += " in the middle of a line"
				}
				return nil, p.s.errorf(KindExit, id, nil, "%s while verify waited for %s", what, waiting)
			}
			return nil, p.s.errorf(KindExit, id, nil, "reading the child's output: %v", err)
		}
		if line := bytes.TrimSpace(p.line); len(line) > 0 {
			return line, nil
		}
	}
}

// quoteArgs renders argv so that SplitCommand reads it back.
func quoteArgs(argv []string) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a != "" && !strings.ContainsAny(a, " \t\n'\"\\") {
			parts[i] = a
		} else {
			parts[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(parts, " ")
}
