package checks_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func proveCase(t *testing.T, id string, L *big.Rat, steps ...*big.Rat) *theorems.ProveCase {
	t.Helper()
	p, _ := theorems.LookupProvable(id)
	c, err := p.Prepare(theorems.ProveInput{Steps: steps, L: L})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func repeat(eta *big.Rat, n int) []*big.Rat {
	out := make([]*big.Rat, n)
	for i := range out {
		out[i] = eta
	}
	return out
}

// The stretch and its third must-show: the automatic search proves the
// Drori–Teboulle bound exactly for N = 1…10 (L = 3, step 1/L, PEPit's setting), and the
// targeted search on the Huber family, started from random points, reaches at least 0.999
// of L‖θ_0 − x*‖²/(4N + 2) without ever exceeding it.
func TestProveDroriTeboulleUpToN10(t *testing.T) {
	L := big.NewRat(3, 1)
	for N := 1; N <= 10; N++ {
		c := proveCase(t, "pep/drori-teboulle", L, repeat(big.NewRat(1, 3), N)...)
		res := checks.Prove(c, checks.ProveOptions{Auto: true, Search: checks.TargetOptions{Seed: uint64(N)}})
		if !res.Proved() || !strings.Contains(res.ProofBy, "automatic search") {
			t.Fatalf("N = %d: not proved automatically: %+v", N, res.Auto)
		}
		if res.Inconsistent != "" {
			t.Fatalf("N = %d: %s", N, res.Inconsistent)
		}
		var huber *checks.ProveSearch
		for i := range res.Tightness {
			if res.Tightness[i].Family == "huber" {
				huber = &res.Tightness[i]
			}
		}
		if huber == nil || !huber.Found {
			t.Fatalf("N = %d: no Huber search result", N)
		}
		r := huber.ExactRatio
		in := huber.Best.Instance
		t.Logf("N = %2d: best LHS/RHS %.10f (float %.10f) on %s; δ/|θ_0 − x*| = %.6f, Drori–Teboulle's 1/(2N+1) = %.6f",
			N, r, huber.Best.Ratio, c.Describe(in), in.Lo/math.Abs(in.X0), 1/float64(2*N+1))
		if !(r >= 0.999) || r > 1 || huber.ExactGap.Sign() > 0 {
			t.Errorf("N = %d: Huber search reached LHS/RHS = %.9f (exact gap %s), want in [0.999, 1]", N, r, huber.ExactGap.RatString())
		}
	}
}

// A schedule whose first step exceeds 1/L: every certificate fails, the solver finds none
// even over all interpolation inequalities, and the search finds a counterexample that the
// exact replay confirms.
func TestProveFindsAnExactCounterexample(t *testing.T) {
	c := proveCase(t, "basic-inequality/gd", big.NewRat(1, 1), big.NewRat(5, 4), big.NewRat(1, 4))
	res := checks.Prove(c, checks.ProveOptions{Auto: true})
	if res.Proved() {
		t.Fatalf("proved by %s", res.ProofBy)
	}
	if res.NoCertificate == "" {
		t.Errorf("the complete SDP should find no certificate: %+v", res.Auto)
	}
	cx := res.Counterexample
	if cx == nil || cx.Exact == nil || cx.Exact.Gap.Sign() <= 0 {
		t.Fatalf("no exact counterexample: %+v", cx)
	}
	t.Logf("counterexample: %s; LHS − RHS = %s", cx.Exact.Instance, cx.Exact.Gap.RatString())
}

// Steps above 1/L do not always break the claim: with steps 1, 5/4 the encoded certificate
// still checks (its residual coefficient at g_1 is 35/128 ≥ 0), and with 5/4, 1 it fails but
// the automatic search finds another certificate. Both are exact proofs.
func TestProveStepsAboveInvLCanStillBeProved(t *testing.T) {
	one := big.NewRat(1, 1)
	r1 := checks.Prove(proveCase(t, "basic-inequality/gd", one, one, big.NewRat(5, 4)), checks.ProveOptions{Auto: true})
	if !r1.Proved() || !strings.Contains(r1.ProofBy, "encoded") {
		t.Fatalf("steps 1, 5/4: %+v %+v", r1.Attempts, r1.Auto)
	}
	r2 := checks.Prove(proveCase(t, "basic-inequality/gd", one, big.NewRat(5, 4), one), checks.ProveOptions{Auto: true})
	if !r2.Proved() || !strings.Contains(r2.ProofBy, "automatic") || len(r2.Attempts) != 1 {
		t.Fatalf("steps 5/4, 1: %+v %+v", r2.Attempts, r2.Auto)
	}
	for _, r := range []*checks.ProveResult{r1, r2} {
		if r.Inconsistent != "" || r.Counterexample != nil {
			t.Errorf("proved claim with a counterexample: %s %+v", r.Inconsistent, r.Counterexample)
		}
	}
}

// A proved claim is never violated by the searched instances beyond rounding (the exact
// replay of each family's best instance satisfies it).
func TestProveProvedClaimsSurviveTheSearch(t *testing.T) {
	L := big.NewRat(2, 1)
	steps := []*big.Rat{big.NewRat(1, 2), big.NewRat(1, 4), big.NewRat(1, 3)}
	for _, id := range []string{"basic-inequality/gd", "pep/gd-rate"} {
		res := checks.Prove(proveCase(t, id, L, steps...), checks.ProveOptions{})
		if !res.Proved() || res.Inconsistent != "" {
			t.Fatalf("%s: proved %v, %s", id, res.Proved(), res.Inconsistent)
		}
		for _, s := range res.Tightness {
			if s.ExactGap == nil || s.ExactGap.Sign() > 0 {
				t.Errorf("%s, %s family: exact gap %v on the best instance", id, s.Family, s.ExactGap)
			}
		}
	}
}

// The hill climber finds the maximum of a smooth score from random starts.
func TestTargetClimbs(t *testing.T) {
	draw := func(r *rand.Rand) []float64 { return []float64{r.Float64()*20 - 10, r.Float64()*20 - 10} }
	score := func(u []float64) (float64, bool) {
		return -(u[0]-3)*(u[0]-3) - 4*(u[1]+1)*(u[1]+1), true
	}
	res := checks.Target(draw, score, checks.TargetOptions{Restarts: 3, Steps: 300, Seed: 9})
	if !res.Found || res.Score < -1e-8 || math.Abs(res.Best[0]-3) > 1e-3 {
		t.Fatalf("best %v, score %g", res.Best, res.Score)
	}
	again := checks.Target(draw, score, checks.TargetOptions{Restarts: 3, Steps: 300, Seed: 9})
	if again.Score != res.Score {
		t.Errorf("same seed, different result: %g vs %g", again.Score, res.Score)
	}
	none := checks.Target(draw, func([]float64) (float64, bool) { return 0, false }, checks.TargetOptions{Restarts: 2, Steps: 5})
	if none.Found {
		t.Error("found a point where every score is invalid")
	}
}
