package numeric

import (
	"math"
	"testing"
)

func TestVectorKernels(t *testing.T) {
	a := []float64{1, -2, 3}
	b := []float64{4, 5, -6}
	if got := Dot(a, b); got != 4-10-18 {
		t.Errorf("Dot = %g", got)
	}
	if got := Norm2Sq(a); got != 14 {
		t.Errorf("Norm2Sq = %g", got)
	}
	if got := Norm2(a); got != math.Sqrt(14) {
		t.Errorf("Norm2 = %g", got)
	}
	if got := Dist2Sq(a, b); got != 9+49+81 {
		t.Errorf("Dist2Sq = %g", got)
	}
	if got := NormInf(b); got != 6 {
		t.Errorf("NormInf = %g", got)
	}
	if got := Norm1(b); got != 15 {
		t.Errorf("Norm1 = %g", got)
	}
	dst := []float64{1, 1, 1}
	Axpy(dst, 2, a)
	if dst[0] != 3 || dst[1] != -3 || dst[2] != 7 {
		t.Errorf("Axpy = %v", dst)
	}
	AxpyTo(dst, -1, a, b)
	if dst[0] != 3 || dst[1] != 7 || dst[2] != -9 {
		t.Errorf("AxpyTo = %v", dst)
	}
	SubTo(dst, a, b)
	if dst[0] != -3 || dst[1] != -7 || dst[2] != 9 {
		t.Errorf("SubTo = %v", dst)
	}
	ScaleTo(dst, 0.5, a)
	if dst[0] != 0.5 || dst[1] != -1 || dst[2] != 1.5 {
		t.Errorf("ScaleTo = %v", dst)
	}
}

func TestNorm2Range(t *testing.T) {
	for _, tc := range []struct {
		x    []float64
		want float64
	}{
		{[]float64{3e200, 4e200}, 5e200},
		{[]float64{3e-200, 4e-200}, 5e-200},
		{[]float64{3e-320, 4e-320}, 5e-320}, // subnormal entries
		{[]float64{0, 0}, 0},
		{nil, 0},
		{[]float64{1, math.Inf(-1)}, math.Inf(1)},
		{[]float64{1e308, 1e308}, math.Sqrt2 * 1e308},
	} {
		got := Norm2(tc.x)
		if math.Abs(got-tc.want) > 4*Eps*tc.want && !(math.IsInf(got, 1) && math.IsInf(tc.want, 1)) {
			t.Errorf("Norm2(%v) = %g, want %g", tc.x, got, tc.want)
		}
	}
	if !math.IsNaN(Norm2([]float64{1, math.NaN()})) {
		t.Error("Norm2 with NaN is not NaN")
	}
}

func TestFinite(t *testing.T) {
	if !AllFinite(1, -2, 0, math.MaxFloat64) || AllFinite(1, math.NaN()) || AllFinite(math.Inf(1)) {
		t.Error("AllFinite")
	}
	if !VecFinite(nil) || VecFinite([]float64{0, math.Inf(-1)}) {
		t.Error("VecFinite")
	}
}

func TestSumCompensated(t *testing.T) {
	x := []float64{1, 1e100, 1, -1e100}
	if got := Sum(x); got != 2 {
		t.Errorf("Sum = %g, want 2", got)
	}
}

func TestCertifiedNorm2Sq(t *testing.T) {
	for _, x := range [][]float64{
		{1e-170, 1e-170}, // squares underflow: the plain sum is 0
		{0.1, 0.2, 0.3},
		{1e160},
	} {
		got := CertifiedNorm2Sq(x)
		if !(got > 0) || got < Norm2(x)*Norm2(x)*(1-4*Eps) {
			t.Errorf("CertifiedNorm2Sq(%v) = %g", x, got)
		}
	}
	if got := CertifiedNorm2Sq([]float64{0, 0}); got != 0 {
		t.Errorf("CertifiedNorm2Sq(0) = %g", got)
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Dot with mismatched lengths did not panic")
		}
	}()
	Dot([]float64{1}, []float64{1, 2})
}

func TestVectorKernelsDoNotAllocate(t *testing.T) {
	a := make([]float64, 100)
	b := make([]float64, 100)
	for i := range a {
		a[i], b[i] = float64(i), float64(-i)
	}
	var sink float64
	allocs := testing.AllocsPerRun(100, func() {
		sink += Dot(a, b) + Norm2(a) + Norm2Sq(a) + Dist2Sq(a, b) + NormInf(a) + Norm1(a) + Sum(a)
		Axpy(b, 1e-3, a)
		AxpyTo(b, 1, a, b)
		SubTo(b, b, a)
		ScaleTo(b, 0.5, b)
		if !AllFinite(sink, a[0], b[0]) || !VecFinite(a) {
			sink = 0
		}
	})
	if allocs != 0 {
		t.Errorf("vector kernels allocate %v times per run", allocs)
	}
	_ = sink
}

func BenchmarkDot(b *testing.B) {
	x := make([]float64, 1000)
	y := make([]float64, 1000)
	b.ReportAllocs()
	var s float64
	for b.Loop() {
		s += Dot(x, y)
	}
	_ = s
}
