package theorems

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/pep"
)

// This file is the catalogue side of `verify prove` (issue #7): claims about gradient
// descent that hold for the whole class of L-smooth convex functions, in every dimension,
// with exact certificates (internal/pep checks them), a counterexample search for when no
// certificate is found, and the instance families that targeted search climbs to show how
// tight a bound is from below (package checks runs the searches).

// ProveInput is what `verify prove` is given: a step schedule and the smoothness constant,
// as exact rationals.
type ProveInput struct {
	Steps []*big.Rat // η_0, …, η_{T−1}, each > 0
	L     *big.Rat   // > 0
}

// Provable is a claim that `verify prove` can certify.
type Provable struct {
	ID        string
	Title     string
	Statement string
	Source    Source
	// Schedule says which step schedules the claim is stated for.
	Schedule string
	// Prepare builds the claim for an input, with its encoded certificate when there is
	// one. An error means the input is outside what the claim can be stated for (bad input).
	Prepare func(in ProveInput) (*ProveCase, error)
}

// ProveCase is one claim instantiated on a schedule: the symbolic claim and certificate,
// and the numerical side used to look for counterexamples and to measure tightness.
type ProveCase struct {
	ID    string
	Input ProveInput
	// Setting is one line with L, the steps and derived constants (τ, κ).
	Setting string
	// Hypothesis is empty when the input meets the statement's hypotheses, and otherwise
	// says which one it breaks (the claim is still checked: it may hold anyway, or fail).
	Hypothesis string
	GD         *pep.GD
	Claim      pep.Claim
	// Cert is the encoded certificate (nil when none is encoded); CertFrom says where its
	// multipliers come from.
	Cert     *pep.Certificate
	CertFrom string
	// Candidates are valid inequalities an automatic certificate search may combine: the
	// interpolation inequalities between every ordered pair of points of the setting.
	Candidates []pep.Inequality
	// Extremal is a known instance that attains the bound (ratio 1), nil when none is
	// known for this input; ExtremalWhy says where it comes from.
	Extremal    *ProveInstance
	ExtremalWhy string

	sides  proveSides
	refMin bool // the reference point is a minimiser (x*), not searched
	steps  []float64
	l      float64
}

// proveRun is a finished one-dimensional run, in floating point.
type proveRun struct {
	f0, fT, fz, fstar float64 // f(θ_0), f(θ_T), f(ref), min f
	d0, dT            float64 // ‖θ_0 − ref‖², ‖θ_T − ref‖²
	tau               float64
	T                 int
}

// proveSides returns the two sides of a claim shifted by min f so that both are ≥ 0 when
// the claim's constants are (the ratio lhs/rhs is then the tightness), and the terms that
// produced them (for the tolerance scale).
type proveSides func(r proveRun) (lhs, rhs float64, terms []float64)

var provables []*Provable

func registerProvable(p *Provable) {
	for _, q := range provables {
		if q.ID == p.ID {
			panic("theorems: provable " + p.ID + " registered twice")
		}
	}
	provables = append(provables, p)
	sort.Slice(provables, func(i, j int) bool { return provables[i].ID < provables[j].ID })
}

// Provables lists the claims `verify prove` can certify, by ID.
func Provables() []*Provable { return append([]*Provable(nil), provables...) }

// LookupProvable finds a provable claim by exact ID.
func LookupProvable(id string) (*Provable, bool) {
	for _, p := range provables {
		if p.ID == id {
			return p, true
		}
	}
	return nil, false
}

// ProvableIDs lists the IDs of the provable claims.
func ProvableIDs() []string {
	var out []string
	for _, p := range provables {
		out = append(out, p.ID)
	}
	return out
}

// T is the number of steps.
func (c *ProveCase) T() int { return len(c.steps) }

// RefIsMinimiser reports whether the claim's reference point is a minimiser x* (otherwise it
// is any z, which the searches vary).
func (c *ProveCase) RefIsMinimiser() bool { return c.refMin }

// ProveEval is a claim evaluated in floating point on one instance.
type ProveEval struct {
	Instance ProveInstance
	Iterates []float64 // θ_0, …, θ_T from the GD implementation
	Ref      float64   // the reference point used (z, or the minimiser closest to θ_0)
	// LHS and RHS are the claim's sides shifted by min f; Ratio = LHS/RHS is the tightness
	// (> 1 means the claim fails), NaN when RHS ≤ 0.
	LHS, RHS, Ratio float64
	// Claim is the conclusion as an Inequality; Outcome its judgement under DefaultTolerance.
	Claim   Inequality
	Outcome Outcome
}

