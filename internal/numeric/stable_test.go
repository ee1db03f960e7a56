package numeric

import (
	"math"
	"testing"
)

func TestLog1pExp(t *testing.T) {
	for _, x := range []float64{-800, -40, -37, -10, -1, 0, 1e-10, 1, 10, 18, 20, 33, 34, 100, 800} {
		got := Log1pExp(x)
		var want float64
		switch {
		case x < -30:
			want = math.Exp(x)
		case x > 30:
			want = x + math.Exp(-x)
		default:
			want = math.Log1p(math.Exp(x))
		}
		if math.Abs(got-want) > 4*Eps*math.Abs(want) {
			t.Errorf("Log1pExp(%g) = %g, want %g", x, got, want)
		}
	}
}

func TestSigmoid(t *testing.T) {
	if got := Sigmoid(0); got != 0.5 {
		t.Errorf("Sigmoid(0) = %g", got)
	}
	if got := Sigmoid(-700); !(got > 0) || math.Abs(got-math.Exp(-700)) > 4*Eps*math.Exp(-700) {
		t.Errorf("Sigmoid(-700) = %g, want e^-700 to full relative accuracy", got)
	}
	if got := Sigmoid(800); got != 1 {
		t.Errorf("Sigmoid(800) = %g", got)
	}
	for _, x := range []float64{-3, -0.5, 0.5, 3} {
		if s := Sigmoid(x) + Sigmoid(-x); math.Abs(s-1) > 2*Eps {
			t.Errorf("Sigmoid(%g) + Sigmoid(%g) = %g", x, -x, s)
		}
	}
}

func TestLogSumExp(t *testing.T) {
	if got := LogSumExp([]float64{1000, 1000}); math.Abs(got-(1000+math.Ln2)) > 4*Eps*1000 {
		t.Errorf("LogSumExp overflowed: %g", got)
	}
	if got := LogSumExp([]float64{-1000, -1000}); math.Abs(got-(-1000+math.Ln2)) > 4*Eps*1000 {
		t.Errorf("LogSumExp underflowed: %g", got)
	}
	if got := LogSumExp(nil); !math.IsInf(got, -1) {
		t.Errorf("LogSumExp(empty) = %g", got)
	}
	if got := LogSumExp([]float64{1, math.Inf(1)}); !math.IsInf(got, 1) {
		t.Errorf("LogSumExp with +Inf = %g", got)
	}
	if got := LogSumExp([]float64{1, math.NaN()}); !math.IsNaN(got) {
		t.Errorf("LogSumExp with NaN = %g", got)
	}
}

func TestLogOfSubnormals(t *testing.T) {
	for _, x := range []float64{1e-310, 5e-324, 0x1p-1030, 0x1p-1022, 1, 1e300} {
		// log(m·2^e) = log m + e·log 2, from the exact decomposition.
		m, e := math.Frexp(x)
		want := math.Log(m) + float64(e)*math.Ln2
		if got := Log(x); math.Abs(got-want) > 1e-13*math.Abs(want) {
			t.Errorf("Log(%g) = %.17g, want %.17g", x, got, want)
		}
	}
}
