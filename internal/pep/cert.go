package pep

import (
	"fmt"
	"io"
	"math/big"
	"strings"
)

// Claim is a statement "Form ≤ 0" claimed for every function of the class, with its text in
// the usual notation (e.g. "f(θ_T) + ‖θ_T − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ)", whose Form
// is LHS − RHS), for the class of convex L-smooth functions.
type Claim struct {
	Text string
	Form Form
	L    *big.Rat
}

// Term is one multiplier of a certificate: Weight times a valid inequality. Why says where
// the weight comes from (e.g. "η_1 + τ_1"); it is printed, never trusted.
type Term struct {
	Weight *big.Rat
	Why    string
	Ineq   Inequality
}

// Certificate asserts the identity
//
//	Scale·Claim.Form = Σ_k Weight_k·Ineq_k.Form + Residual
//
// with Scale > 0, every Weight_k ≥ 0 and Residual a negative semidefinite quadratic form (no
// value terms). Every term on the right is then ≤ 0 for every function of the class, in
// every dimension, so the claim holds. Residual nil means "whatever remains", which Check
// computes (and still requires to be negative semidefinite).
type Certificate struct {
	Scale    *big.Rat
	ScaleWhy string // e.g. "τ"
	Terms    []Term
	Residual *Sym
}

// Part names the part of a certificate that a check found broken.
type Part string

const (
	PartScale      Part = "scale"              // Scale ≤ 0
	PartInequality Part = "inequalities"       // a term is not a valid inequality of the class
	PartMultiplier Part = "multipliers"        // some Weight_k < 0
	PartLinear     Part = "linear part"        // the function values do not cancel
	PartQuadratic  Part = "quadratic identity" // the given residual is not the remainder
	PartResidual   Part = "residual"           // the residual is not negative semidefinite
)

// CheckError says which part of a certificate breaks and how.
type CheckError struct {
	Part Part
	Msg  string
	// NotPSD is set for PartResidual: a direction along which the residual is positive.
	NotPSD *NotPSD
}

func (e *CheckError) Error() string { return fmt.Sprintf("certificate fails (%s): %s", e.Part, e.Msg) }

// Proof is a checked certificate: the claim, the certificate, the exact residual and the
// factorisation −Residual = L·D·Lᵀ (D ≥ 0) that proves it negative semidefinite.
type Proof struct {
	Claim    Claim
	Cert     Certificate
	Residual *Sym
	Factor   *LDL
	// Entries is the number of quadratic coefficients compared, Values the number of value
	// coefficients shown to cancel.
	Entries, Values int
}

// Check verifies a certificate for a claim in exact rational arithmetic: the scale is
// positive, every multiplier is nonnegative, the value terms of Scale·Claim − Σ λ_k·Ineq_k
// cancel, its quadratic part equals the residual (when one is given), and the residual is
// negative semidefinite (exact LDLᵀ of its negation). It returns the proof, or a *CheckError
// naming the first part that breaks.
func Check(claim Claim, cert Certificate) (*Proof, error) {
	s := claim.Form.s
	if cert.Scale == nil || cert.Scale.Sign() <= 0 {
		return nil, &CheckError{Part: PartScale, Msg: "the claim must be multiplied by a positive scale"}
	}
	rem := claim.Form.Times(cert.Scale)
	for _, t := range cert.Terms {
		if t.Ineq.Form.s != s {
			panic("pep: certificate term from another space: " + t.Ineq.Name)
		}
		if !t.Ineq.ValidFor(claim.L) {
			return nil, &CheckError{Part: PartInequality, Msg: fmt.Sprintf("%q is not a valid inequality for convex %s-smooth functions (it was built for another constant, or not by this package)",
				t.Ineq.Name, ratOrNil(claim.L))}
		}
		if t.Weight == nil || t.Weight.Sign() < 0 {
			w := "nil"
			if t.Weight != nil {
				w = FormatRat(t.Weight)
			}
			return nil, &CheckError{Part: PartMultiplier, Msg: fmt.Sprintf("multiplier of %q is %s < 0 (%s): a negative multiple of a valid inequality is not valid", t.Ineq.Name, w, t.Why)}
		}
		rem.AddScaled(new(big.Rat).Neg(t.Weight), t.Ineq.Form)
	}
	if !rem.LinearIsZero() {
		var bad []string
		for i := range rem.lin {
			if rem.lin[i].Sign() != 0 {
				bad = append(bad, fmt.Sprintf("%s has coefficient %s", s.values[i], FormatRat(&rem.lin[i])))
			}
		}
		return nil, &CheckError{Part: PartLinear, Msg: "scale·claim − Σ λ_k·inequality_k leaves function values: " + strings.Join(bad, ", ")}
	}
	res := rem.Quad()
	if cert.Residual != nil {
		if cert.Residual.n != res.n {
			return nil, &CheckError{Part: PartQuadratic, Msg: fmt.Sprintf("residual is %d×%d, the space has %d vectors", cert.Residual.n, cert.Residual.n, res.n)}
		}
		if !cert.Residual.Equal(res) {
			return nil, &CheckError{Part: PartQuadratic, Msg: "the given residual is not scale·claim − Σ λ_k·inequality_k: " + symDiff(s, cert.Residual, res)}
		}
	}
	fac, bad := FactorPSD(res.Neg())
	if bad != nil {
		return nil, &CheckError{Part: PartResidual, NotPSD: bad, Msg: fmt.Sprintf(
			"the residual R is not negative semidefinite: with %s (u any unit vector) R = %s > 0 (elimination stopped at %s)",
			witnessString(s, bad.Witness), shortRat(new(big.Rat).Neg(bad.Value)), s.vectors[bad.Pivot])}
	}
	return &Proof{Claim: claim, Cert: cert, Residual: res, Factor: fac, Entries: res.n * (res.n + 1) / 2, Values: s.NumValues()}, nil
}

