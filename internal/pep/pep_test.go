package pep

import (
	"errors"
	"math/big"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func rat(a, b int64) *big.Rat { return big.NewRat(a, b) }

// principalMinorsPSD decides PSD-ness by brute force: a symmetric matrix is positive
// semidefinite iff every principal minor is ≥ 0.
func principalMinorsPSD(a *Sym) bool {
	n := a.N()
	for mask := 1; mask < 1<<n; mask++ {
		var idx []int
		for i := 0; i < n; i++ {
			if mask&(1<<i) != 0 {
				idx = append(idx, i)
			}
		}
		if det(a, idx).Sign() < 0 {
			return false
		}
	}
	return true
}

// det is the determinant of the principal submatrix on idx (Laplace expansion; small n).
func det(a *Sym, idx []int) *big.Rat {
	if len(idx) == 1 {
		return a.At(idx[0], idx[0])
	}
	out := new(big.Rat)
	for k, j := range idx {
		rest := append(append([]int(nil), idx[1:]...)[:0:0], idx[1:]...)
		cols := append(append([]int(nil), idx[:k]...), idx[k+1:]...)
		m := minor(a, rest, cols)
		term := new(big.Rat).Mul(a.At(idx[0], j), m)
		if k%2 == 1 {
			term.Neg(term)
		}
		out.Add(out, term)
	}
	return out
}

// minor is the determinant of the (not necessarily principal) submatrix rows × cols.
func minor(a *Sym, rows, cols []int) *big.Rat {
	if len(rows) == 1 {
		return a.At(rows[0], cols[0])
	}
	out := new(big.Rat)
	for k, c := range cols {
		sub := append(append([]int(nil), cols[:k]...), cols[k+1:]...)
		term := new(big.Rat).Mul(a.At(rows[0], c), minor(a, rows[1:], sub))
		if k%2 == 1 {
			term.Neg(term)
		}
		out.Add(out, term)
	}
	return out
}

func drawSym(t *rapid.T) *Sym {
	n := rapid.IntRange(1, 4).Draw(t, "n")
	m := NewSym(n)
	if rapid.Bool().Draw(t, "gram") { // a Gram matrix: PSD by construction, often singular
		k := rapid.IntRange(1, n).Draw(t, "rank")
		vs := make([][]int64, k)
		for r := range vs {
			vs[r] = make([]int64, n)
			for i := range vs[r] {
				vs[r][i] = int64(rapid.IntRange(-3, 3).Draw(t, "v"))
			}
		}
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				var s int64
				for r := range vs {
					s += vs[r][i] * vs[r][j]
				}
				m.Set(i, j, rat(s, int64(rapid.IntRange(1, 3).Draw(t, "den"))*0+1))
			}
		}
		return m
	}
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			m.Set(i, j, rat(int64(rapid.IntRange(-4, 4).Draw(t, "a")), int64(rapid.IntRange(1, 3).Draw(t, "b"))))
		}
	}
	return m
}

// FactorPSD decides PSD-ness exactly as the principal-minor criterion does; a factorisation
// reconstructs the matrix exactly and a witness is a strictly negative direction.
func TestFactorPSDAgreesWithPrincipalMinors(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := drawSym(t)
		f, bad := FactorPSD(a)
		want := principalMinorsPSD(a)
		if (f != nil) != want {
			t.Fatalf("FactorPSD says PSD = %v, principal minors say %v", f != nil, want)
		}
		if f != nil {
			n := a.N()
			for i := 0; i < n; i++ {
				for j := 0; j < n; j++ {
					s := new(big.Rat)
					for k := 0; k < n; k++ {
						s.Add(s, new(big.Rat).Mul(f.L(i, k), new(big.Rat).Mul(f.D(k), f.L(j, k))))
					}
					if s.Cmp(a.At(i, j)) != 0 {
						t.Fatalf("LDLᵀ(%d,%d) = %s, A = %s", i, j, s, a.At(i, j))
					}
				}
				if f.D(i).Sign() < 0 {
					t.Fatalf("negative pivot %s", f.D(i))
				}
			}
			return
		}
		if got := a.QuadValue(bad.Witness); got.Cmp(bad.Value) != 0 || got.Sign() >= 0 {
			t.Fatalf("witness value %s (reported %s) is not negative", got, bad.Value)
		}
	})
}

