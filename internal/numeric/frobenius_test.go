package numeric

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFrobenius(t *testing.T) {
	a := mat.NewDense(2, 3, []float64{1, 2, 2, 0, 4, 0})
	if got := FrobNorm(a); got != 5 {
		t.Errorf("FrobNorm = %g, want 5", got)
	}
	if got := FrobNorm2(a); got != 25 {
		t.Errorf("FrobNorm2 = %g, want 25", got)
	}
	// A view with stride > columns takes the row-by-row path.
	v := a.Slice(0, 2, 0, 2).(*mat.Dense)
	if got := FrobNorm(v); math.Abs(got-math.Sqrt(21)) > 1e-15 || FrobNorm2(v) != 21 {
		t.Errorf("FrobNorm(view) = %g, want √21", got)
	}
	if got := FrobNorm(mat.NewDense(1, 2, []float64{3e-200, 4e-200})); math.Abs(got-5e-200) > 1e-214 {
		t.Errorf("FrobNorm underflows: %g", got)
	}
	if FrobNorm(nil) != 0 || FrobNorm2(nil) != 0 {
		t.Error("nil matrix")
	}
}
