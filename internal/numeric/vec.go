package numeric

import "math"

// Eps is the machine epsilon of float64, 2⁻⁵²: the gap between 1 and the next larger double.
// The unit roundoff (relative error of one correctly rounded operation) is Eps/2.
const Eps = 0x1p-52

func checkLen(a, b []float64) {
	if len(a) != len(b) {
		panic("numeric: length mismatch")
	}
}

// Dot returns Σ a_i b_i. It panics if the lengths differ.
func Dot(a, b []float64) float64 {
	checkLen(a, b)
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

// Norm2Sq returns Σ a_i², the plain sum of squares. Squares of entries below about 1e-154
// underflow and entries above about 1e154 overflow; use [Norm2] (scaled) or
// [CertifiedNorm2Sq] when the magnitude is unknown.
func Norm2Sq(a []float64) float64 {
	var s float64
	for _, v := range a {
		s += v * v
	}
	return s
}

// Dist2Sq returns ‖a − b‖² = Σ (a_i − b_i)². It panics if the lengths differ.
func Dist2Sq(a, b []float64) float64 {
	checkLen(a, b)
	var s float64
	for i, v := range a {
		d := v - b[i]
		s += d * d
	}
	return s
}

// Norm2 returns the Euclidean norm of a without spurious overflow or underflow: the plain sum
// of squares is used when it is safely inside the normal range, and otherwise the entries
// are rescaled by a power of two (exact) first. NaN entries give NaN, infinite ones +Inf.
func Norm2(a []float64) float64 {
	s := Norm2Sq(a)
	if s >= 0x1p-960 && s <= 0x1p960 {
		return math.Sqrt(s)
	}
	if math.IsNaN(s) {
		return s
	}
	// The sum of squares underflowed, overflowed or is zero: rescale to tell apart.
	m := NormInf(a)
	if m == 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		return m
	}
	_, e := math.Frexp(m)
	var t float64
	for _, v := range a {
		w := math.Ldexp(v, -e)
		t += w * w
	}
	return math.Ldexp(math.Sqrt(t), e)
}

// NormInf returns max_i |a_i| (0 for an empty slice; NaN if any entry is NaN).
func NormInf(a []float64) float64 {
	var m float64
	for _, v := range a {
		if math.IsNaN(v) {
			return v
		}
		if v = math.Abs(v); v > m {
			m = v
		}
	}
	return m
}

// Norm1 returns Σ |a_i|.
func Norm1(a []float64) float64 {
	var s float64
	for _, v := range a {
		s += math.Abs(v)
	}
	return s
}

// AllFinite reports whether every argument is finite (neither NaN nor ±Inf).
func AllFinite(xs ...float64) bool {
	return VecFinite(xs)
}

// VecFinite reports whether every entry of a is finite (neither NaN nor ±Inf).
func VecFinite(a []float64) bool {
	for _, v := range a {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// Axpy sets dst ← dst + alpha·x. It panics if the lengths differ.
func Axpy(dst []float64, alpha float64, x []float64) {
	checkLen(dst, x)
	for i, v := range x {
		dst[i] += alpha * v
	}
}

// AxpyTo sets dst ← alpha·x + y. dst may alias x or y. It panics if the lengths differ.
func AxpyTo(dst []float64, alpha float64, x, y []float64) {
	checkLen(dst, x)
	checkLen(dst, y)
	for i, v := range x {
		dst[i] = alpha*v + y[i]
	}
}

// SubTo sets dst ← a − b. dst may alias a or b. It panics if the lengths differ.
func SubTo(dst, a, b []float64) {
	checkLen(dst, a)
	checkLen(dst, b)
	for i, v := range a {
		dst[i] = v - b[i]
	}
}

// ScaleTo sets dst ← alpha·x. dst may alias x. It panics if the lengths differ.
func ScaleTo(dst []float64, alpha float64, x []float64) {
	checkLen(dst, x)
	for i, v := range x {
		dst[i] = alpha * v
	}
}

// Sum returns Σ a_i computed with Neumaier's compensated summation: the error is about
// 2·Eps·Σ|a_i| independently of len(a), instead of len(a)·Eps·Σ|a_i| for the naive loop.
func Sum(a []float64) float64 {
	var s, c float64
	for _, v := range a {
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return s + c
}

// CertifiedNorm2Sq returns an upper bound on ‖a‖² valid despite rounding, underflow and
// overflow of the squares: the scaled [Norm2] (relative error at most (len(a)+2)·Eps) is
// squared with upward rounding and inflated by 2·(len(a)+4)·Eps. The result is +Inf if
// ‖a‖² overflows, and NaN if a contains NaN.
func CertifiedNorm2Sq(a []float64) float64 {
	r := Norm2(a)
	if r == 0 || math.IsNaN(r) || math.IsInf(r, 0) {
		return r * r
	}
	s := MulUp(r, r)
	return MulUp(s, 1+float64(2*(len(a)+4))*Eps)
}

// Sign returns −1, 0 or +1 (0 for NaN too).
func Sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}
