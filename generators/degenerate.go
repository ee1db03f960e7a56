package generators

import "errors"

// Degenerate is the error a constructor or draw returns for an instance whose constants it
// cannot vouch for, or on which a theorem has nothing to test: L = 0, a spectrum that could
// not be certified, non-finite data, constants outside the safe floating-point range.
// Callers turn it into a counted discard with its Reason; any other error is a bug.
type Degenerate struct {
	// Reason says why, in words fit for a discard table, e.g.
	// "L = 0 (X = 0): every step size is admissible, nothing to test".
	Reason string
}

func (e *Degenerate) Error() string { return "degenerate instance: " + e.Reason }

// IsDegenerate reports whether err is (or wraps) a *Degenerate, and its reason.
func IsDegenerate(err error) (reason string, ok bool) {
	var d *Degenerate
	if errors.As(err, &d) {
		return d.Reason, true
	}
	return "", false
}

func degenerate(reason string) error { return &Degenerate{Reason: reason} }
