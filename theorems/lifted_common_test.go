package theorems

import (
	"math"
	"testing"
)

func TestLtFisherKnownValues(t *testing.T) {
	for _, c := range []struct {
		k1, n1, k2, n2 int
		want           float64
	}{
		{3, 4, 1, 4, 34.0 / 70},           // the lady tasting tea, two-sided
		{0, 10, 9, 10, 2 * 10.0 / 167960}, // only the two extreme tables are as unlikely
		{9, 10, 10, 10, 1},
		{5, 10, 5, 10, 1},
	} {
		if got := ltFisher(c.k1, c.n1, c.k2, c.n2); math.Abs(got-c.want) > 1e-12*math.Max(1, c.want) {
			t.Errorf("Fisher(%d/%d, %d/%d) = %v, want %v", c.k1, c.n1, c.k2, c.n2, got, c.want)
		}
	}
}

func TestLtWilsonExactEnds(t *testing.T) {
	for _, n := range []int{1, 7, 10, 32} {
		if lo, _ := cnWilson(0, n); lo != 0 {
			t.Errorf("Wilson lower bound of 0/%d = %v, want 0", n, lo)
		}
		if _, hi := cnWilson(n, n); hi != 1 {
			t.Errorf("Wilson upper bound of %d/%d = %v, want 1", n, n, hi)
		}
	}
}
