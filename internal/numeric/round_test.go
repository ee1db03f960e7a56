package numeric

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

func exactProduct(a, b float64) *big.Float {
	return new(big.Float).SetPrec(2000).Mul(new(big.Float).SetPrec(2000).SetFloat64(a), new(big.Float).SetPrec(2000).SetFloat64(b))
}

func exactQuotient(a, b float64) *big.Float {
	return new(big.Float).SetPrec(2000).Quo(new(big.Float).SetPrec(2000).SetFloat64(a), new(big.Float).SetPrec(2000).SetFloat64(b))
}

func TestDirectedRounding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	draw := func() float64 {
		return (r.Float64()*2 - 1) * math.Ldexp(1, r.IntN(200)-100)
	}
	cases := [][2]float64{{1, 3}, {0.1, 0.1}, {1e-170, 1e-170}, {1e-300, 3e-20}, {-1, 3}, {3, 7}}
	for range 2000 {
		cases = append(cases, [2]float64{draw(), draw()})
	}
	for _, c := range cases {
		a, b := c[0], c[1]
		p := exactProduct(a, b)
		up, down := MulUp(a, b), MulDown(a, b)
		if new(big.Float).SetFloat64(up).Cmp(p) < 0 || new(big.Float).SetFloat64(down).Cmp(p) > 0 {
			t.Fatalf("MulUp/MulDown(%g, %g) = %g, %g do not bracket the exact product", a, b, up, down)
		}
		if math.Abs(a*b) >= tinyResult && up != a*b && new(big.Float).SetFloat64(a*b).Cmp(p) >= 0 {
			t.Fatalf("MulUp(%g, %g) = %g is not tight: the nearest product was already an upper bound", a, b, up)
		}
		if b == 0 {
			continue
		}
		q := exactQuotient(a, b)
		up, down = DivUp(a, b), DivDown(a, b)
		if new(big.Float).SetFloat64(up).Cmp(q) < 0 || new(big.Float).SetFloat64(down).Cmp(q) > 0 {
			t.Fatalf("DivUp/DivDown(%g, %g) = %g, %g do not bracket the exact quotient", a, b, up, down)
		}
		if up != down && math.Nextafter(down, math.Inf(1)) != up && math.Abs(a/b) >= tinyResult && math.Abs(a) >= tinyResult {
			t.Fatalf("DivUp/DivDown(%g, %g) = %g, %g are more than one ulp apart", a, b, up, down)
		}
	}
	if MulUp(0, 5) != 0 || DivUp(0, 5) != 0 {
		t.Error("exact zero must stay zero")
	}
}
