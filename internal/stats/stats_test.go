package stats

import (
	"math"
	"testing"
)

func TestWilsonKnownValues(t *testing.T) {
	// Reference values: Wilson interval at z = 1.96 (95%).
	cases := []struct {
		k, n   int
		lo, hi float64
	}{
		{0, 10, 0, 0.2775327998},
		{10, 10, 0.7224672002, 1},
		{5, 10, 0.2365930905, 0.7634069095},
		{81, 263, 0.2553, 0.3662},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.k, c.n, 1.96)
		if math.Abs(lo-c.lo) > 1e-4 || math.Abs(hi-c.hi) > 1e-4 {
			t.Errorf("Wilson(%d, %d) = [%.6f, %.6f], want [%.6f, %.6f]", c.k, c.n, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := Wilson(0, 0, 1.96); lo != 0 || hi != 1 {
		t.Errorf("no trials: [%g, %g]", lo, hi)
	}
}

func TestMeanInterval(t *testing.T) {
	m, lo, hi := MeanInterval([]float64{1, 2, 3, 4}, 2)
	se := math.Sqrt(5.0/3) / 2
	if m != 2.5 || math.Abs(lo-(2.5-2*se)) > 1e-15 || math.Abs(hi-(2.5+2*se)) > 1e-15 {
		t.Fatalf("got %g [%g, %g]", m, lo, hi)
	}
	if _, lo, hi := MeanInterval([]float64{7}, 2); !math.IsInf(lo, -1) || !math.IsInf(hi, 1) {
		t.Fatal("one sample must give an unbounded interval")
	}
}

func TestQuantile(t *testing.T) {
	if z := Quantile(0.001); math.Abs(z-Z999) > 1e-12 {
		t.Errorf("Quantile(0.001) = %.15g, want %.15g", z, Z999)
	}
	if z := Quantile(LevelPerInstance); math.Abs(z-5.997807015) > 1e-8 {
		t.Errorf("Quantile(1e-9) = %.12g", z)
	}
}

// The Wilson interval's ends are exact at k = 0 and k = n.
func TestWilsonExactEnds(t *testing.T) {
	for _, n := range []int{1, 7, 48, 1000} {
		if lo, hi := Wilson(0, n, Z999); lo != 0 || !(hi > 0 && hi < 1) {
			t.Errorf("k = 0, n = %d: [%v, %v]", n, lo, hi)
		}
		if lo, hi := Wilson(n, n, Z999); hi != 1 || !(lo > 0 && lo < 1) {
			t.Errorf("k = n = %d: [%v, %v]", n, lo, hi)
		}
	}
}
