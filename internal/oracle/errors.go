package oracle

import (
	"fmt"
	"strings"
	"sync"
)

// Kind classifies a protocol failure.
type Kind string

const (
	KindStart       Kind = "start"             // the command could not be started
	KindMalformed   Kind = "malformed"         // a line that is not a JSON message of the protocol
	KindUnknownType Kind = "unknown-type"      // a message type the protocol does not have
	KindID          Kind = "wrong-id"          // a message without the current problem's id
	KindDimension   Kind = "wrong-dimension"   // a point or iterate whose length is not dim
	KindIterates    Kind = "no-iterates"       // an iterates message without θ_0
	KindNonFinite   Kind = "non-finite"        // a number that is not finite, either way
	KindTooMany     Kind = "too-many-requests" // more requests than one problem may take
	KindChildError  Kind = "child-error"       // the child gave up the problem with an error message
	KindExit        Kind = "exit"              // the child exited or closed its output mid-problem
	KindTimeout     Kind = "timeout"           // no message within the per-message timeout
)

// ProtocolError is a failure of the child program to follow the protocol. It carries the
// command, what went wrong, the offending line and the tail of the child's standard error.
type ProtocolError struct {
	Command string
	Kind    Kind
	// Problem is the id of the problem being served, 0 before the first.
	Problem int64
	Detail  string
	// Line is the offending line (truncated), when there is one.
	Line string
	// Stderr holds the last lines the child wrote to its standard error.
	Stderr string
}

func (e *ProtocolError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "algorithm command %s: %s: %s", e.Command, e.Kind, e.Detail)
	if e.Problem > 0 {
		fmt.Fprintf(&b, " (problem %d)", e.Problem)
	}
	if e.Line != "" {
		fmt.Fprintf(&b, "\n  offending line: %s", e.Line)
	}
	if e.Stderr != "" {
		b.WriteString("\n  child stderr (last lines):")
		for _, l := range strings.Split(strings.TrimRight(e.Stderr, "\n"), "\n") {
			b.WriteString("\n    | " + l)
		}
	} else {
		b.WriteString("\n  child stderr: empty")
	}
	return b.String()
}

// clip shortens a line for an error message.
func clip(line []byte) string {
	const max = 200
	s := strings.ToValidUTF8(string(line), "?")
	if len(s) > max {
		return s[:max] + fmt.Sprintf("… (%d bytes)", len(line))
	}
	return s
}

// tail keeps the last bytes written to it: the child's standard error.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const (
	tailBytes = 8 << 10
	tailLines = 20
)

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*tailBytes {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailBytes:]...)
	}
	return len(p), nil
}

// String returns the last tailLines lines.
func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > tailBytes {
		b = b[len(b)-tailBytes:]
	}
	lines := strings.Split(strings.TrimRight(strings.ToValidUTF8(string(b), "?"), "\n"), "\n")
	if len(lines) > tailLines {
		lines = lines[len(lines)-tailLines:]
	}
	return strings.Join(lines, "\n")
}
