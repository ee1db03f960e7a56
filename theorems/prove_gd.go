package theorems

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/implicitreg/verify/internal/pep"
)

// The claims `verify prove` certifies, with their encoded certificates. Each certificate is
// the proof of THEOREMS.md §1 (or the classical one) written as multipliers of valid
// inequalities plus a negative semidefinite residual; internal/pep checks it exactly.

func init() {
	registerProvable(&Provable{
		ID:     "basic-inequality/gd",
		Title:  "GD basic inequality, for every L-smooth convex function",
		Source: Derived,
		Statement: gdStatement + `

Certificate (THEOREMS.md §1): with τ_t = Σ_{s<t} η_s, τ·(LHS − RHS) equals
Σ_t (η_t + τ_t)·[descent lemma θ_t→θ_{t+1}] + Σ_t η_t·[convexity z vs θ_t]
− Σ_t [(η_t²/2)(1 − Lη_t) + τ_t η_t (1 − Lη_t/2)]‖g_t‖², every term ≤ 0 when η_t ≤ 1/L.
Steps above 1/L are not always fatal: the residual only needs each coefficient ≥ 0 (steps
1, 5/4 with L = 1 leave −(35/128)‖g_1‖²), and the automatic search proves more (5/4, 1).
Tightness: attained by f = Lx²/2, one step 1/L, z = θ_0; approached (LHS/RHS → 1) by nearly
linear f with z near θ_0, where both sides reduce to the same distance terms.`,
		Schedule: "any schedule of positive rational steps",
		Prepare:  proveBasicGD,
	})
	registerProvable(&Provable{
		ID:     "basic-inequality/gd-large-step",
		Title:  "GD basic inequality for a constant step in (1/L, 2/L)",
		Source: Derived,
		Statement: lstepStatement + `

Certificate (THEOREMS.md §1 proof, telescoped): ηT·(LHS − RHS) equals
Σ_t η(1 + κ + t)·[descent lemma θ_t→θ_{t+1}] + Σ_t η·[convexity z vs θ_t] − Σ_t η² t (1 − Lη/2)‖g_t‖².`,
		Schedule: "a constant step (--constant η --T N, or equal --steps)",
		Prepare:  proveLargeStep,
	})
	registerProvable(&Provable{
		ID:     "pep/gd-rate",
		Title:  "the classical GD rate f(θ_T) − f(z) ≤ ‖θ_0 − z‖²/(2τ)",
		Source: Derived,
		Statement: `For f convex and L-smooth on R^d, GD with 0 < η_t ≤ 1/L, τ = Σ_t η_t, for every z:

    f(θ_T) − f(z)  ≤  ‖θ_0 − z‖²/(2τ)

(classical; with z = x* and η = 1/L it is f(θ_T) − f* ≤ L‖θ_0 − x*‖²/(2T)). Certificate: the
basic inequality's, with the residual lowered by ½‖θ_T − z‖² (the term the rate drops).`,
		Schedule: "any schedule of positive rational steps",
		Prepare:  proveRate,
	})
	registerProvable(&Provable{
		ID:     "pep/drori-teboulle",
		Title:  "Drori–Teboulle: f(θ_N) − f* ≤ L‖θ_0 − x*‖²/(4Nh + 2) for GD with step h/L",
		Source: Quoted,
		Statement: `For f convex and L-smooth on R^d with a minimiser x*, GD with constant step η = h/L,
0 < h ≤ 1, after N steps:

    f(θ_N) − f(x*)  ≤  L‖θ_0 − x*‖²/(4Nh + 2)

Quoted: Drori & Teboulle (2014), Math. Program. 145, Thm 3.1; tight — the 1-D Huber function
with threshold δ = ‖θ_0 − x*‖/(2Nh + 1) attains it (ibid.; PEPit's golden value for L = 3,
N = 4, h = 1 is 0.1666667 = 3/18 for ‖θ_0 − x*‖ = 1). No certificate is encoded: multipliers
of the interpolation inequalities are searched by the small SDP solver (internal/pep) and
verified exactly.`,
		Schedule: "a constant step (--constant η --T N, or equal --steps)",
		Prepare:  proveDroriTeboulle,
	})
}

// proveValidate checks the input: at least one step, every step and L positive.
func proveValidate(in ProveInput) error {
	if in.L == nil || in.L.Sign() <= 0 {
		return errors.New("L must be a positive number")
	}
	if len(in.Steps) == 0 {
		return errors.New("the schedule needs at least one step")
	}
	for t, s := range in.Steps {
		if s == nil || s.Sign() <= 0 {
			return fmt.Errorf("step η_%d must be positive", t)
		}
	}
	return nil
}

