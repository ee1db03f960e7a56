package theorems_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/pep"
	"github.com/implicitreg/verify/theorems"
)

// proveTB is what proveCase needs of *testing.T and *rapid.T.
type proveTB interface {
	Helper()
	Fatalf(format string, args ...any)
}

func proveCase(t proveTB, id string, L *big.Rat, steps ...*big.Rat) *theorems.ProveCase {
	t.Helper()
	p, ok := theorems.LookupProvable(id)
	if !ok {
		t.Fatalf("%s is not provable", id)
	}
	c, err := p.Prepare(theorems.ProveInput{Steps: steps, L: L})
	if err != nil {
		t.Fatalf("%s: %v", id, err)
	}
	return c
}

func constSteps(eta *big.Rat, T int) []*big.Rat {
	out := make([]*big.Rat, T)
	for i := range out {
		out[i] = eta
	}
	return out
}

// drawL draws a rational smoothness constant in [1/9, 9].
func drawL(t *rapid.T) *big.Rat {
	return big.NewRat(int64(rapid.IntRange(1, 9).Draw(t, "L_num")), int64(rapid.IntRange(1, 9).Draw(t, "L_den")))
}

// drawStep draws η = (a/b)/L with 0 < a/b ≤ hi (a rational fraction of 1/L).
func drawStep(t *rapid.T, L *big.Rat, hi int64, label string) *big.Rat {
	b := int64(rapid.IntRange(1, 12).Draw(t, label+"_den"))
	a := int64(rapid.IntRange(1, int(hi*b)).Draw(t, label+"_num"))
	return new(big.Rat).Quo(big.NewRat(a, b), L)
}

// The encoded certificate of THEOREMS.md §1 checks exactly for every rational schedule with
// η_t ≤ 1/L and T up to 50, for the basic inequality and for the classical rate.
func TestProveCertificatesOnRandomRationalSchedules(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		L := drawL(t)
		T := rapid.IntRange(1, 50).Draw(t, "T")
		steps := make([]*big.Rat, T)
		for i := range steps {
			steps[i] = drawStep(t, L, 1, "eta")
		}
		for _, id := range []string{"basic-inequality/gd", "pep/gd-rate"} {
			c := proveCase(t, id, L, steps...)
			if _, err := pep.Check(c.Claim, *c.Cert); err != nil {
				t.Fatalf("%s, L = %s, steps %s: %v", id, L.RatString(), theorems.FormatSteps(steps), err)
			}
		}
	})
}

// The large-step certificate checks for every constant step with 0 < Lη < 2 (the statement
// assumes 1 < Lη < 2), and fails on its multipliers for Lη > 2.
func TestProveLargeStepCertificate(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		L := drawL(t)
		T := rapid.IntRange(1, 30).Draw(t, "T")
		eta := drawStep(t, L, 3, "eta")
		Leta := new(big.Rat).Mul(L, eta)
		if Leta.Cmp(big.NewRat(2, 1)) == 0 {
			t.Skip("κ undefined at Lη = 2")
		}
		c := proveCase(t, "basic-inequality/gd-large-step", L, constSteps(eta, T)...)
		_, err := pep.Check(c.Claim, *c.Cert)
		if Leta.Cmp(big.NewRat(2, 1)) < 0 {
			if err != nil {
				t.Fatalf("Lη = %s, T = %d: %v", Leta.RatString(), T, err)
			}
			return
		}
		var ce *pep.CheckError
		if !errors.As(err, &ce) || ce.Part != pep.PartMultiplier {
			t.Fatalf("Lη = %s > 2: got %v, want a negative multiplier", Leta.RatString(), err)
		}
	})
}

// Control: with a first step above 1/L the same multipliers leave a residual that is
// positive along g_0 (its coefficient is (η_0²/2)(Lη_0 − 1) > 0), so the check must fail.
func TestProveCertificateFailsWhenTheFirstStepExceedsInvL(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		L := drawL(t)
		T := rapid.IntRange(1, 20).Draw(t, "T")
		steps := make([]*big.Rat, T)
		for i := range steps {
			steps[i] = drawStep(t, L, 1, "eta")
		}
		b := int64(rapid.IntRange(1, 12).Draw(t, "big_den"))
		a := int64(rapid.IntRange(int(b)+1, int(2*b)).Draw(t, "big_num")) // a/b in (1, 2]
		steps[0] = new(big.Rat).Quo(big.NewRat(a, b), L)
		c := proveCase(t, "basic-inequality/gd", L, steps...)
		_, err := pep.Check(c.Claim, *c.Cert)
		var ce *pep.CheckError
		if !errors.As(err, &ce) || ce.Part != pep.PartResidual || ce.NotPSD.Pivot != 1 {
			t.Fatalf("η_0 = %s > 1/L: got %v, want a residual failure at g_0", steps[0].RatString(), err)
		}
	})
}

