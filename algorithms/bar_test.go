package algorithms_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

func TestAlphaSchedules(t *testing.T) {
	cases := []struct {
		kind string
		t    int
		want float64
	}{
		{algorithms.AlphaConstant, 7, 2},
		{algorithms.AlphaLinear, 0, 2},
		{algorithms.AlphaLinear, 5, 1},
		{algorithms.AlphaLinear, 10, 0},
		{algorithms.AlphaCosine, 0, 2},
		{algorithms.AlphaCosine, 5, 1},
		{algorithms.AlphaCosine, 10, 0},
	}
	for _, c := range cases {
		s := algorithms.AlphaSchedule{Kind: c.kind, Mu0: 2, T: 10}
		if got := s.At(c.t); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%s α_%d = %g, want %g", c.kind, c.t, got, c.want)
		}
	}
}

// BAR rescales by (1 ± αη) on the branch Alg. 2 / Alg. 3 give, then takes the SGD step with
// the gradient from the start of the step: X⁺ = s_x·X − η·g_x exactly.
func TestBARBranchesAndUpdate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	f := siNoisySquared(t, rng)
	const eta, alpha = 0.1, 0.5
	for _, c := range []struct {
		name   string
		step   func(algorithms.MatrixLoss, *mat.Dense, *mat.Dense, float64, float64, []int, *algorithms.FactorWork)
		scaleX float64 // X large, Y small
	}{
		// ‖X‖ ≫ ‖Y‖ makes ‖g_x‖ = ‖GY‖ ≪ ‖g_y‖ = ‖GᵀX‖, so nBAR takes its "otherwise"
		// branch, x ← (1 − αη)x; oBAR's ‖x‖ ≥ ‖y‖ branch shrinks x too.
		{"nBAR", algorithms.NBARFactorStep, 1 - alpha*eta},
		{"oBAR", algorithms.OBARFactorStep, 1 - alpha*eta},
	} {
		X, Y := siRandMat(rng, 4, 2, 3), siRandMat(rng, 3, 2, 0.01)
		X0, Y0 := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
		w := algorithms.NewFactorWork(4, 3, 2)
		c.step(f, X, Y, eta, alpha, []int{1}, w)
		if w.ScaleX != c.scaleX || w.ScaleY != 2-c.scaleX || w.Alpha != alpha || w.GradEvals != 1 {
			t.Errorf("%s: scales (%g, %g), α %g, %d evaluations; want (%g, %g), %g, 1", c.name, w.ScaleX, w.ScaleY, w.Alpha, w.GradEvals, c.scaleX, 2-c.scaleX, alpha)
		}
		G := algorithms.DenseGradient(f, X0, Y0, []int{1})
		var gx mat.Dense
		gx.Mul(G, Y0)
		want := scaledBy(c.scaleX, X0)
		want.Add(want, scaledBy(-eta, &gx))
		siClose(t, c.name+" X⁺", X, want, 1e-13)
	}
	// The opposite imbalance flips both branches.
	X, Y := siRandMat(rng, 4, 2, 0.01), siRandMat(rng, 3, 2, 3)
	w := algorithms.NewFactorWork(4, 3, 2)
	algorithms.OBARFactorStep(f, mat.DenseCopyOf(X), mat.DenseCopyOf(Y), eta, alpha, nil, w)
	if w.ScaleX != 1+alpha*eta {
		t.Errorf("oBAR with ‖x‖ < ‖y‖: ScaleX = %g, want 1 + αη", w.ScaleX)
	}
	algorithms.NBARFactorStep(f, X, Y, eta, alpha, nil, w)
	if w.ScaleX != 1+alpha*eta {
		t.Errorf("nBAR with ‖g_x‖ ≥ ‖g_y‖: ScaleX = %g, want 1 + αη", w.ScaleX)
	}
}

// A smoke test of what BAR is for, on the paper's toy OP (f = (xᵀy − 0.5)², x_0 = [0.2, −0.1,
// 0.3], y_0 = −3x_0): SGD leaves 2|B| near 1.12 (it changes only at O(η²)), oBAR with a
// constant α shrinks it, at one gradient per step. The empirical theorem
// (balancedness/bar) is not encoded here; this only guards the implementation.
func TestOBARBalancesThePaperToy(t *testing.T) {
	f, err := generators.PaperOP(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x0, y0 := generators.PaperStart()
	steps := make([]float64, 2000)
	for i := range steps {
		steps[i] = 1e-2
	}
	sgd := algorithms.SGDInner(f, x0, y0, steps, nil, false)
	bar := algorithms.BARInner(algorithms.OBAR, f, x0, y0, steps, algorithms.AlphaSchedule{Kind: algorithms.AlphaConstant, Mu0: 1}, nil, false)
	b0, bs, bb := math.Abs(sgd.B[0]), math.Abs(sgd.B[len(sgd.B)-1]), math.Abs(bar.B[len(bar.B)-1])
	if math.Abs(b0-0.56) > 1e-15 || bs < 0.9*b0 || bb > 0.5*b0 {
		t.Errorf("|B|: start %g, SGD end %g, oBAR end %g", b0, bs, bb)
	}
	if bar.GradEvals != len(steps) || sgd.GradEvals != len(steps) {
		t.Errorf("gradient evaluations: oBAR %d, SGD %d for %d steps", bar.GradEvals, sgd.GradEvals, len(steps))
	}
}