// proveConstant returns the common step of a constant schedule.
func proveConstant(in ProveInput, id string) (*big.Rat, error) {
	for t, s := range in.Steps {
		if s.Cmp(in.Steps[0]) != 0 {
			return nil, fmt.Errorf("%s is stated for a constant step; η_%d = %s differs from η_0 = %s (use --constant η --T N)",
				id, t, pep.FormatRat(s), pep.FormatRat(in.Steps[0]))
		}
	}
	return in.Steps[0], nil
}

func proveRat(a, b int64) *big.Rat { return big.NewRat(a, b) }

func proveMul(xs ...*big.Rat) *big.Rat {
	out := big.NewRat(1, 1)
	for _, x := range xs {
		out.Mul(out, x)
	}
	return out
}

func proveAdd(xs ...*big.Rat) *big.Rat {
	out := new(big.Rat)
	for _, x := range xs {
		out.Add(out, x)
	}
	return out
}

func proveNeg(x *big.Rat) *big.Rat { return new(big.Rat).Neg(x) }

// proveNewCase builds the common part of a case: the symbolic GD setting with gradients at
// θ_T and at the reference point (so interpolation inequalities between any two points can
// be written), and the floating-point copies of the input.
func proveNewCase(id string, in ProveInput, refMin bool) *ProveCase {
	opt := pep.GDOptions{Ref: "z", RefGrad: true, FinalGrad: true}
	if refMin {
		opt = pep.GDOptions{Ref: "x*", RefMinimizer: true, FinalGrad: true}
	}
	c := &ProveCase{ID: id, Input: in, GD: pep.NewGD(in.Steps, opt), refMin: refMin}
	c.l, _ = in.L.Float64()
	c.steps = make([]float64, len(in.Steps))
	for t, s := range in.Steps {
		c.steps[t], _ = s.Float64()
	}
	return c
}

// ProveCandidates is a named set of valid inequalities for the automatic certificate
// search. Complete marks the set of all interpolation inequalities between the points of the
// setting: by the interpolation theorem (Taylor, Hendrickx, Glineur 2017) a claim with no
// certificate over it fails for some convex L-smooth function.
type ProveCandidates struct {
	Name     string
	Ineqs    []pep.Inequality
	Complete bool
}

// proveMaxCompleteT bounds the horizon for the complete candidate set: it has (T+2)(T+1)
// inequalities and each Newton step of the solver costs their number squared.
const proveMaxCompleteT = 10

// CandidateSets returns the inequality sets the automatic search tries, smallest first: the
// interpolation inequalities θ_t vs θ_{t+1} and ref vs θ_t (the pattern of the classical
// proofs, small enough that the optimal multipliers are often unique and rational), the same
// in both directions, and (for T ≤ 10) every ordered pair.
func (c *ProveCase) CandidateSets() []ProveCandidates {
	g, L := c.GD, c.Input.L
	T := g.T()
	var small, both []pep.Inequality
	for t := 0; t < T; t++ {
		small = append(small, pep.Interpolation(g.Theta[t], g.Theta[t+1], L))
		both = append(both, pep.Interpolation(g.Theta[t], g.Theta[t+1], L), pep.Interpolation(g.Theta[t+1], g.Theta[t], L))
	}
	for t := 0; t <= T; t++ {
		small = append(small, pep.Interpolation(g.Ref, g.Theta[t], L))
		both = append(both, pep.Interpolation(g.Ref, g.Theta[t], L), pep.Interpolation(g.Theta[t], g.Ref, L))
	}
	sets := []ProveCandidates{
		{Name: "interpolation θ_t vs θ_{t+1} and " + g.Ref.Name + " vs θ_t", Ineqs: small},
		{Name: "interpolation between consecutive iterates and with " + g.Ref.Name + ", both ways", Ineqs: both},
	}
	if T <= proveMaxCompleteT {
		sets = append(sets, ProveCandidates{Name: "interpolation between every ordered pair of points", Ineqs: c.CandidateInequalities(), Complete: true})
	}
	return sets
}

// CandidateInequalities are the smooth-convex interpolation inequalities between every
// ordered pair of points θ_0, …, θ_T and the reference point.
func (c *ProveCase) CandidateInequalities() []pep.Inequality {
	pts := append(append([]pep.Point(nil), c.GD.Theta...), c.GD.Ref)
	var out []pep.Inequality
	for i := range pts {
		for j := range pts {
			if i != j {
				out = append(out, pep.Interpolation(pts[i], pts[j], c.Input.L))
			}
		}
	}
	return out
}

