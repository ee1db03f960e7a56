package oracle

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Version is the protocol version verify speaks; it is sent with every problem.
const Version = 1

// Message types.
const (
	TypeProblem  = "problem"  // verify → child: a new problem
	TypeGrad     = "grad"     // child → verify: ∇f at x; verify → child: the gradient g
	TypeValue    = "value"    // child → verify: f at x; verify → child: the value f
	TypeIterates = "iterates" // child → verify: θ_0 … θ_T
	TypeError    = "error"    // child → verify: the child gives the problem up
)

// Constant is a named constant of a problem (e.g. L, the smoothness), sent in "constants".
type Constant struct {
	Name  string
	Value float64
}

// appendProblem encodes a problem message. Numbers are written with the shortest
// representation that reads back to the same float64, so the child sees exactly our values.
func appendProblem(b []byte, id int64, method string, x0, steps []float64, consts []Constant) []byte {
	b = append(b, `{"type":"problem","version":`...)
	b = strconv.AppendInt(b, Version, 10)
	b = append(b, `,"method":`...)
	b = strconv.AppendQuote(b, method)
	b = append(b, `,"id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"dim":`...)
	b = strconv.AppendInt(b, int64(len(x0)), 10)
	b = append(b, `,"x0":`...)
	b = appendVec(b, x0)
	b = append(b, `,"steps":`...)
	b = appendVec(b, steps)
	b = append(b, `,"constants":{`...)
	for i, c := range consts {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		b = append(b, ':')
		b = appendNum(b, c.Value)
	}
	return append(b, "}}\n"...)
}

// appendGrad encodes the answer to a gradient request.
func appendGrad(b []byte, id int64, g []float64) []byte {
	b = append(b, `{"type":"grad","id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"g":`...)
	b = appendVec(b, g)
	return append(b, "}\n"...)
}

// appendValue encodes the answer to a value request.
func appendValue(b []byte, id int64, f float64) []byte {
	b = append(b, `{"type":"value","id":`...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, `,"f":`...)
	b = appendNum(b, f)
	return append(b, "}\n"...)
}

func appendVec(b []byte, x []float64) []byte {
	b = append(b, '[')
	for i, v := range x {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendNum(b, v)
	}
	return append(b, ']')
}

// appendNum writes a finite number as JSON; callers check finiteness first.
func appendNum(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return false
		}
	}
	return true
}

// childMsg is any message from the child; which fields matter depends on Type.
type childMsg struct {
	Type    string `json:"type"`
	ID      *int64 `json:"id"`
	X       vec    `json:"x"`
	Xs      []vec  `json:"xs"`
	Message string `json:"message"`
}

// vec is a JSON array of numbers, decoded strictly: encoding/json would turn a null element
// into 0 and a number beyond float64's range into an error without saying which; here null
// is refused and overflow is errNonFinite.
type vec []float64

var errNonFinite = errors.New("a number beyond float64's range (decodes to ±Inf)")

// UnmarshalJSON receives syntactically valid JSON (encoding/json checks the whole line first),
// so it only has to refuse what is valid JSON but not a vector of numbers.
func (v *vec) UnmarshalJSON(b []byte) error {
	out := (*v)[:0]
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '[' {
		return fmt.Errorf("want an array of numbers, got %s", clip(b))
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] != ']' {
		j := i
		for j < len(b) && b[j] != ',' && b[j] != ']' && !isSpace(b[j]) {
			j++
		}
		if c := b[i]; c != '-' && (c < '0' || c > '9') {
			return fmt.Errorf("want an array of numbers, got element %s", clip(b[i:j]))
		}
		x, err := strconv.ParseFloat(string(b[i:j]), 64)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) && math.IsInf(x, 0) {
				return errNonFinite
			}
			return fmt.Errorf("element %s: %v", clip(b[i:j]), err)
		}
		out = append(out, x)
		i = skipSpace(b, j)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	*v = out
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}