func TestFactorPSDZeroPivotWithNonzeroRow(t *testing.T) {
	a := NewSym(2)
	a.Set(0, 1, rat(1, 1)) // [[0, 1], [1, 0]]: indefinite although both diagonal entries are 0
	if _, bad := FactorPSD(a); bad == nil {
		t.Fatal("[[0,1],[1,0]] reported PSD")
	}
	b := NewSym(3)
	b.Set(1, 1, rat(2, 1)) // zero rows around a positive entry: PSD, rank 1
	f, bad := FactorPSD(b)
	if bad != nil || f.Rank() != 1 {
		t.Fatalf("diag(0, 2, 0): bad = %v", bad)
	}
}

// gdSetting is a two-step GD setting with L = 1 and steps 1, 1/2 for the checker tests.
func gdSetting() (*GD, *big.Rat) {
	return NewGD([]*big.Rat{rat(1, 1), rat(1, 2)}, GDOptions{RefGrad: true, FinalGrad: true}), rat(1, 1)
}

// basicCert is THEOREMS.md §1's certificate for the basic inequality on g (L = 1).
func basicCert(g *GD, L *big.Rat) (Claim, Certificate) {
	T := g.T()
	tau := g.TotalTau()
	inv := new(big.Rat).Inv(new(big.Rat).Mul(rat(2, 1), tau))
	claim := Claim{Text: "basic", L: L, Form: g.F(T).Minus(g.FRef()).AddScaled(inv, g.Dist2(T)).AddScaled(new(big.Rat).Neg(inv), g.Dist2(0))}
	res := g.Space.NewForm()
	var terms []Term
	for t := 0; t < T; t++ {
		eta, tt := g.Steps[t], g.Tau[t]
		terms = append(terms,
			Term{Weight: new(big.Rat).Add(eta, tt), Ineq: Descent(g.Theta[t], g.Theta[t+1], L)},
			Term{Weight: new(big.Rat).Set(eta), Ineq: Convexity(g.Ref, g.Theta[t])})
		le := new(big.Rat).Mul(L, eta)
		a := new(big.Rat).Mul(new(big.Rat).Mul(rat(1, 2), new(big.Rat).Mul(eta, eta)), new(big.Rat).Sub(rat(1, 1), le))
		b := new(big.Rat).Mul(new(big.Rat).Mul(tt, eta), new(big.Rat).Sub(rat(1, 1), new(big.Rat).Mul(rat(1, 2), le)))
		res.AddScaled(new(big.Rat).Neg(new(big.Rat).Add(a, b)), Norm2(g.Theta[t].G))
	}
	return claim, Certificate{Scale: tau, Terms: terms, Residual: res.Quad()}
}

func TestCheckAcceptsTheBasicCertificate(t *testing.T) {
	g, L := gdSetting()
	claim, cert := basicCert(g, L)
	p, err := Check(claim, cert)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p.Write(&b)
	for _, want := range []string{"descent θ_0→θ_1", "convexity z vs θ_1", "R = −7/16‖g_1‖²", "∎"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("proof lacks %q:\n%s", want, b.String())
		}
	}
}

// Each way a certificate can be wrong is caught, and named.
func TestCheckNamesTheBrokenPart(t *testing.T) {
	g, L := gdSetting()
	claim, good := basicCert(g, L)
	clone := func() Certificate {
		c := good
		c.Terms = append([]Term(nil), good.Terms...)
		return c
	}
	cases := []struct {
		name string
		edit func(*Certificate)
		part Part
	}{
		{"zero scale", func(c *Certificate) { c.Scale = new(big.Rat) }, PartScale},
		{"negative multiplier", func(c *Certificate) { c.Terms[1].Weight = rat(-1, 1) }, PartMultiplier},
		{"multiplier off by 1/2", func(c *Certificate) { c.Terms[2].Weight = new(big.Rat).Add(c.Terms[2].Weight, rat(1, 2)) }, PartLinear},
		{"term dropped", func(c *Certificate) { c.Terms = c.Terms[:len(c.Terms)-1] }, PartLinear},
		{"wrong residual", func(c *Certificate) {
			r := c.Residual.Clone()
			r.Set(2, 2, rat(-1, 3))
			c.Residual = r
		}, PartQuadratic},
		{"inequality for a smaller L", func(c *Certificate) {
			// Interpolation with L = 1/1000 is far stronger than the class allows (and with it
			// the residual would even check): the checker must refuse it.
			c.Residual = nil
			c.Terms[0].Ineq = Interpolation(g.Theta[0], g.Theta[1], rat(1, 1000))
		}, PartInequality},
		{"hand-made inequality", func(c *Certificate) {
			c.Terms[0].Ineq = Inequality{Name: "made up", Form: c.Terms[0].Ineq.Form}
		}, PartInequality},
	}
	for _, tc := range cases {
		c := clone()
		tc.edit(&c)
		_, err := Check(claim, c)
		ce, ok := err.(*CheckError)
		if !ok || ce.Part != tc.part {
			t.Errorf("%s: got %v, want part %q", tc.name, err, tc.part)
		}
	}
	// A step above 1/L: the same multipliers leave a positive residual on g_0.
	g2 := NewGD([]*big.Rat{rat(5, 4), rat(1, 1)}, GDOptions{RefGrad: true, FinalGrad: true})
	claim2, cert2 := basicCert(g2, L)
	cert2.Residual = nil
	_, err := Check(claim2, cert2)
	ce, ok := err.(*CheckError)
	if !ok || ce.Part != PartResidual || ce.NotPSD == nil {
		t.Fatalf("steps 5/4, 1: got %v, want a residual failure", err)
	}
	if !strings.Contains(ce.Msg, "g_0 = u") || !strings.Contains(ce.Msg, "25/128") {
		t.Errorf("residual failure does not name the direction: %s", ce.Msg)
	}
}