// symDiff lists up to four entries where two symmetric matrices differ.
func symDiff(s *Space, got, want *Sym) string {
	var out []string
	for i := 0; i < got.n && len(out) < 4; i++ {
		for j := i; j < got.n && len(out) < 4; j++ {
			if got.a[i*got.n+j].Cmp(&want.a[i*got.n+j]) != 0 {
				out = append(out, fmt.Sprintf("entry (%s, %s) is %s, the remainder has %s", s.vectors[i], s.vectors[j],
					FormatRat(&got.a[i*got.n+j]), FormatRat(&want.a[i*got.n+j])))
			}
		}
	}
	return strings.Join(out, "; ")
}

// ResidualString writes the residual as a negative sum of squares, R = −Σ_k d_k‖u_k‖² with
// u_k = Σ_j L_jk v_j read off the factorisation (a diagonal residual is −Σ d_k‖v_k‖²).
func (p *Proof) ResidualString() string {
	s := p.Claim.Form.s
	var terms []term
	for k := 0; k < p.Factor.n; k++ {
		if p.Factor.d[k].Sign() == 0 {
			continue
		}
		u := s.Zero()
		for j := k; j < p.Factor.n; j++ {
			u.c[j].Set(&p.Factor.l[j*p.Factor.n+k])
		}
		name := u.String()
		if strings.ContainsAny(name, " ") {
			name = "‖" + name + "‖²"
		} else {
			name = "‖" + strings.Trim(name, "()") + "‖²"
		}
		terms = append(terms, term{coef: new(big.Rat).Neg(&p.Factor.d[k]), sym: name})
	}
	if len(terms) == 0 {
		return "0"
	}
	return joinTerms(terms)
}

// Write prints the proof as a readable weighted sum of inequalities, followed by what was
// checked.
func (p *Proof) Write(w io.Writer) {
	c := p.Cert
	scale := FormatRat(c.Scale)
	if c.ScaleWhy != "" && c.ScaleWhy != scale {
		scale = c.ScaleWhy + " = " + scale
	}
	fmt.Fprintf(w, "Claim:  %s\n", p.Claim.Text)
	lhs := "(" + scale + ")·(LHS − RHS)"
	if scale == "1" {
		lhs = "LHS − RHS"
	}
	fmt.Fprintf(w, "Proof:  %s = Σ_k λ_k·(inequality_k, written as “… ≤ 0”) + R, with\n", lhs)
	wWidth, nWidth := 0, 0
	for _, t := range c.Terms {
		wWidth = max(wWidth, len([]rune(FormatRat(t.Weight))))
		nWidth = max(nWidth, len([]rune(t.Ineq.Name)))
	}
	for _, t := range c.Terms {
		why := ""
		if t.Why != "" && t.Why != FormatRat(t.Weight) {
			why = "   [λ = " + t.Why + "]"
		}
		fmt.Fprintf(w, "  %s × %s   %s%s\n", padLeft(FormatRat(t.Weight), wWidth), padRight(t.Ineq.Name, nWidth), t.Ineq.Text, why)
	}
	fmt.Fprintf(w, "  R = %s\n", p.ResidualString())
	fmt.Fprintf(w, "Checked in exact rational arithmetic: scale > 0; all %d multipliers ≥ 0; the %d function-value coefficients cancel; "+
		"the %d quadratic coefficients match; −R = L·D·Lᵀ with D ≥ 0 (rank %d), so R ≤ 0.\n",
		len(c.Terms), p.Values, p.Entries, p.Factor.Rank())
	fmt.Fprintln(w, "Every term on the right is ≤ 0 for every function of the class, in every dimension, hence the claim. ∎")
}

func padLeft(s string, n int) string  { return strings.Repeat(" ", max(0, n-len([]rune(s)))) + s }
func padRight(s string, n int) string { return s + strings.Repeat(" ", max(0, n-len([]rune(s)))) }

// witnessString writes a witness configuration: "g_0 = u, θ_0 − z = 5/4·u and every other
// basis vector 0".
func witnessString(s *Space, w []big.Rat) string {
	var parts []string
	for i := range w {
		if w[i].Sign() == 0 {
			continue
		}
		c := ""
		switch {
		case w[i].Cmp(big.NewRat(1, 1)) == 0:
		case w[i].Cmp(big.NewRat(-1, 1)) == 0:
			c = "−"
		default:
			c = shortRat(&w[i]) + "·"
		}
		parts = append(parts, s.vectors[i]+" = "+c+"u")
	}
	out := strings.Join(parts, ", ")
	if len(parts) < len(w) {
		out += " and every other basis vector 0"
	}
	return out
}

func ratOrNil(r *big.Rat) string {
	if r == nil {
		return "(unset L)"
	}
	return FormatRat(r)
}

// shortRat writes r exactly when that is short, and as a decimal approximation otherwise
// (diagnostics only: proofs are always printed exactly).
func shortRat(r *big.Rat) string {
	if s := FormatRat(r); len(s) <= 24 {
		return s
	}
	f, _ := r.Float64()
	return strings.Replace(fmt.Sprintf("≈%.6g", f), "-", "−", 1)
}