// Evaluate runs algorithms.GradientDescent on the instance with the case's schedule and
// evaluates the claim's own formula on the run.
func (c *ProveCase) Evaluate(inst ProveInstance) ProveEval {
	f := inst.objective()
	tr := algorithms.GradientDescent(f, []float64{inst.X0}, c.steps)
	ref := inst.Z
	if c.refMin {
		ref = f.nearestMinimiser(inst.X0)
	}
	its := make([]float64, tr.T()+1)
	for t := range its {
		its[t] = tr.Iterates[t][0]
	}
	xT := its[len(its)-1]
	r := proveRun{
		f0: f.value(inst.X0), fT: f.value(xT), fz: f.value(ref), fstar: 0,
		d0: (inst.X0 - ref) * (inst.X0 - ref), dT: (xT - ref) * (xT - ref),
		tau: proveSum(c.steps), T: len(c.steps),
	}
	lhs, rhs, terms := c.sides(r)
	q := Le(ClaimStep, -1, lhs, rhs, terms...)
	ev := ProveEval{Instance: inst, Iterates: its, Ref: ref, LHS: lhs, RHS: rhs, Ratio: math.NaN(), Claim: q}
	if rhs > 0 {
		ev.Ratio = lhs / rhs
	}
	ev.Outcome = DefaultTolerance.Judge(q, &Evidence{Horizon: len(c.steps)})
	return ev
}

func proveSum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// ProveExact is a claim evaluated in exact rational arithmetic on a rational instance: the
// run replayed exactly and the claim's Form (LHS − RHS, the very form the certificate
// checker works on) evaluated on it.
type ProveExact struct {
	Instance string
	Iterates []*big.Rat
	Ref      *big.Rat
	Gap      *big.Rat // LHS − RHS; > 0 means the claim fails on this instance
}

// Confirm rounds the instance's parameters to nearby simple rationals (trying denominators
// 1, 2, 4, 10, …, 10⁶ and finally the exact binary value) and replays it exactly. It returns
// the first rounding whose exact gap has the sign of want (+1: the claim fails, 0: equality)
// or, if none has, the exact replay of the binary values.
func (c *ProveCase) Confirm(inst ProveInstance, want int) *ProveExact {
	var last *ProveExact
	for _, den := range []int64{1, 2, 4, 10, 100, 1000, 10000, 1000000, 0} {
		ex, ok := inst.rational(den)
		if !ok {
			continue
		}
		got, err := c.replay(ex)
		if err != nil {
			continue
		}
		if got.Gap.Sign() == want {
			return got
		}
		last = got
	}
	return last
}

// replay runs GD exactly on a rational instance and evaluates the claim's Form.
func (c *ProveCase) replay(ex proveExactInstance) (*ProveExact, error) {
	if ex.lam.Cmp(c.Input.L) > 0 {
		ex.lam = new(big.Rat).Set(c.Input.L) // rounding must not leave the class
	}
	T := c.T()
	its := make([]*big.Rat, T+1)
	its[0] = new(big.Rat).Set(ex.x0)
	for t := 0; t < T; t++ {
		g := ex.grad(its[t])
		its[t+1] = new(big.Rat).Sub(its[t], g.Mul(g, c.Input.Steps[t]))
	}
	ref := ex.z
	if c.refMin {
		ref = ex.nearestMinimiser(ex.x0)
	}
	gap, err := c.GD.Eval1D(c.Claim.Form, its, ref, ex.grad, ex.value)
	if err != nil {
		return nil, err
	}
	return &ProveExact{Instance: ex.String(c.refMin), Iterates: its, Ref: ref, Gap: gap}, nil
}

// ExactGap replays the instance exactly on the binary values of its parameters and returns
// LHS − RHS of the claim's Form.
func (c *ProveCase) ExactGap(inst ProveInstance) (*ProveExact, error) {
	ex, ok := inst.rational(0)
	if !ok {
		return nil, fmt.Errorf("instance %v is not finite", inst)
	}
	return c.replay(ex)
}

// FormatSteps writes a schedule as "1, 1/2, 3/4" (or "constant η = 1/2, T = 10").
func FormatSteps(steps []*big.Rat) string {
	allSame := true
	for _, s := range steps {
		allSame = allSame && s.Cmp(steps[0]) == 0
	}
	if allSame && len(steps) > 3 {
		return fmt.Sprintf("constant η = %s, T = %d", pep.FormatRat(steps[0]), len(steps))
	}
	parts := make([]string, len(steps))
	for i, s := range steps {
		parts[i] = pep.FormatRat(s)
	}
	return strings.Join(parts, ", ")
}