// The inequality encodings have the right sign: on concrete one-dimensional data from an
// L-smooth convex function every form is ≤ 0, and on a non-convex or rougher function some
// form is > 0.
func TestInequalitiesHoldOnTheClassAndFailOffIt(t *testing.T) {
	s := NewSpace([]string{"x", "y", "g_x", "g_y"}, []string{"f(x)", "f(y)"})
	px := Point{Name: "x", X: s.Basis(0), GradName: "g_x", G: s.Basis(2), Value: 0}
	py := Point{Name: "y", X: s.Basis(1), GradName: "g_y", G: s.Basis(3), Value: 1}
	L := rat(2, 1)
	forms := map[string]Form{
		"convexity":     Convexity(px, py).Form,
		"descent":       Descent(px, py, L).Form,
		"interpolation": Interpolation(px, py, L).Form,
	}
	eval := func(f Form, x, y int64, fn func(*big.Rat) (*big.Rat, *big.Rat)) *big.Rat {
		xr, yr := rat(x, 1), rat(y, 4)
		fx, gx := fn(xr)
		fy, gy := fn(yr)
		return f.Eval1D([]*big.Rat{xr, yr, gx, gy}, []*big.Rat{fx, fy})
	}
	quad := func(c *big.Rat) func(*big.Rat) (*big.Rat, *big.Rat) { // c·x²/2
		return func(x *big.Rat) (*big.Rat, *big.Rat) {
			v := new(big.Rat).Mul(x, x)
			v.Mul(v, c)
			return v.Mul(v, rat(1, 2)), new(big.Rat).Mul(c, x)
		}
	}
	for x := int64(-3); x <= 3; x++ {
		for y := int64(-8); y <= 8; y++ {
			for name, f := range forms {
				if v := eval(f, x, y, quad(L)); v.Sign() > 0 {
					t.Fatalf("%s > 0 on Lx²/2 at x = %d, y = %d/4: %s", name, x, y, v)
				}
			}
		}
	}
	// −x²/2 is not convex; 3x²/2 is not 2-smooth.
	if v := eval(forms["convexity"], 1, 0, quad(rat(-1, 1))); v.Sign() <= 0 {
		t.Errorf("convexity not violated by −x²/2: %s", v)
	}
	if v := eval(forms["descent"], 1, 0, quad(rat(3, 1))); v.Sign() <= 0 {
		t.Errorf("descent lemma not violated by 3x²/2 with L = 2: %s", v)
	}
	if v := eval(forms["interpolation"], 1, 0, quad(rat(3, 1))); v.Sign() <= 0 {
		t.Errorf("interpolation not violated by 3x²/2 with L = 2: %s", v)
	}
}

