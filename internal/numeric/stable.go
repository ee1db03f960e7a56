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

// Log is math.Log, correct for subnormal arguments too: on amd64, math.Log is wrong below
// 2⁻¹⁰²² (math.Log(1e-310) gives −709.09 instead of −713.80; golang/go#56600), so the
// argument is scaled into the normal range first. Use it for logs of weights that may have
// underflowed.
func Log(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}
