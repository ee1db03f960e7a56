package algorithms_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

func ltUnit(rng *rand.Rand, n int) []float64 {
	x := ltRandVec(rng, n)
	var s float64
	for _, v := range x {
		s += v * v
	}
	for i := range x {
		x[i] /= math.Sqrt(s)
	}
	return x
}

// A symmetric rank-1 tensor λv^{⊗l} is recovered exactly: ‖w‖_S = |λ|, ratio 0, residual 0,
// and the certified upper bound brackets ‖w‖_S.
func TestBestRank1OnRankOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, l := range []int{2, 3, 4} {
		for _, lambda := range []float64{2.5, -1.5} {
			v := ltUnit(rng, 5)
			w := algorithms.NewSymTensor(5, l)
			w.SetOuterPower(lambda, v)
			ve := algorithms.VEigenvalues(w, algorithms.Rank1Options{Starts: 2})
			got := math.Abs(ve.Top.Lambda)
			if !ltClose(got, math.Abs(lambda), 1, 1e-12) {
				t.Fatalf("l=%d λ=%v: |⟨w, v̂^l⟩| = %v", l, lambda, got)
			}
			if !(ve.Top.Upper >= got) || !ltClose(ve.Top.Upper, got, 1, 1e-9) {
				t.Fatalf("l=%d: certified upper %v, value %v", l, ve.Top.Upper, got)
			}
			if ve.Ratio > 1e-12 || ve.RatioUpper > 1e-7 || ve.Top.Residual > 1e-12 {
				t.Fatalf("l=%d: ratio %v (upper %v), residual %v on an exact rank-1 tensor", l, ve.Ratio, ve.RatioUpper, ve.Top.Residual)
			}
			x := algorithms.ExtractVector(ve.Top, l)
			back := algorithms.NewSymTensor(5, l)
			back.SetOuterPower(1, x)
			back.Axpy(-1, w)
			if l%2 == 1 || lambda > 0 {
				if back.Norm() > 1e-12 {
					t.Fatalf("l=%d λ=%v: x^{⊗l} differs from w by %v", l, lambda, back.Norm())
				}
			}
		}
	}
}

// An orthogonally decomposable tensor a·u^{⊗3} + b·v^{⊗3} (u ⊥ v, a > b > 0) has ‖w‖_S = a and
// λ_2^v = b: the ratio is b/a, and the distance to rank 1 is b.
func TestVEigenvaluesOrthogonalPair(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	u := ltUnit(rng, 4)
	v := ltUnit(rng, 4)
	var d float64
	for i := range v {
		d += u[i] * v[i]
	}
	for i := range v {
		v[i] -= d * u[i]
	}
	var s float64
	for _, x := range v {
		s += x * x
	}
	for i := range v {
		v[i] /= math.Sqrt(s)
	}
	w := algorithms.NewSymTensor(4, 3)
	w.SetOuterPower(3, u)
	w2 := algorithms.NewSymTensor(4, 3)
	w2.SetOuterPower(0.6, v)
	w.Axpy(1, w2)
	ve := algorithms.VEigenvalues(w, algorithms.Rank1Options{Starts: 4})
	if !ltClose(ve.Top.Lambda, 3, 1, 1e-10) || !ltClose(ve.Ratio, 0.2, 1, 1e-8) {
		t.Fatalf("λ1 = %v (want 3), ratio %v (want 0.2)", ve.Top.Lambda, ve.Ratio)
	}
	if !(ve.RatioUpper >= ve.Ratio-1e-12) || !(ve.Top.Upper >= ve.Top.Lambda) {
		t.Fatalf("certified bounds below the estimates: %+v", ve)
	}
	if !ltClose(ve.Top.Residual, 0.6, 1, 1e-8) || ve.Top.ResidualLower > ve.Top.Residual+1e-12 {
		t.Fatalf("distance to rank 1: %v (lower %v), want 0.6", ve.Top.Residual, ve.Top.ResidualLower)
	}
}

