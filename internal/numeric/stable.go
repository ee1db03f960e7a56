package numeric

import "math"

// Log1pExp returns log(1 + eˣ) (softplus) to full relative accuracy for every finite x,
// following Mächler (2012), "Accurately computing log(1 − exp(−|a|))":
//
//	x ≤ −37         eˣ               (log(1+u) = u to double precision)
//	−37 < x ≤ 18    log1p(eˣ)
//	18 < x ≤ 33.3   x + e⁻ˣ
//	x > 33.3        x
func Log1pExp(x float64) float64 {
	switch {
	case x <= -37:
		return math.Exp(x)
	case x <= 18:
		return math.Log1p(math.Exp(x))
	case x <= 33.3:
		return x + math.Exp(-x)
	default:
		return x
	}
}

// Sigmoid returns 1/(1 + e⁻ˣ) without overflow: for x < 0 it evaluates eˣ/(1 + eˣ), so the
// result keeps full relative accuracy even when it is tiny.
func Sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// LogSumExp returns log Σ exp(x_i) without overflow, by factoring out the maximum.
// An empty slice gives −Inf (log of an empty sum); any NaN gives NaN; a +Inf entry gives +Inf.
func LogSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		if math.IsNaN(v) {
			return v
		}
		if v > m {
			m = v
		}
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}