// Weakened returns the claim with its ‖θ_0 − ref‖² coefficient on the right-hand side
// multiplied by 1 + eps (a strictly weaker claim, so a certificate search has a margin to
// absorb rounding), and its text; ok is false when the claim has no such term.
func (c *ProveCase) Weakened(eps *big.Rat) (pep.Claim, bool) {
	q := c.Claim.Form.QuadCoef(0, 0)
	if q.Sign() >= 0 {
		return pep.Claim{}, false
	}
	form := c.Claim.Form.Clone().AddScaled(proveMul(eps, q), c.GD.Dist2(0))
	text := fmt.Sprintf("%s, with the coefficient of ‖θ_0 − %s‖² on the right raised by the factor 1 + %s", c.Claim.Text, c.GD.Ref.Name, pep.FormatRat(eps))
	return pep.Claim{Text: text, Form: form, L: c.Claim.L}, true
}

// proveAboveInvL names the first step above 1/L, or "".
func proveAboveInvL(in ProveInput) string {
	for t, s := range in.Steps {
		if new(big.Rat).Mul(s, in.L).Cmp(proveRat(1, 1)) > 0 {
			return fmt.Sprintf("η_%d = %s > 1/L = %s", t, pep.FormatRat(s), pep.FormatRat(new(big.Rat).Inv(in.L)))
		}
	}
	return ""
}

// proveBasicTerms returns the multipliers of THEOREMS.md §1's certificate for the basic
// inequality, and its diagonal residual −Σ_t [(η_t²/2)(1 − Lη_t) + τ_t η_t (1 − Lη_t/2)]‖g_t‖².
func proveBasicTerms(c *ProveCase) ([]pep.Term, pep.Form) {
	g, L := c.GD, c.Input.L
	res := g.Space.NewForm()
	var terms []pep.Term
	for t := 0; t < g.T(); t++ {
		eta, tau := g.Steps[t], g.Tau[t]
		terms = append(terms,
			pep.Term{Weight: proveAdd(eta, tau), Why: fmt.Sprintf("η_%d + τ_%d = %s + %s", t, t, pep.FormatRat(eta), pep.FormatRat(tau)),
				Ineq: pep.Descent(g.Theta[t], g.Theta[t+1], L)},
			pep.Term{Weight: new(big.Rat).Set(eta), Why: fmt.Sprintf("η_%d", t), Ineq: pep.Convexity(g.Ref, g.Theta[t])},
		)
		Leta := proveMul(L, eta)
		a := proveMul(proveRat(1, 2), eta, eta, new(big.Rat).Sub(proveRat(1, 1), Leta))
		b := proveMul(tau, eta, new(big.Rat).Sub(proveRat(1, 1), proveMul(proveRat(1, 2), Leta)))
		res.AddScaled(proveNeg(proveAdd(a, b)), pep.Norm2(g.Theta[t].G))
	}
	return terms, res
}

func proveBasicGD(in ProveInput) (*ProveCase, error) {
	if err := proveValidate(in); err != nil {
		return nil, err
	}
	c := proveNewCase("basic-inequality/gd", in, false)
	g := c.GD
	T := g.T()
	tau := g.TotalTau()
	inv2tau := new(big.Rat).Inv(proveMul(proveRat(2, 1), tau))
	form := g.F(T).Minus(g.FRef()).AddScaled(inv2tau, g.Dist2(T)).AddScaled(proveNeg(inv2tau), g.Dist2(0))
	c.Claim = pep.Claim{L: in.L, Text: fmt.Sprintf("f(θ_%d) + ‖θ_%d − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ)", T, T), Form: form}
	terms, res := proveBasicTerms(c)
	c.Cert = &pep.Certificate{Scale: tau, ScaleWhy: "τ", Terms: terms, Residual: res.Quad()}
	c.CertFrom = "THEOREMS.md §1: descent lemma at t weighted η_t + τ_t, convexity between θ_t and z weighted η_t"
	c.Setting = fmt.Sprintf("L = %s; steps %s; τ = %s", pep.FormatRat(in.L), FormatSteps(in.Steps), pep.FormatRat(tau))
	if h := proveAboveInvL(in); h != "" {
		c.Hypothesis = "the statement assumes η_t ≤ 1/L, but " + h
	}
	c.sides = func(r proveRun) (float64, float64, []float64) {
		lhs := r.fT - r.fstar + r.dT/(2*r.tau)
		rhs := r.fz - r.fstar + r.d0/(2*r.tau)
		return lhs, rhs, []float64{r.fT, r.fz, r.fstar, r.dT / (2 * r.tau), r.d0 / (2 * r.tau)}
	}
	if T == 1 && proveMul(in.Steps[0], in.L).Cmp(proveRat(1, 1)) == 0 {
		c.Extremal = &ProveInstance{Lambda: c.l, Lo: math.Inf(1), Hi: math.Inf(1), X0: 1, Z: 1}
		c.ExtremalWhy = "f = Lx²/2, one step η = 1/L from θ_0 = 1 to the minimiser, z = θ_0: LHS = RHS = L/2"
	}
	return c, nil
}

