package pep

import (
	"fmt"
	"math/big"
)

// GD is the symbolic setting of T steps of gradient descent θ_{t+1} = θ_t − η_t g_t from θ_0,
// against a reference point: basis θ_0 − ref, g_0, …, g_{T−1} (and g_T, g_ref when asked),
// values f(θ_0), …, f(θ_T), f(ref). Every iterate is written in that basis from the steps, so
// a claim about the run becomes a Form.
type GD struct {
	Space *Space
	Steps []*big.Rat
	Theta []Point // θ_0, …, θ_T
	Ref   Point   // the reference point, at the origin of the basis
	Tau   []*big.Rat
}

// GDOptions choose the symbols of a GD setting.
type GDOptions struct {
	// Ref names the reference point: "z" (default) or "x*".
	Ref string
	// RefMinimizer makes the reference point a minimiser: its gradient is the zero vector.
	RefMinimizer bool
	// RefGrad gives a free reference point its own gradient symbol (interpolation
	// inequalities at the reference point need one).
	RefGrad bool
	// FinalGrad gives θ_T a gradient symbol g_T (needed by inequalities at θ_T).
	FinalGrad bool
}

// NewGD builds the setting for the given step schedule (each η_t > 0; T = len(steps) ≥ 1).
// Invalid steps are programmer errors and panic: callers validate input first.
func NewGD(steps []*big.Rat, opt GDOptions) *GD {
	T := len(steps)
	if T == 0 {
		panic("pep: GD with no steps")
	}
	for _, e := range steps {
		if e == nil || e.Sign() <= 0 {
			panic("pep: GD step must be > 0")
		}
	}
	ref := opt.Ref
	if ref == "" {
		ref = "z"
	}
	vecs := []string{"θ_0 − " + ref}
	nGrad := T
	if opt.FinalGrad {
		nGrad = T + 1
	}
	for t := 0; t < nGrad; t++ {
		vecs = append(vecs, fmt.Sprintf("g_%d", t))
	}
	refGradIdx := -1
	if opt.RefGrad && !opt.RefMinimizer {
		refGradIdx = len(vecs)
		vecs = append(vecs, "g_"+ref)
	}
	var vals []string
	for t := 0; t <= T; t++ {
		vals = append(vals, fmt.Sprintf("f(θ_%d)", t))
	}
	vals = append(vals, "f("+ref+")")
	s := NewSpace(vecs, vals)

	g := &GD{Space: s, Steps: make([]*big.Rat, T), Theta: make([]Point, T+1), Tau: make([]*big.Rat, T+1)}
	g.Ref = Point{Name: ref, X: s.Zero(), Value: T + 1}
	switch {
	case opt.RefMinimizer:
		g.Ref.GradName, g.Ref.G = "0", s.Zero()
	case refGradIdx >= 0:
		g.Ref.GradName, g.Ref.G = "g_"+ref, s.Basis(refGradIdx)
	}
	x := s.Basis(0)
	tau := new(big.Rat)
	for t := 0; t <= T; t++ {
		p := Point{Name: fmt.Sprintf("θ_%d", t), X: x, Value: t}
		if t < nGrad {
			p.GradName, p.G = fmt.Sprintf("g_%d", t), s.Basis(1+t)
		}
		g.Theta[t] = p
		g.Tau[t] = new(big.Rat).Set(tau)
		if t < T {
			g.Steps[t] = new(big.Rat).Set(steps[t])
			x = x.Sub(p.G.Scale(steps[t]))
			tau.Add(tau, steps[t])
		}
	}
	return g
}

// T is the number of steps.
func (g *GD) T() int { return len(g.Steps) }

// TotalTau is τ = Σ_t η_t.
func (g *GD) TotalTau() *big.Rat { return new(big.Rat).Set(g.Tau[len(g.Tau)-1]) }

// Dist2 is the form ‖θ_t − ref‖².
func (g *GD) Dist2(t int) Form { return Norm2(g.Theta[t].X.Sub(g.Ref.X)) }

// F returns the value form f(θ_t) (t = T+1 is f(ref)).
func (g *GD) F(t int) Form { return g.Space.Value(t) }

// FRef returns the value form f(ref).
func (g *GD) FRef() Form { return g.Space.Value(len(g.Theta)) }

// Eval1D evaluates a form of this setting on a concrete one-dimensional run: theta holds
// θ_0, …, θ_T, ref the reference point, and grad and value give f' and f exactly. It fails if
// the run does not follow the steps exactly (θ_{t+1} = θ_t − η_t f'(θ_t)) or if a minimiser
// reference has a nonzero derivative.
func (g *GD) Eval1D(f Form, theta []*big.Rat, ref *big.Rat, grad, value func(*big.Rat) *big.Rat) (*big.Rat, error) {
	T := g.T()
	if len(theta) != T+1 {
		return nil, fmt.Errorf("pep: run has %d iterates, want %d", len(theta), T+1)
	}
	s := g.Space
	vec := make([]*big.Rat, s.NumVectors())
	for i := range vec {
		vec[i] = new(big.Rat)
	}
	vec[0].Sub(theta[0], ref)
	for t := 0; t <= T; t++ {
		gt := grad(theta[t])
		if t < T {
			want := new(big.Rat).Sub(theta[t], new(big.Rat).Mul(g.Steps[t], gt))
			if want.Cmp(theta[t+1]) != 0 {
				return nil, fmt.Errorf("pep: θ_%d = %s, but θ_%d − η_%d f'(θ_%d) = %s", t+1, FormatRat(theta[t+1]), t, t, t, FormatRat(want))
			}
		}
		if p := g.Theta[t]; p.G.Valid() {
			vec[1+t].Set(gt)
		}
	}
	if g.Ref.G.Valid() {
		gr := grad(ref)
		if g.Ref.G.IsZero() {
			if gr.Sign() != 0 {
				return nil, fmt.Errorf("pep: the reference point %s is not a minimiser: f'(%s) = %s", FormatRat(ref), g.Ref.Name, FormatRat(gr))
			}
		} else {
			vec[s.NumVectors()-1].Set(gr)
		}
	}
	vals := make([]*big.Rat, s.NumValues())
	for t := 0; t <= T; t++ {
		vals[t] = value(theta[t])
	}
	vals[T+1] = value(ref)
	return f.Eval1D(vec, vals), nil
}
