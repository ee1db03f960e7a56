package numeric_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// A workspace reused across matrices of one shape gives SVD's results bit for bit (including
// the zero matrix and a switch between values-only and full factorisations), and after its
// first call a factorisation allocates nothing.
func TestSVDWorkMatchesSVDAndDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var w numeric.SVDWork
	for trial := range 6 {
		a := mat.NewDense(7, 4, nil)
		if trial != 2 { // trial 2: the zero matrix
			for i := range 7 {
				for j := range 4 {
					a.Set(i, j, rng.NormFloat64()*1e-200)
				}
			}
		}
		u, s, v, ok := numeric.SVD(a)
		wu, ws, wv, wok := w.SVD(a)
		if !ok || !wok {
			t.Fatalf("trial %d: ok %v, workspace ok %v", trial, ok, wok)
		}
		if d := cmp.Diff(s, ws); d != "" {
			t.Errorf("trial %d: singular values differ (-SVD +workspace):\n%s", trial, d)
		}
		if !mat.Equal(u, wu) || !mat.Equal(v, wv) {
			t.Errorf("trial %d: singular vectors differ", trial)
		}
		if trial != 2 { // gonum's mat.SVD on the same power-of-two rescaling, bit for bit
			_, e := math.Frexp(numeric.NormInf(a.RawMatrix().Data)) // the largest |entry|
			var b mat.Dense
			b.Scale(math.Ldexp(1, -e), a)
			var f mat.SVD
			if !f.Factorize(&b, mat.SVDThin) {
				t.Fatal("mat.SVD failed")
			}
			ref := f.Values(nil)
			for i := range ref {
				ref[i] = math.Ldexp(ref[i], e)
			}
			var ru, rv mat.Dense
			f.UTo(&ru)
			f.VTo(&rv)
			if d := cmp.Diff(ref, ws); d != "" || !mat.Equal(&ru, wu) || !mat.Equal(&rv, wv) {
				t.Errorf("trial %d: the workspace differs from mat.SVD:\n%s", trial, d)
			}
		}
		vals, _ := numeric.SingularValues(a)
		wvals, _ := w.SingularValues(a)
		if d := cmp.Diff(vals, wvals); d != "" {
			t.Errorf("trial %d: values-only results differ:\n%s", trial, d)
		}
	}
	a := mat.NewDense(7, 4, nil)
	for i := range 7 {
		a.Set(i, i%4, float64(i+1))
	}
	w.SVD(a)
	if n := testing.AllocsPerRun(20, func() { w.SVD(a) }); n != 0 {
		t.Errorf("a warm workspace allocates %v times per SVD, want 0", n)
	}
	if _, _, _, ok := w.SVD(mat.NewDense(2, 2, []float64{1, 0, 0, math.NaN()})); ok {
		t.Error("a non-finite matrix factored")
	}
}

func TestSymPartAndFixSign(t *testing.T) {
	s := numeric.SymPart(mat.NewDense(2, 2, []float64{1, 2, 4, 3}))
	if want := mat.NewSymDense(2, []float64{1, 3, 3, 3}); !mat.Equal(s, want) {
		t.Errorf("SymPart = %v, want %v", mat.Formatted(s), mat.Formatted(want))
	}
	for _, tc := range []struct{ in, want []float64 }{
		{[]float64{0.5, -2, 1}, []float64{-0.5, 2, -1}},
		{[]float64{-1, 1}, []float64{1, -1}}, // a tie: the first largest entry decides
		{[]float64{0, 3}, []float64{0, 3}},
		{nil, nil},
	} {
		v := append([]float64(nil), tc.in...)
		numeric.FixSign(v)
		if d := cmp.Diff(tc.want, v); d != "" {
			t.Errorf("FixSign(%v): (-want +got)\n%s", tc.in, d)
		}
	}
}
