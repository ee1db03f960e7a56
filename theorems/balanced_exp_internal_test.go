package theorems

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// Every profile keeps the paper's flow time ηT = 10; the paper profile is the paper's setup.
func TestBxProfilesKeepFlowTime(t *testing.T) {
	for _, name := range []string{"paper", "quick", "ci", ""} {
		p := bxProfileOf(name)
		if got := p.eta * float64(p.T); math.Abs(got-10) > 1e-9 {
			t.Errorf("profile %q: ηT = %v", name, got)
		}
	}
	if p := bxProfileOf("paper"); p.T != 100000 || p.eta != 1e-4 || p.seeds < 10 {
		t.Errorf("paper profile %+v", p)
	}
	if bxProfileOf("") != bxProfileOf("ci") {
		t.Error("the empty profile (go test's controls) must run as ci")
	}
}

// E[c_k] = 4(tr(D²)‖y‖² − 3‖Dx‖²) at the paper's start: 4(1.89·1.26 − 3·0.0689) = 8.6988.
func TestDrExpectedCoefficientAtThePaperStart(t *testing.T) {
	x0, y0 := generators.PaperStart()
	if d := cmp.Diff(8.6988, drExpectedCoef(x0, y0), cmpopts.EquateApprox(0, 1e-12)); d != "" {
		t.Error(d)
	}
}

// The α² coefficient of one draw, taken by finite differences of the loss's gradients, is
// 4(‖Ny‖² − ‖Nᵀx‖²) with N = diag(1, 0.8, 0.5)·U.
func TestDrCoefficientIsTheNoiseQuadraticForm(t *testing.T) {
	u := []float64{0.3, -1.2, 0.7, 2.1, 0.05, -0.4, -0.9, 1.3, 0.6}
	d := bxData{n: []float64{0}, U: [][]float64{u}}
	var fs []*generators.FactorSquared
	for _, a := range drNoiseLevels {
		fs = append(fs, bxNOP(a, d))
	}
	q := drDrift(fs, 1)
	x0, y0, _, _ := bxStart()
	N := mat.NewDense(3, 3, nil)
	for i, s := range []float64{1, 0.8, 0.5} {
		for j := 0; j < 3; j++ {
			N.Set(i, j, s*u[3*i+j])
		}
	}
	var ny, ntx mat.VecDense
	ny.MulVec(N, mat.NewVecDense(3, y0))
	ntx.MulVec(N.T(), mat.NewVecDense(3, x0))
	want := 4 * (mat.Dot(&ny, &ny) - mat.Dot(&ntx, &ntx))
	if d := cmp.Diff(want, q.coef[0], cmpopts.EquateApprox(1e-12, 1e-12)); d != "" {
		t.Error(d)
	}
}

// The Student-t multiplier: t_{0.999} with 7 degrees of freedom is 4.785 (tables), above the
// normal 3.090.
func TestBxTQuantile(t *testing.T) {
	if d := cmp.Diff(4.785, bxTQuantile(8), cmpopts.EquateApprox(0, 5e-4)); d != "" {
		t.Error(d)
	}
	if !math.IsInf(bxTQuantile(1), 1) {
		t.Error("one seed has no interval")
	}
}

// Running a BAR step with −α is exactly the branch inverted: the two rescalings swap.
func TestBarInvertedSwapsTheBranch(t *testing.T) {
	f, err := generators.PaperOP(1, []float64{0.3})
	if err != nil {
		t.Fatal(err)
	}
	inv := barInverted(DefaultBalancedExpMethods())
	for _, v := range []struct {
		name     string
		ours, it BARInnerMethod
	}{{"nBAR", algorithms.NBARInnerStep, inv.NBARInner}, {"oBAR", algorithms.OBARInnerStep, inv.OBARInner}} {
		x0, y0 := generators.PaperStart()
		w1, w2 := algorithms.NewInnerWork(3), algorithms.NewInnerWork(3)
		v.ours(f, append([]float64(nil), x0...), append([]float64(nil), y0...), 0.01, 0.5, []int{0}, w1)
		v.it(f, append([]float64(nil), x0...), append([]float64(nil), y0...), 0.01, 0.5, []int{0}, w2)
		if w1.ScaleX != w2.ScaleY || w1.ScaleY != w2.ScaleX || w1.ScaleX == w1.ScaleY {
			t.Errorf("%s: scales (%v, %v), inverted (%v, %v)", v.name, w1.ScaleX, w1.ScaleY, w2.ScaleX, w2.ScaleY)
		}
	}
	// From the paper's start ‖x‖ < ‖y‖: BAR grows x.
	x0, y0 := generators.PaperStart()
	w := algorithms.NewInnerWork(3)
	algorithms.OBARInnerStep(f, x0, y0, 0.01, 0.5, []int{0}, w)
	if !(w.ScaleX > 1 && w.ScaleY < 1) {
		t.Errorf("oBAR from ‖x‖ < ‖y‖ rescaled by (%v, %v)", w.ScaleX, w.ScaleY)
	}
}

// Step 1 of sam-promotes on three steps by hand: B_3 = B_0·Π(1 − η²f′_t²).
func TestSpIdentityByHand(t *testing.T) {
	n := []float64{0.4, -1.1, 2.0}
	f, err := generators.PaperOP(1, n)
	if err != nil {
		t.Fatal(err)
	}
	p := bxProfile{name: "test", T: 3, eta: 0.05, seeds: 1}
	run, id := spSGDOP(algorithms.SGDInnerStep, f, p, bxBatches(3))
	x, y := generators.PaperStart()
	B0 := -0.56
	prod := 1.0
	for t := 0; t < 3; t++ {
		var w float64
		for i := range x {
			w += x[i] * y[i]
		}
		fp := 2 * (w - (0.5 + n[t]))
		prod *= 1 - p.eta*p.eta*fp*fp
		for i := range x {
			x[i], y[i] = x[i]-p.eta*fp*y[i], y[i]-p.eta*fp*x[i]
		}
	}
	if d := cmp.Diff(B0*prod, id.predicted, cmpopts.EquateApprox(1e-13, 0)); d != "" {
		t.Error(d)
	}
	if d := cmp.Diff(id.predicted, id.bT, cmpopts.EquateApprox(1e-13, 0)); d != "" {
		t.Error(d)
	}
	if run.gradEvals != 3 || math.Abs(run.absB2-2*math.Abs(id.bT)) > 0 {
		t.Errorf("run %+v", run)
	}
}
