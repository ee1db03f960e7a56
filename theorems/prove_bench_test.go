package theorems_test

import (
	"math/big"
	"testing"

	"github.com/implicitreg/verify/internal/pep"
)

// benchSchedule is a T = 50 schedule with varied denominators, all ≤ 1/L for L = 3.
func benchSchedule() (*big.Rat, []*big.Rat) {
	L := big.NewRat(3, 1)
	steps := make([]*big.Rat, 50)
	for t := range steps {
		steps[t] = big.NewRat(int64(1+t%7), int64(3*(1+t%7)+t%5)) // (1+t%7)/(3(1+t%7) + t%5) ≤ 1/3
	}
	return L, steps
}

// Building the T = 50 claim and its certificate, then checking it exactly: the figure the
// issue asks to stay under a second.
func BenchmarkProveBasicGDT50(b *testing.B) {
	L, steps := benchSchedule()
	for b.Loop() {
		c := proveCase(b, "basic-inequality/gd", L, steps...)
		if _, err := pep.Check(c.Claim, *c.Cert); err != nil {
			b.Fatal(err)
		}
	}
}

// The exact check alone (multipliers, value and quadratic identities, LDLᵀ).
func BenchmarkProveCheckOnlyBasicGDT50(b *testing.B) {
	L, steps := benchSchedule()
	c := proveCase(b, "basic-inequality/gd", L, steps...)
	for b.Loop() {
		if _, err := pep.Check(c.Claim, *c.Cert); err != nil {
			b.Fatal(err)
		}
	}
}

// The classical rate at T = 50: its residual is dense (−½‖θ_T − z‖² couples every vector),
// so the LDLᵀ does real work.
func BenchmarkProveCheckOnlyRateT50(b *testing.B) {
	L, steps := benchSchedule()
	c := proveCase(b, "pep/gd-rate", L, steps...)
	for b.Loop() {
		if _, err := pep.Check(c.Claim, *c.Cert); err != nil {
			b.Fatal(err)
		}
	}
}

// The automatic search for Drori–Teboulle at N = 10 (SDP, rounding, exact check).
func BenchmarkProveAutoDroriTeboulleN10(b *testing.B) {
	L := big.NewRat(3, 1)
	c := proveCase(b, "pep/drori-teboulle", L, constSteps(big.NewRat(1, 3), 10)...)
	set := c.CandidateSets()[0]
	for b.Loop() {
		if _, _, err := pep.AutoCertificate(c.Claim, set.Ineqs); err != nil {
			b.Fatal(err)
		}
	}
}
