// Package stats holds the confidence intervals statistical and empirical checks report:
// Wilson score intervals for success rates and normal-approximation intervals for means.
package stats

import "math"

// Z999 is the standard normal quantile for one-sided 99.9% (two-sided 99.8%) bounds, the
// confidence the suite uses for Monte Carlo decisions so that a correct theorem fails a
// seeded CI run with probability about 1e-3 at most per decision.
const Z999 = 3.090232306167813

// LevelPerInstance is the false-violation probability allowed to one Monte Carlo decision made
// inside a rapid property. A property runs on thousands of instances per theorem and millions
// per campaign, so a per-instance level of 1e-3 would make a correct theorem fail routinely
// whenever its bound is nearly tight; 1e-9 keeps the family-wise rate of a million-instance
// campaign near 1e-3.
const LevelPerInstance = 1e-9

// Quantile returns the standard normal z with P(Z > z) = alpha (one-sided).
func Quantile(alpha float64) float64 { return math.Sqrt2 * math.Erfinv(1-2*alpha) }

// Wilson returns the Wilson score interval for k successes in n trials at normal quantile z.
// It is well behaved at k = 0 and k = n, unlike the Wald interval.
func Wilson(k, n int, z float64) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	p := float64(k) / float64(n)
	nf := float64(n)
	z2 := z * z
	den := 1 + z2/nf
	centre := (p + z2/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z2/(4*nf*nf)) / den
	lo, hi = math.Max(0, centre-half), math.Min(1, centre+half)
	// At k = 0 the lower limit is exactly 0 (and at k = n the upper exactly 1); centre − half
	// would leave a rounding residue of about 1e-17 there.
	if k == 0 {
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}

// MeanInterval returns the sample mean of xs and the normal-approximation interval
// mean ± z·s/√n (s the sample standard deviation), computed with compensated sums.
func MeanInterval(xs []float64, z float64) (mean, lo, hi float64) {
	n := float64(len(xs))
	if n == 0 {
		return math.NaN(), math.Inf(-1), math.Inf(1)
	}
	var s, c float64
	for _, x := range xs { // Neumaier summation
		t := s + x
		if math.Abs(s) >= math.Abs(x) {
			c += (s - t) + x
		} else {
			c += (x - t) + s
		}
		s = t
	}
	mean = (s + c) / n
	if len(xs) == 1 {
		return mean, math.Inf(-1), math.Inf(1)
	}
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	se := math.Sqrt(ss/(n-1)) / math.Sqrt(n)
	return mean, mean - z*se, mean + z*se
}
