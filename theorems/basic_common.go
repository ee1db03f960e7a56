package theorems

import (
	"math"

	"github.com/implicitreg/verify/generators"
)

// valueScaler is implemented by instances that know the magnitude of the terms their Value
// sums (so rounding is judged against them, not against a possibly cancelled f(x)).
type valueScaler interface {
	ValueScale(x []float64) float64
}

// value returns f(x) and the scale its rounding error is proportional to.
func value(f interface{ Value([]float64) float64 }, x []float64) (v, scale float64) {
	v = f.Value(x)
	if s, ok := f.(valueScaler); ok {
		return v, math.Max(s.ValueScale(x), math.Abs(v))
	}
	return v, math.Abs(v)
}

// dotDiff returns ⟨g, a − b⟩ and Σ|g_i|(|a_i| + |b_i|), the magnitude of its terms.
func dotDiff(g, a, b []float64) (dot, scale float64) {
	for i, gi := range g {
		dot += gi * (a[i] - b[i])
		scale += math.Abs(gi) * (math.Abs(a[i]) + math.Abs(b[i]))
	}
	return dot, scale
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

// discard turns a generator's degenerate-draw error into discarded evidence.
func discard(err error) Evidence {
	if reason, ok := generators.IsDegenerate(err); ok {
		return Discarded(reason)
	}
	panic(err) // not a degenerate draw: a bug, reported as an error with its replay command
}