// The magnitude gradient bounds the gradient entrywise.
func TestLiftedAbsGradBoundsGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	type absGrader interface {
		algorithms.LiftedObjective
		AbsGradDense(g, w []float64)
	}
	for _, p := range []absGrader{ltRandCompletion(t, rng, 3, 2, 2), ltRandSensing(t, rng, 3, 4, 1, 3)} {
		size := 1
		for range p.Order() {
			size *= p.Dim()
		}
		w := ltRandVec(rng, size)
		g, a := make([]float64, size), make([]float64, size)
		p.GradDense(g, w)
		p.AbsGradDense(a, w)
		for i := range g {
			if math.Abs(g[i]) > a[i]*(1+1e-12) {
				t.Fatalf("|∇h_%d| = %v exceeds its magnitude bound %v", i, math.Abs(g[i]), a[i])
			}
		}
	}
}

// Plain lifted GD from the spectral start of the perturbed completion converges to z^{⊗3};
// the unlifted baseline converges to ±z; the symmetric iterate agrees with dense GD.
func TestLiftedAndUnliftedGDConverge(t *testing.T) {
	inst := generators.NewPerturbedCompletion(5, 0.01)
	p, err := algorithms.NewLiftedCompletion(inst.Mask, inst.Target, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	_, U := p.Weights()
	v1, _, _, ok := generators.TopEigenvector(U, 5)
	if !ok {
		t.Fatal("eigenvectors failed")
	}
	x0 := generators.SpectralInit(rand.New(rand.NewPCG(1, 1)), v1, 0.01)
	w := algorithms.NewSymTensor(5, 3)
	w.SetOuterPower(1e-3, x0)
	run := algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: 0.02, MaxIter: 3000, StopLoss: 1e-10})
	if run.Reason != algorithms.StopConverged {
		t.Fatalf("lifted GD: %+v", run)
	}
	x := algorithms.ExtractVector(algorithms.BestRank1(w, algorithms.Rank1Options{}), 3)
	for i, zi := range inst.Z {
		if math.Abs(x[i]-zi) > 1e-3 {
			t.Fatalf("lifted GD recovered %v, want z = %v", x, inst.Z)
		}
	}
	X := mat.NewDense(5, 1, nil)
	for i, v := range x0 {
		X.Set(i, 0, 1e-3*v)
	}
	ur := algorithms.UnliftedGD(p.Unlifted(), X, algorithms.UnliftedOptions{LR: 0.02, MaxIter: 3000, StopLoss: 1e-12})
	if ur.Reason != algorithms.StopConverged {
		t.Fatalf("unlifted GD: %+v", ur)
	}
	for i, zi := range inst.Z {
		if math.Abs(math.Abs(X.At(i, 0))-zi) > 1e-3 {
			t.Fatalf("unlifted GD recovered %v, want ±z", mat.Col(nil, 0, X))
		}
	}
	// 20 symmetric-storage steps equal 20 dense steps.
	w.SetOuterPower(1e-2, x0)
	dense := make([]float64, w.Shape.DenseLen())
	w.ToDense(dense)
	g := make([]float64, len(dense))
	algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: 0.02, MaxIter: 20})
	for range 20 {
		p.GradDense(g, dense)
		for i := range dense {
			dense[i] -= 0.02 * g[i]
		}
	}
	for off, v := range dense {
		if !ltClose(w.Data[w.Shape.EntryOfOffset(off)], v, 1e-6, 1e-9) {
			t.Fatalf("symmetric and dense GD differ at %d: %v vs %v", off, w.Data[w.Shape.EntryOfOffset(off)], v)
		}
	}
}

// CustomGD fires its escape on the initial plateau of a tiny start and then steps along
// v_1^{⊗3}; with a larger start no escape fires.
func TestCustomGDPlateauEscape(t *testing.T) {
	inst := generators.NewPerturbedCompletion(5, 0.01)
	p, err := algorithms.NewLiftedCompletion(inst.Mask, inst.Target, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(2, 3))
	x0 := ltRandVec(rng, 5)
	for _, c := range []struct {
		eps     float64
		escapes bool
	}{{1e-7, true}, {1e-2, false}} {
		w := algorithms.NewSymTensor(5, 3)
		w.SetOuterPower(c.eps/math.Pow(5, 1.5), x0)
		run := algorithms.LiftedGD(p, w, algorithms.LiftedGDOptions{LR: 0.02, MaxIter: 400, Escape: algorithms.AuthorsEscape()})
		fired := len(run.EscapeNorms) > 0 && run.EscapeNorms[0] < 1e-3
		if fired != c.escapes {
			t.Fatalf("ε = %g: plateau escape fired = %v, want %v (%+v)", c.eps, fired, c.escapes, run)
		}
	}
}
