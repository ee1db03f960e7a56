package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// BenchmarkBasicInequalityGDCheck measures whole checks of basic-inequality/gd (draw an
// instance, run GD for up to 500 steps, evaluate every proof step) and reports checks/s.
func BenchmarkBasicInequalityGDCheck(b *testing.B) {
	benchChecks(b, "basic-inequality/gd")
}

// benchChecks runs b.N whole checks of theorem id (seed 1) and reports checks/s; the theorem
// must hold.
func benchChecks(b *testing.B, id string) {
	th, _ := theorems.Lookup(id)
	b.ReportAllocs()
	res := checks.CheckTheorem(th, checks.Config{Checks: b.N, Seed: 1})
	if res.Status != checks.StatusHolds {
		b.Fatalf("status %s: %+v", res.Status, res.Counterexample)
	}
	b.ReportMetric(float64(res.Checks)/b.Elapsed().Seconds(), "checks/s")
}