func TestFormAlgebraAndPrinting(t *testing.T) {
	s := NewSpace([]string{"a", "b − c"}, []string{"f(a)"})
	a, b := s.Basis(0), s.Basis(1)
	f := Inner(a, b.Scale(rat(3, 1))).Plus(s.Value(0)).Minus(Norm2(a))
	if got, want := f.String(), "f(a) − ‖a‖² + 3·⟨a, b − c⟩"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
	if q := f.QuadCoef(1, 0); q.Cmp(rat(3, 2)) != 0 {
		t.Errorf("Q_ab = %s, want 3/2 (the symmetric half)", q)
	}
	if !f.Minus(f).IsZero() {
		t.Error("f − f is not zero")
	}
	if got := a.Sub(b.Scale(rat(1, 2))).String(); got != "a − 1/2·(b − c)" {
		t.Errorf("Vec.String = %q", got)
	}
}

// Eval1D (which clears denominators and sums over integers) agrees with the naive value
// Σ c_k (a_k·v)(b_k·v) + Σ w_j f_j of a form built from inner products.
func TestEval1DAgreesWithNaiveSum(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 5).Draw(t, "n")
		names := make([]string, n)
		for i := range names {
			names[i] = string(rune('a' + i))
		}
		s := NewSpace(names, []string{"f"})
		r := func(label string) *big.Rat {
			return rat(int64(rapid.IntRange(-9, 9).Draw(t, label)), int64(rapid.IntRange(1, 7).Draw(t, label+"_den")))
		}
		vec := make([]*big.Rat, n)
		for i := range vec {
			vec[i] = r("v")
		}
		fval := r("fval")
		vecOf := func() (Vec, *big.Rat) { // a random vector and its value at vec
			v := s.Zero()
			val := new(big.Rat)
			for i := 0; i < n; i++ {
				c := r("c")
				v = v.Add(s.Basis(i).Scale(c))
				val.Add(val, new(big.Rat).Mul(c, vec[i]))
			}
			return v, val
		}
		w := r("w")
		form := s.Value(0).Times(w)
		want := new(big.Rat).Mul(w, fval)
		for range rapid.IntRange(0, 4).Draw(t, "terms") {
			a, av := vecOf()
			b, bv := vecOf()
			c := r("coef")
			form.AddScaled(c, Inner(a, b))
			want.Add(want, new(big.Rat).Mul(c, new(big.Rat).Mul(av, bv)))
		}
		if got := form.Eval1D(vec, []*big.Rat{fval}); got.Cmp(want) != 0 {
			t.Fatalf("Eval1D = %s, naive %s, form %s", got, want, form)
		}
	})
}

// dtClaim is Drori–Teboulle's claim for N steps of size 1/L (L = 1), with the coefficient of
// ‖θ_0 − x*‖² multiplied by 1 + eps, and every interpolation inequality between the points.
func dtClaim(N int, eps *big.Rat) (Claim, []Inequality) {
	L := rat(1, 1)
	steps := make([]*big.Rat, N)
	for i := range steps {
		steps[i] = rat(1, 1)
	}
	g := NewGD(steps, GDOptions{Ref: "x*", RefMinimizer: true, FinalGrad: true})
	coef := new(big.Rat).Mul(rat(1, int64(4*N+2)), new(big.Rat).Add(rat(1, 1), eps))
	claim := Claim{L: L, Text: "Drori–Teboulle", Form: g.F(N).Minus(g.FRef()).AddScaled(new(big.Rat).Neg(coef), g.Dist2(0))}
	pts := append(append([]Point(nil), g.Theta...), g.Ref)
	var cands []Inequality
	for i := range pts {
		for j := range pts {
			if i != j {
				cands = append(cands, Interpolation(pts[i], pts[j], L))
			}
		}
	}
	return claim, cands
}

// The automatic search certifies Drori–Teboulle's bound with a margin over the complete set
// of interpolation inequalities (whose optimal multipliers are not unique), finds no
// certificate for a bound 10% too strong, and every proof it returns passed Check.
func TestAutoCertificate(t *testing.T) {
	claim, cands := dtClaim(3, rat(1, 1000000))
	pr, ar, err := AutoCertificate(claim, cands)
	if err != nil || pr == nil {
		t.Fatalf("weakened N = 3: %v (solver t = %g)", err, ar.SDP.T)
	}
	if _, err := Check(pr.Claim, pr.Cert); err != nil {
		t.Fatalf("returned proof does not check: %v", err)
	}
	strong, cands := dtClaim(3, rat(-1, 10))
	_, ar, err = AutoCertificate(strong, cands)
	var nc *NoCertificateError
	if !errors.As(err, &nc) || ar.SDP.T >= 0 {
		t.Fatalf("a bound 10%% below the tight one was certified or misreported: %v (t = %g)", err, ar.SDP.T)
	}
}