func proveLargeStep(in ProveInput) (*ProveCase, error) {
	if err := proveValidate(in); err != nil {
		return nil, err
	}
	const id = "basic-inequality/gd-large-step"
	eta, err := proveConstant(in, id)
	if err != nil {
		return nil, err
	}
	L := in.L
	Leta := proveMul(L, eta)
	two, one := proveRat(2, 1), proveRat(1, 1)
	if Leta.Cmp(two) == 0 {
		return nil, errors.New("κ = (Lη − 1)/(2 − Lη) is undefined at η = 2/L")
	}
	kappa := new(big.Rat).Quo(new(big.Rat).Sub(Leta, one), new(big.Rat).Sub(two, Leta))
	c := proveNewCase(id, in, false)
	g := c.GD
	T := g.T()
	Tr := proveRat(int64(T), 1)
	etaT := proveMul(eta, Tr)
	inv := new(big.Rat).Inv(proveMul(two, etaT))
	kT := new(big.Rat).Quo(kappa, Tr)
	// f(θ_T) − f(z) − (‖θ_0 − z‖² − ‖θ_T − z‖²)/(2ηT) − κ(f(θ_0) − f(θ_T))/T ≤ 0
	form := g.F(T).Minus(g.FRef()).AddScaled(proveNeg(inv), g.Dist2(0)).AddScaled(inv, g.Dist2(T)).
		AddScaled(proveNeg(kT), g.F(0)).AddScaled(kT, g.F(T))
	c.Claim = pep.Claim{L: in.L, Text: fmt.Sprintf("f(θ_%d) − f(z) ≤ (‖θ_0 − z‖² − ‖θ_%d − z‖²)/(2ηT) + κ(f(θ_0) − f(θ_%d))/T", T, T, T), Form: form}
	res := g.Space.NewForm()
	var terms []pep.Term
	for t := 0; t < T; t++ {
		tr := proveRat(int64(t), 1)
		terms = append(terms,
			pep.Term{Weight: proveMul(eta, proveAdd(one, kappa, tr)), Why: fmt.Sprintf("η(1 + κ + %d)", t), Ineq: pep.Descent(g.Theta[t], g.Theta[t+1], L)},
			pep.Term{Weight: new(big.Rat).Set(eta), Why: "η", Ineq: pep.Convexity(g.Ref, g.Theta[t])},
		)
		res.AddScaled(proveNeg(proveMul(eta, eta, tr, new(big.Rat).Sub(one, proveMul(proveRat(1, 2), Leta)))), pep.Norm2(g.Theta[t].G))
	}
	c.Cert = &pep.Certificate{Scale: etaT, ScaleWhy: "ηT", Terms: terms, Residual: res.Quad()}
	c.CertFrom = "THEOREMS.md §1 (large step): descent lemma at t weighted η(1 + κ + t), convexity between θ_t and z weighted η"
	c.Setting = fmt.Sprintf("L = %s; η = %s (Lη = %s), T = %d; κ = %s", pep.FormatRat(L), pep.FormatRat(eta), pep.FormatRat(Leta), T, pep.FormatRat(kappa))
	if Leta.Cmp(one) <= 0 || Leta.Cmp(two) >= 0 {
		c.Hypothesis = fmt.Sprintf("the statement assumes 1 < Lη < 2, but Lη = %s", pep.FormatRat(Leta))
	}
	kf, _ := kappa.Float64()
	c.sides = func(r proveRun) (float64, float64, []float64) {
		den := 2 * r.tau // = 2ηT
		tf := float64(r.T)
		lhs := (1+kf/tf)*(r.fT-r.fstar) + r.dT/den
		rhs := r.fz - r.fstar + kf*(r.f0-r.fstar)/tf + r.d0/den
		return lhs, rhs, []float64{r.fT, r.fz, r.fstar, kf * r.f0 / tf, kf * r.fT / tf, kf * r.fstar / tf, r.dT / den, r.d0 / den}
	}
	if T == 1 && Leta.Cmp(two) < 0 {
		c.Extremal = &ProveInstance{Lambda: c.l, Lo: math.Inf(1), Hi: math.Inf(1), X0: 1, Z: 1}
		c.ExtremalWhy = "f = Lx²/2, one step from θ_0 = 1, z = θ_0: both sides equal L/(2(2 − Lη))"
	}
	return c, nil
}

