package algorithms_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// SAM on the paper's toy NOP (f = ‖xyᵀ − A‖², A = diag(0.5, 0, 0)), written out by hand with
// dense matrices: u = 1/√(‖Gy‖² + ‖Gᵀx‖²), x̃ = x + ρuGy, ỹ = y + ρuGᵀx, x⁺ = x − ηG̃ỹ.
func TestSAMFactorStepByHand(t *testing.T) {
	f, err := generators.PaperNOP(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x0, y0 := generators.PaperStart()
	x, y := mat.NewVecDense(3, append([]float64(nil), x0...)), mat.NewVecDense(3, append([]float64(nil), y0...))
	A := mat.NewDense(3, 3, []float64{0.5, 0, 0, 0, 0, 0, 0, 0, 0})
	grad := func(x, y *mat.VecDense) *mat.Dense { // 2(xyᵀ − A)
		var G mat.Dense
		G.Outer(1, x, y)
		G.Sub(&G, A)
		G.Scale(2, &G)
		return &G
	}
	const eta, rho = 0.05, 0.1
	G := grad(x, y)
	var gx, gy mat.VecDense
	gx.MulVec(G, y)
	gy.MulVec(G.T(), x)
	u := 1 / math.Hypot(mat.Norm(&gx, 2), mat.Norm(&gy, 2))
	var xt, yt mat.VecDense
	xt.AddScaledVec(x, rho*u, &gx)
	yt.AddScaledVec(y, rho*u, &gy)
	Gt := grad(&xt, &yt)
	var dx, dy, wantX, wantY mat.VecDense
	dx.MulVec(Gt, &yt)
	dy.MulVec(Gt.T(), &xt)
	wantX.AddScaledVec(x, -eta, &dx)
	wantY.AddScaledVec(y, -eta, &dy)

	X, Y := mat.NewDense(3, 1, append([]float64(nil), x0...)), mat.NewDense(3, 1, append([]float64(nil), y0...))
	w := algorithms.NewFactorWork(3, 3, 1)
	algorithms.SAMFactorStep(f, X, Y, eta, rho, nil, w)
	if math.Abs(w.U-u) > 1e-15*u {
		t.Errorf("u = %g, want %g", w.U, u)
	}
	siClose(t, "x̃", w.XT, mat.NewDense(3, 1, xt.RawVector().Data), 1e-15)
	siClose(t, "X⁺", X, mat.NewDense(3, 1, wantX.RawVector().Data), 1e-15)
	siClose(t, "Y⁺", Y, mat.NewDense(3, 1, wantY.RawVector().Data), 1e-15)
	if w.GradEvals != 2 || w.ComponentGrads != 2 {
		t.Errorf("SAM counted %d evaluations, %d component gradients; want 2, 2", w.GradEvals, w.ComponentGrads)
	}
}

// SAM on the paper's toy OP (f = (w − 0.5)²), by hand.
func TestSAMInnerStepByHand(t *testing.T) {
	f, err := generators.PaperOP(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x, y := generators.PaperStart()
	const eta, rho = 0.05, 0.2
	dot := func(a, b []float64) float64 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }
	fp := 2 * (dot(x, y) - 0.5)
	u := math.Copysign(1, fp) / math.Sqrt(dot(x, x)+dot(y, y))
	xt, yt := make([]float64, 3), make([]float64, 3)
	for i := range xt {
		xt[i], yt[i] = x[i]+rho*u*y[i], y[i]+rho*u*x[i]
	}
	fpt := 2 * (dot(xt, yt) - 0.5)
	w := algorithms.NewInnerWork(3)
	xs, ys := append([]float64(nil), x...), append([]float64(nil), y...)
	algorithms.SAMInnerStep(f, xs, ys, eta, rho, nil, w)
	for i := range x {
		if wx, wy := x[i]-eta*fpt*yt[i], y[i]-eta*fpt*xt[i]; math.Abs(xs[i]-wx) > 1e-15 || math.Abs(ys[i]-wy) > 1e-15 {
			t.Errorf("coordinate %d: (%g, %g), want (%g, %g)", i, xs[i], ys[i], wx, wy)
		}
	}
	if math.Abs(w.U-u) > 1e-15 || math.Abs(w.DT-fpt) > 1e-14 || math.Abs(w.D-fp) > 1e-14 || w.GradEvals != 2 {
		t.Errorf("record u %g (want %g), f̃′ %g (want %g), f′ %g (want %g), %d evaluations", w.U, u, w.DT, fpt, w.D, fp, w.GradEvals)
	}
}

// m-sharpness with a single micro-batch is SAM, bit for bit.
func TestMSAMWithOneMicroBatchIsSAM(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	f := siNoisySquared(t, rng)
	X, Y := siRandMat(rng, 4, 2, 0.5), siRandMat(rng, 3, 2, 0.5)
	X2, Y2 := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
	w, w2 := algorithms.NewFactorWork(4, 3, 2), algorithms.NewFactorWork(4, 3, 2)
	algorithms.SAMFactorStep(f, X, Y, 0.1, 0.2, []int{0, 2}, w)
	algorithms.MSAMFactorStep(f, X2, Y2, 0.1, 0.2, [][]int{{0, 2}}, w2)
	if !mat.Equal(X, X2) || !mat.Equal(Y, Y2) || w2.GradEvals != 2 {
		t.Errorf("NOP m-sharpness with m = 1 differs from SAM")
	}
	g, _ := generators.NewScalarTarget(generators.ScalarLogCosh, 2, []float64{0.5, -0.3}, nil)
	x, y := siRandVec(rng, 3, 1), siRandVec(rng, 3, 1)
	x2, y2 := append([]float64(nil), x...), append([]float64(nil), y...)
	iw, iw2 := algorithms.NewInnerWork(3), algorithms.NewInnerWork(3)
	algorithms.SAMInnerStep(g, x, y, 0.1, 0.2, nil, iw)
	algorithms.MSAMInnerStep(g, x2, y2, 0.1, 0.2, [][]int{nil}, iw2)
	for i := range x {
		if x[i] != x2[i] || y[i] != y2[i] {
			t.Fatalf("OP m-sharpness with m = 1 differs from SAM at %d", i)
		}
	}
}

// On OP, m-sharpness SAM moves x⁺ = (1 − ηc)x − ηa·y, y⁺ = (1 − ηc)y − ηa·x with
// a = mean_j f̃_j′, c = mean_j ρu_j f̃_j′, so B⁺ = [(1 − ηc)² − η²a²]·B exactly (for m = 1 it is
// sam-op's law). This pins the implementation of the micro-batch average.
func TestMSAMInnerBalancednessLaw(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	g, _ := generators.NewScalarTarget(generators.ScalarLogistic, 1, []float64{0.9, -0.4, 0.2, 1.5}, []float64{1, -1, -1, 1})
	x, y := siRandVec(rng, 4, 1), siRandVec(rng, 4, 0.3)
	const eta, rho = 0.2, 0.3
	B := algorithms.InnerBalancedness(x, y)
	w := algorithms.NewInnerWork(4)
	micro := algorithms.SplitMicroBatches(nil, 4, 3)
	algorithms.MSAMInnerStep(g, x, y, eta, rho, micro, w)
	var a, c float64
	for j := range micro {
		a += w.MicroD[j] / 3
		c += rho * w.MicroU[j] * w.MicroD[j] / 3
	}
	want := ((1-eta*c)*(1-eta*c) - eta*eta*a*a) * B
	if got := algorithms.InnerBalancedness(x, y); math.Abs(got-want) > 1e-14*(math.Abs(B)+1) {
		t.Errorf("B⁺ = %.17g, law gives %.17g (B = %g)", got, want, B)
	}
	if w.GradEvals != 6 || len(w.MicroU) != 3 {
		t.Errorf("%d evaluations and %d u_j for m = 3", w.GradEvals, len(w.MicroU))
	}
}

func TestSplitMicroBatches(t *testing.T) {
	got := algorithms.SplitMicroBatches([]int{4, 5, 6, 7, 8}, 9, 2)
	if len(got) != 2 || len(got[0]) != 2 || len(got[1]) != 3 || got[1][2] != 8 {
		t.Errorf("split of 5 into 2: %v", got)
	}
	if all := algorithms.SplitMicroBatches(nil, 3, 3); len(all) != 3 || all[2][0] != 2 {
		t.Errorf("split of the full batch: %v", all)
	}
}
