package algorithms_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// Compile-time checks: the generators' instances are the algorithms' losses.
var (
	_ algorithms.MatrixLoss  = (*generators.FactorSquared)(nil)
	_ algorithms.MatrixLoss  = (*generators.FactorSoftplus)(nil)
	_ algorithms.ScalarLoss2 = (*generators.ScalarTarget)(nil)
)

func siRandMat(rng *rand.Rand, r, c int, scale float64) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, scale*rng.NormFloat64())
		}
	}
	return m
}

func siRandVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * rng.NormFloat64()
	}
	return v
}

// siNoisySquared is a 4×3 squared loss to a rank-2 target with K = 3 noise matrices.
func siNoisySquared(t testing.TB, rng *rand.Rand) *generators.FactorSquared {
	var noise []*mat.Dense
	for k := 0; k < 3; k++ {
		noise = append(noise, siRandMat(rng, 4, 3, 1))
	}
	f, err := generators.NewFactorSquared(2, siRandMat(rng, 4, 2, 1), siRandMat(rng, 3, 2, 1), 0.5, noise)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func siSoftplus(t testing.TB, rng *rand.Rand) *generators.FactorSoftplus {
	var A []*mat.Dense
	for k := 0; k < 3; k++ {
		A = append(A, siRandMat(rng, 4, 3, 1))
	}
	f, err := generators.NewFactorSoftplus(A, siRandVec(rng, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func siClose(t *testing.T, what string, got, want *mat.Dense, tol float64) {
	t.Helper()
	if !mat.EqualApprox(got, want, tol) {
		t.Errorf("%s:\n got %v\nwant %v", what, mat.Formatted(got), mat.Formatted(want))
	}
}

// SGD on f(XYᵀ) is X⁺ = X − ηGY, Y⁺ = Y − ηGᵀX with the dense gradient of the minibatch.
func TestSGDFactorStepMatchesDenseGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, f := range []algorithms.MatrixLoss{siNoisySquared(t, rng), siSoftplus(t, rng)} {
		X, Y := siRandMat(rng, 4, 2, 1), siRandMat(rng, 3, 2, 1)
		batch := []int{0, 2}
		G := algorithms.DenseGradient(f, X, Y, batch)
		var gx, gy mat.Dense
		gx.Mul(G, Y)
		gy.Mul(G.T(), X)
		wantX, wantY := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
		wantX.Add(wantX, scaledBy(-0.1, &gx))
		wantY.Add(wantY, scaledBy(-0.1, &gy))
		w := algorithms.NewFactorWork(4, 3, 2)
		algorithms.SGDFactorStep(f, X, Y, 0.1, batch, w)
		siClose(t, "X⁺", X, wantX, 1e-13)
		siClose(t, "Y⁺", Y, wantY, 1e-13)
		siClose(t, "g_x", w.GX, &gx, 1e-13)
		if w.GradEvals != 1 || w.ComponentGrads != 2 || w.U != 0 || w.ScaleX != 1 {
			t.Errorf("record: evals %d, component grads %d, U %g, ScaleX %g", w.GradEvals, w.ComponentGrads, w.U, w.ScaleX)
		}
	}
}

func scaledBy(a float64, m *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Scale(a, m)
	return &out
}

// Normalised SGD moves (X, Y) by exactly η in Frobenius norm.
func TestNormalizedStepsHaveLengthEta(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	f := siNoisySquared(t, rng)
	X, Y := siRandMat(rng, 4, 2, 1), siRandMat(rng, 3, 2, 1)
	X0, Y0 := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
	w := algorithms.NewFactorWork(4, 3, 2)
	algorithms.NormalizedSGDFactorStep(f, X, Y, 0.3, nil, w)
	var dx, dy mat.Dense
	dx.Sub(X, X0)
	dy.Sub(Y, Y0)
	if got := math.Hypot(mat.Norm(&dx, 2), mat.Norm(&dy, 2)); math.Abs(got-0.3) > 1e-14 {
		t.Errorf("NOP normalised step length %g, want 0.3", got)
	}
	g, _ := generators.NewScalarTarget(generators.ScalarLogCosh, 1, []float64{0.3, -0.2}, nil)
	x, y := siRandVec(rng, 3, 1), siRandVec(rng, 3, 1)
	x0, y0 := append([]float64(nil), x...), append([]float64(nil), y...)
	iw := algorithms.NewInnerWork(3)
	algorithms.NormalizedSGDInnerStep(g, x, y, 0.3, nil, iw)
	var s float64
	for i := range x {
		s += (x[i]-x0[i])*(x[i]-x0[i]) + (y[i]-y0[i])*(y[i]-y0[i])
	}
	if math.Abs(math.Sqrt(s)-0.3) > 1e-14 {
		t.Errorf("OP normalised step length %g, want 0.3", math.Sqrt(s))
	}
}

// The step functions are the hot loops: none allocates (m-sharpness after its first call).
func TestScaleInvariantStepsDoNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, f := range []algorithms.MatrixLoss{siNoisySquared(t, rng), siSoftplus(t, rng)} {
		X, Y := siRandMat(rng, 4, 2, 0.1), siRandMat(rng, 3, 2, 0.1)
		w := algorithms.NewFactorWork(4, 3, 2)
		batch := []int{1, 2}
		micro := [][]int{{0}, {1, 2}}
		algorithms.MSAMFactorStep(f, X, Y, 1e-3, 0.01, micro, w) // warm-up: allocates accumulators
		steps := map[string]func(){
			"SGD":  func() { algorithms.SGDFactorStep(f, X, Y, 1e-3, batch, w) },
			"NSGD": func() { algorithms.NormalizedSGDFactorStep(f, X, Y, 1e-3, batch, w) },
			"SAM":  func() { algorithms.SAMFactorStep(f, X, Y, 1e-3, 0.01, batch, w) },
			"mSAM": func() { algorithms.MSAMFactorStep(f, X, Y, 1e-3, 0.01, micro, w) },
			"nBAR": func() { algorithms.NBARFactorStep(f, X, Y, 1e-3, 0.5, batch, w) },
			"oBAR": func() { algorithms.OBARFactorStep(f, X, Y, 1e-3, 0.5, batch, w) },
		}
		for name, step := range steps {
			step()
			if a := testing.AllocsPerRun(20, step); a != 0 {
				t.Errorf("%T %s step allocates %v times", f, name, a)
			}
		}
	}
	g, _ := generators.NewScalarTarget(generators.ScalarLogistic, 1, []float64{0.1, 0.4}, []float64{1, -1})
	x, y := siRandVec(rng, 3, 0.5), siRandVec(rng, 3, 0.5)
	w := algorithms.NewInnerWork(3)
	micro := [][]int{{0}, {1}}
	algorithms.MSAMInnerStep(g, x, y, 1e-3, 0.01, micro, w)
	steps := map[string]func(){
		"SGD":  func() { algorithms.SGDInnerStep(g, x, y, 1e-3, nil, w) },
		"NSGD": func() { algorithms.NormalizedSGDInnerStep(g, x, y, 1e-3, nil, w) },
		"SAM":  func() { algorithms.SAMInnerStep(g, x, y, 1e-3, 0.01, nil, w) },
		"mSAM": func() { algorithms.MSAMInnerStep(g, x, y, 1e-3, 0.01, micro, w) },
		"nBAR": func() { algorithms.NBARInnerStep(g, x, y, 1e-3, 0.5, nil, w) },
		"oBAR": func() { algorithms.OBARInnerStep(g, x, y, 1e-3, 0.5, nil, w) },
	}
	for name, step := range steps {
		if a := testing.AllocsPerRun(20, step); a != 0 {
			t.Errorf("OP %s step allocates %v times", name, a)
		}
	}
}

// Gradient evaluations are counted exactly: SAM 2 per step, BAR and SGD 1, m-sharpness 2m;
// component gradients are Σ|B| over the calls (K for the full batch).
func TestScaleInvariantGradientCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	f := siNoisySquared(t, rng) // K = 3
	X0, Y0 := siRandMat(rng, 4, 2, 0.5), siRandMat(rng, 3, 2, 0.5)
	batches := [][]int{{0}, {1, 2}, nil}
	steps := []float64{1e-2, 1e-2, 1e-2}
	cases := []struct {
		name             string
		tr               *algorithms.FactorTrajectory
		evals, compGrads int
	}{
		{"SGD", algorithms.SGDFactor(f, X0, Y0, steps, batches, false), 3, 1 + 2 + 3},
		{"SAM", algorithms.SAMFactor(f, X0, Y0, steps, 0.05, batches, false), 6, 2 * (1 + 2 + 3)},
		{"nBAR", algorithms.BARFactor(algorithms.NBAR, f, X0, Y0, steps, algorithms.AlphaSchedule{Kind: algorithms.AlphaLinear, Mu0: 1, T: 3}, batches, false), 3, 6},
		{"mSAM", algorithms.RunFactor(X0, Y0, 2, false, func(_ int, X, Y *mat.Dense, w *algorithms.FactorWork) {
			algorithms.MSAMFactorStep(f, X, Y, 1e-2, 0.05, algorithms.SplitMicroBatches(nil, 3, 3), w)
		}), 2 * 2 * 3, 2 * 2 * 3},
	}
	for _, c := range cases {
		if c.tr.GradEvals != c.evals || c.tr.ComponentGrads != c.compGrads {
			t.Errorf("%s: %d gradient evaluations, %d component gradients; want %d, %d", c.name, c.tr.GradEvals, c.tr.ComponentGrads, c.evals, c.compGrads)
		}
		if c.tr.B[0] != algorithms.FactorBalancedness(X0, Y0) {
			t.Errorf("%s: B_0 = %g", c.name, c.tr.B[0])
		}
	}
	kept := algorithms.SGDFactor(f, X0, Y0, steps, batches, true)
	for i := range kept.X {
		if got, want := kept.B[i], algorithms.FactorBalancedness(kept.X[i], kept.Y[i]); got != want {
			t.Errorf("B_%d = %g, recomputed %g", i, got, want)
		}
	}
	g, _ := generators.NewScalarTarget(generators.ScalarSquared, 1, []float64{0.1, 0.4}, nil)
	tr := algorithms.SAMInner(g, []float64{1, 2}, []float64{0.5, -1}, steps, 0.1, [][]int{{0}, {1}, nil}, false)
	if tr.GradEvals != 6 || tr.ComponentGrads != 2*(1+1+2) {
		t.Errorf("OP SAM: %d evaluations, %d component derivatives", tr.GradEvals, tr.ComponentGrads)
	}
}
