package numeric

import "math"

// Below 2⁻⁹⁶⁹ (= 2⁻¹⁰²²·2⁵³) a product or quotient may land in the subnormal range, where the
// rounding error itself is not representable and the fused multiply-add cannot reveal its
// sign; there the directed versions step one ulp outward unconditionally, which is always
// safe (the error of rounding to nearest is at most half an ulp).
const tinyResult = 0x1p-969

// MulUp returns a double p ≥ a·b (exact product), the smallest such when a·b is finite and
// at least 2⁻⁹⁶⁹ in magnitude (one ulp above it otherwise):
// the product is rounded to nearest and, when the exact rounding error (recovered with a
// fused multiply-add) shows that it was rounded down, moved up one ulp. NaN in, NaN out.
func MulUp(a, b float64) float64 {
	p := a * b
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return p
	}
	if math.Abs(p) < tinyResult {
		if a == 0 || b == 0 {
			return p
		}
		return math.Nextafter(p, math.Inf(1))
	}
	// FMA(a, b, −p) = a·b − p rounded once; its sign is the sign of the exact error.
	if math.FMA(a, b, -p) > 0 {
		p = math.Nextafter(p, math.Inf(1))
	}
	return p
}

// MulDown returns a double p ≤ a·b (exact product), the largest such when a·b is finite and
// at least 2⁻⁹⁶⁹ in magnitude (one ulp below it otherwise).
func MulDown(a, b float64) float64 {
	p := a * b
	if math.IsNaN(p) || math.IsInf(p, 0) {
		return p
	}
	if math.Abs(p) < tinyResult {
		if a == 0 || b == 0 {
			return p
		}
		return math.Nextafter(p, math.Inf(-1))
	}
	if math.FMA(a, b, -p) < 0 {
		p = math.Nextafter(p, math.Inf(-1))
	}
	return p
}

// DivUp returns a double q ≥ a/b (exact quotient), the smallest such when a/b is finite, not
// tiny (see MulUp) and
// b ≠ 0: the quotient is rounded to nearest and corrected by the exact sign of q·b − a.
func DivUp(a, b float64) float64 {
	q := a / b
	if math.IsNaN(q) || math.IsInf(q, 0) || b == 0 {
		return q
	}
	if math.Abs(q) < tinyResult || math.Abs(a) < tinyResult {
		if a == 0 {
			return q
		}
		return math.Nextafter(q, math.Inf(1))
	}
	// r = q·b − a (one rounding, exact sign). q < a/b ⇔ r·sign(b) < 0.
	r := math.FMA(q, b, -a)
	if (b > 0 && r < 0) || (b < 0 && r > 0) {
		q = math.Nextafter(q, math.Inf(1))
	}
	return q
}

// DivDown returns a double q ≤ a/b (exact quotient), the largest such when a/b is finite and
// not tiny (see MulUp).
func DivDown(a, b float64) float64 {
	q := a / b
	if math.IsNaN(q) || math.IsInf(q, 0) || b == 0 {
		return q
	}
	if math.Abs(q) < tinyResult || math.Abs(a) < tinyResult {
		if a == 0 {
			return q
		}
		return math.Nextafter(q, math.Inf(-1))
	}
	r := math.FMA(q, b, -a)
	if (b > 0 && r > 0) || (b < 0 && r < 0) {
		q = math.Nextafter(q, math.Inf(-1))
	}
	return q
}
