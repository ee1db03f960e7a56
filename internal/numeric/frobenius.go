package numeric

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// FrobNorm returns ‖A‖_F without spurious overflow or underflow (0 for a nil matrix). It is
// a magnitude, never a smoothness constant: those are spectral (see MaxEigSym, SpectralNorm).
func FrobNorm(a *mat.Dense) float64 {
	if a == nil {
		return 0
	}
	raw := a.RawMatrix()
	if raw.Stride == raw.Cols {
		return Norm2(raw.Data[:raw.Rows*raw.Cols])
	}
	var s float64
	for i := 0; i < raw.Rows; i++ {
		s = math.Hypot(s, Norm2(a.RawRowView(i)[:raw.Cols]))
	}
	return s
}

// FrobNorm2 returns ‖A‖_F² as the plain sum of squares, row by row (0 for a nil matrix): the
// form in which balancedness ½(‖X‖_F² − ‖Y‖_F²) is written.
func FrobNorm2(a *mat.Dense) float64 {
	if a == nil {
		return 0
	}
	r, c := a.Dims()
	var s float64
	for i := 0; i < r; i++ {
		s += Norm2Sq(a.RawRowView(i)[:c])
	}
	return s
}
