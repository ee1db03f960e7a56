package oracle

import (
	"encoding/json"
	"errors"
	"math"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/theorems"
)

// MethodGD is the "method" of GD problems: the role of theorems.GDMethod.
const MethodGD = "gd"

// Requests a child may make for one problem: enough for a line search at every step, few
// enough that a child asking forever is stopped (every answer is quick, so no timeout would).
const (
	requestsBase    = 1000
	requestsPerStep = 100
)

// GD returns the session's child as a theorems.GDMethod, for theorem constructors. A protocol
// error panics with the *ProtocolError (the engine turns panics into error results); callers
// read the error itself from Err after the run.
func (s *Session) GD() theorems.GDMethod {
	return func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		tr, err := s.RunGD(f, x0, steps)
		if err != nil {
			panic(err)
		}
		return tr
	}
}

// RunGD sends one GD problem (f's dimension, x0, the steps and f's smoothness constant when
// f has one), answers the child's gradient and value requests with f itself, and returns the
// child's iterates as a trajectory with the steps it was given and GradEvals counting the
// gradient requests. The number of iterates is not checked here: the theorems judge it.
func (s *Session) RunGD(f algorithms.Objective, x0, steps []float64) (*algorithms.Trajectory, error) {
	p, err := s.acquire()
	if err != nil {
		return nil, err
	}
	id := s.nextID.Add(1)
	s.problems.Add(1)
	tr, perr := p.gd(id, f, x0, steps)
	if perr != nil {
		return nil, s.fail(p, perr)
	}
	s.release(p)
	return tr, nil
}

// constants lists what the problem's public data may include about f.
func constants(f algorithms.Objective) []Constant {
	var out []Constant
	if sm, ok := f.(interface{ Smoothness() float64 }); ok {
		if L := sm.Smoothness(); !math.IsInf(L, 0) && !math.IsNaN(L) {
			out = append(out, Constant{"L", L})
		}
	}
	return out
}

func (p *proc) gd(id int64, f algorithms.Objective, x0, steps []float64) (*algorithms.Trajectory, *ProtocolError) {
	s := p.s
	d := f.Dim()
	if !allFinite(x0) || !allFinite(steps) {
		return nil, s.errorf(KindNonFinite, id, nil, "the problem itself has a non-finite start or step, which JSON cannot carry")
	}
	p.wbuf = appendProblem(p.wbuf[:0], id, MethodGD, x0, steps, constants(f))
	if err := p.write(id, p.wbuf); err != nil {
		return nil, err
	}
	if cap(p.g) < d {
		p.g = make([]float64, d)
	}
	g := p.g[:d]
	gradEvals := 0
	limit := requestsBase + requestsPerStep*len(steps)
	for n := 0; ; n++ {
		line, err := p.read(id, "a grad, value or iterates message")
		if err != nil {
			return nil, err
		}
		m := &p.msg
		m.Type, m.ID, m.X, m.Xs, m.Message = "", nil, m.X[:0], nil, ""
		if err := json.Unmarshal(line, m); err != nil {
			if errors.Is(err, errNonFinite) {
				return nil, s.errorf(KindNonFinite, id, line, "%v", err)
			}
			return nil, s.errorf(KindMalformed, id, line, "not a protocol message: %v", err)
		}
		switch {
		case m.Type == "":
			return nil, s.errorf(KindMalformed, id, line, `a message without "type"`)
		case m.ID == nil:
			return nil, s.errorf(KindID, id, line, `a %q message without "id" (want %d)`, m.Type, id)
		case *m.ID != id:
			return nil, s.errorf(KindID, id, line, "a %q message for problem %d while serving problem %d", m.Type, *m.ID, id)
		}
		switch m.Type {
		case TypeGrad, TypeValue:
			if n >= limit {
				return nil, s.errorf(KindTooMany, id, nil, "more than %d requests for a problem of %d steps", limit, len(steps))
			}
			if len(m.X) != d {
				return nil, s.errorf(KindDimension, id, line, "%s request at a point of dimension %d, want %d", m.Type, len(m.X), d)
			}
			s.requests.Add(1)
			if m.Type == TypeGrad {
				gradEvals++
				f.Grad(g, m.X)
				if !allFinite(g) {
					return nil, s.errorf(KindNonFinite, id, nil, "the objective's gradient at the point the child asked about is not finite (the method diverged?); JSON cannot carry it")
				}
				p.wbuf = appendGrad(p.wbuf[:0], id, g)
			} else {
				v := f.Value(m.X)
				if math.IsInf(v, 0) || math.IsNaN(v) {
					return nil, s.errorf(KindNonFinite, id, nil, "the objective's value at the point the child asked about is %v (the method diverged?); JSON cannot carry it", v)
				}
				p.wbuf = appendValue(p.wbuf[:0], id, v)
			}
			if err := p.write(id, p.wbuf); err != nil {
				return nil, err
			}
		case TypeIterates:
			if len(m.Xs) == 0 {
				return nil, s.errorf(KindIterates, id, line, "no iterates: xs must hold θ_0 … θ_T (T = %d)", len(steps))
			}
			for t, x := range m.Xs {
				if len(x) != d {
					return nil, s.errorf(KindDimension, id, line, "iterate %d has dimension %d, want %d", t, len(x), d)
				}
			}
			return trajectory(m.Xs, d, steps, gradEvals), nil
		case TypeError:
			return nil, s.errorf(KindChildError, id, nil, "the child gave the problem up: %s", m.Message)
		case TypeProblem:
			return nil, s.errorf(KindUnknownType, id, line, `"problem" goes from verify to the child, not back`)
		default:
			return nil, s.errorf(KindUnknownType, id, line, "unknown message type %q (want grad, value, iterates or error)", m.Type)
		}
	}
}

// trajectory copies the iterates into one backing array, as algorithms' methods lay them out.
func trajectory(xs []vec, d int, steps []float64, gradEvals int) *algorithms.Trajectory {
	backing := make([]float64, len(xs)*d)
	its := make([][]float64, len(xs))
	for t, x := range xs {
		its[t] = backing[t*d : (t+1)*d : (t+1)*d]
		copy(its[t], x)
	}
	return &algorithms.Trajectory{Iterates: its, Steps: append([]float64(nil), steps...), GradEvals: gradEvals}
}