// The symbolic claim (the Form the certificate is checked against) and the claim's formula
// used by the numerical searches agree: the exact replay of a rational instance gives the
// same LHS − RHS as the floating-point evaluation through algorithms.GradientDescent.
func TestProveClaimFormMatchesTheFormula(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		id := rapid.SampledFrom(theorems.ProvableIDs()).Draw(t, "id")
		L := drawL(t)
		T := rapid.IntRange(1, 6).Draw(t, "T")
		eta := drawStep(t, L, 1, "eta")
		c := proveCase(t, id, L, constSteps(eta, T)...)
		Lf, _ := L.Float64()
		pick := func(label string, lo, hi int) float64 {
			return float64(rapid.IntRange(lo, hi).Draw(t, label)) / 8
		}
		inst := theorems.ProveInstance{
			Lambda: Lf * float64(rapid.IntRange(1, 8).Draw(t, "lambda8")) / 8,
			Lo:     math.Inf(1), Hi: math.Inf(1),
			X0: pick("x0", -40, 40), Z: pick("z", -40, 40),
		}
		if rapid.Bool().Draw(t, "kinks") {
			inst.Lo, inst.Hi = pick("lo", 0, 16), pick("hi", 0, 16)
		}
		ev := c.Evaluate(inst)
		ex, err := c.ExactGap(inst)
		if err != nil {
			t.Fatal(err)
		}
		gap, _ := ex.Gap.Float64()
		// Both are LHS − RHS; the float one is scaled by the claim's own normalisation (e.g. ηT
		// for gd-large-step), so compare after the same scaling.
		fgap := ev.LHS - ev.RHS
		if math.Abs(fgap-gap) > 1e-9*(ev.Claim.Scale+1) {
			t.Fatalf("%s on %s: formula gives LHS − RHS = %.17g, the claim's Form %.17g", id, c.Describe(inst), fgap, gap)
		}
	})
}

// THEOREMS.md §1's counterexample to steps above 1/L (η = 1.978 on x²/2, x_0 = −1.984,
// z = −1.692, LHS − RHS ≈ +3.77 there) is confirmed by the exact replay.
func TestProveCatalogueCounterexampleIsExact(t *testing.T) {
	c := proveCase(t, "basic-inequality/gd", big.NewRat(1, 1), big.NewRat(989, 500))
	ex, err := c.ExactGap(theorems.ProveInstance{Lambda: 1, Lo: math.Inf(1), Hi: math.Inf(1), X0: -1.984, Z: -1.692})
	if err != nil {
		t.Fatal(err)
	}
	gap, _ := ex.Gap.Float64()
	if math.Abs(gap-3.77) > 0.01 {
		t.Fatalf("LHS − RHS = %s ≈ %g, want ≈ +3.77", ex.Gap.RatString(), gap)
	}
}

// Drori–Teboulle's Huber instance attains the bound exactly (LHS − RHS = 0 in rational
// arithmetic) for every N ≤ 10 and h ∈ {1, 1/2}; PEPit's golden value for L = 3, N = 4,
// h = 1 is 0.1666667 = 3/18.
func TestProveDroriTeboulleExtremalIsExact(t *testing.T) {
	L := big.NewRat(3, 1)
	for _, h := range []*big.Rat{big.NewRat(1, 1), big.NewRat(1, 2)} {
		for N := 1; N <= 10; N++ {
			c := proveCase(t, "pep/drori-teboulle", L, constSteps(new(big.Rat).Quo(h, L), N)...)
			ex := c.Confirm(*c.Extremal, 0)
			if ex == nil || ex.Gap.Sign() != 0 {
				t.Fatalf("h = %s, N = %d: extremal instance gives %v, want LHS − RHS = 0", h.RatString(), N, ex)
			}
			if ev := c.Evaluate(*c.Extremal); math.Abs(ev.Ratio-1) > 1e-12 {
				t.Errorf("h = %s, N = %d: floating-point ratio %.17g", h.RatString(), N, ev.Ratio)
			}
		}
	}
	c := proveCase(t, "pep/drori-teboulle", L, constSteps(big.NewRat(1, 3), 4)...)
	if ev := c.Evaluate(*c.Extremal); math.Abs(ev.LHS-3.0/18) > 1e-15 {
		t.Errorf("L = 3, N = 4: f(θ_4) − f* = %.17g, PEPit's golden value is 0.1666667 = 3/18", ev.LHS)
	}
}

func TestProveRejectsInputOutsideTheClaim(t *testing.T) {
	one := big.NewRat(1, 1)
	cases := []struct {
		id    string
		L     *big.Rat
		steps []*big.Rat
	}{
		{"basic-inequality/gd", one, nil},
		{"basic-inequality/gd", one, []*big.Rat{big.NewRat(0, 1)}},
		{"basic-inequality/gd", big.NewRat(0, 1), []*big.Rat{one}},
		{"basic-inequality/gd-large-step", one, []*big.Rat{one, big.NewRat(3, 2)}},
		{"basic-inequality/gd-large-step", one, []*big.Rat{big.NewRat(2, 1)}}, // κ undefined
		{"pep/drori-teboulle", one, []*big.Rat{one, big.NewRat(1, 2)}},
	}
	for _, tc := range cases {
		p, _ := theorems.LookupProvable(tc.id)
		if _, err := p.Prepare(theorems.ProveInput{Steps: tc.steps, L: tc.L}); err == nil {
			t.Errorf("%s with L = %v, steps %v: accepted", tc.id, tc.L, tc.steps)
		}
	}
}