func proveRate(in ProveInput) (*ProveCase, error) {
	if err := proveValidate(in); err != nil {
		return nil, err
	}
	c := proveNewCase("pep/gd-rate", in, false)
	g := c.GD
	T := g.T()
	tau := g.TotalTau()
	inv2tau := new(big.Rat).Inv(proveMul(proveRat(2, 1), tau))
	form := g.F(T).Minus(g.FRef()).AddScaled(proveNeg(inv2tau), g.Dist2(0))
	c.Claim = pep.Claim{L: in.L, Text: fmt.Sprintf("f(θ_%d) − f(z) ≤ ‖θ_0 − z‖²/(2τ)", T), Form: form}
	terms, res := proveBasicTerms(c)
	res.AddScaled(proveRat(-1, 2), g.Dist2(T))
	c.Cert = &pep.Certificate{Scale: tau, ScaleWhy: "τ", Terms: terms, Residual: res.Quad()}
	c.CertFrom = "the basic inequality's certificate; the residual also carries −½‖θ_T − z‖²"
	c.Setting = fmt.Sprintf("L = %s; steps %s; τ = %s", pep.FormatRat(in.L), FormatSteps(in.Steps), pep.FormatRat(tau))
	if h := proveAboveInvL(in); h != "" {
		c.Hypothesis = "the statement assumes η_t ≤ 1/L, but " + h
	}
	c.sides = func(r proveRun) (float64, float64, []float64) {
		return r.fT - r.fstar, r.fz - r.fstar + r.d0/(2*r.tau), []float64{r.fT, r.fz, r.fstar, r.d0 / (2 * r.tau)}
	}
	return c, nil
}

func proveDroriTeboulle(in ProveInput) (*ProveCase, error) {
	if err := proveValidate(in); err != nil {
		return nil, err
	}
	const id = "pep/drori-teboulle"
	eta, err := proveConstant(in, id)
	if err != nil {
		return nil, err
	}
	L := in.L
	h := proveMul(L, eta)
	c := proveNewCase(id, in, true)
	g := c.GD
	N := g.T()
	// bound L/(4Nh + 2)·‖θ_0 − x*‖²
	den := proveAdd(proveMul(proveRat(int64(4*N), 1), h), proveRat(2, 1))
	coef := new(big.Rat).Quo(L, den)
	c.Claim = pep.Claim{L: in.L,
		Text: fmt.Sprintf("f(θ_%d) − f(x*) ≤ L‖θ_0 − x*‖²/(4Nh + 2) = (%s)‖θ_0 − x*‖²", N, pep.FormatRat(coef)),
		Form: g.F(N).Minus(g.FRef()).AddScaled(proveNeg(coef), g.Dist2(0)),
	}
	c.Setting = fmt.Sprintf("L = %s; η = %s (h = Lη = %s), N = %d", pep.FormatRat(L), pep.FormatRat(eta), pep.FormatRat(h), N)
	if h.Cmp(proveRat(1, 1)) > 0 {
		c.Hypothesis = fmt.Sprintf("the statement assumes 0 < h ≤ 1, but h = Lη = %s", pep.FormatRat(h))
	}
	cf, _ := coef.Float64()
	c.sides = func(r proveRun) (float64, float64, []float64) {
		return r.fT - r.fstar, cf * r.d0, []float64{r.fT, r.fstar, cf * r.d0}
	}
	hf, _ := h.Float64()
	if hf <= 1 {
		// The Huber function with δ = R/(2Nh + 1), R = ‖θ_0 − x*‖ = 1 (Drori–Teboulle 2014): every
		// step stays on the linear part, f(θ_N) = LR²/(4Nh + 2). δ is exact in binary only for
		// some N; ExactGap replays the binary values, Extremal exact checks use the rational.
		c.Extremal = &ProveInstance{Lambda: c.l, Lo: 1 / (2*float64(N)*hf + 1), Hi: 1 / (2*float64(N)*hf + 1), X0: 1}
		c.ExtremalWhy = "Drori–Teboulle (2014): L·huber_δ with δ = ‖θ_0 − x*‖/(2Nh + 1), θ_0 = 1, x* = 0"
	}
	return c, nil
}
