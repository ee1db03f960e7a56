package generators

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// hessianProbes returns Hessians of inst at a few points where they are available.
func hessianProbes(rng *rand.Rand, inst Instance) []*mat.SymDense {
	var hs []*mat.SymDense
	switch f := inst.(type) {
	case *LeastSquares:
		hs = append(hs, f.Hessian())
	case *Quadratic:
		hs = append(hs, f.Hessian())
	case *Logistic:
		hs = append(hs, f.HessianAt(make([]float64, f.Dim()))) // σ(1−σ) = ¼ everywhere: tight
		for k := 0; k < 3; k++ {
			hs = append(hs, f.HessianAt(pointFor(rng, f)))
		}
	case *Huber:
		for k := 0; k < 3; k++ {
			hs = append(hs, f.HessianAt(pointFor(rng, f)))
		}
	case *Poisson:
		for k := 0; k < 3; k++ {
			hs = append(hs, f.HessianAt(pointFor(rng, f)))
		}
	case *LogSumExp:
		for k := 0; k < 3; k++ {
			hs = append(hs, f.HessianAt(pointFor(rng, f)))
		}
	}
	return hs
}

// TestSmoothnessBoundsHessian checks the certified L against λ_max of exact Hessians
// (≤ L, up to the rounding of forming the Hessian), and that it is not loose where it should
// be tight (least squares, quadratics, logistic at θ = 0: within 1e-8 relative).
func TestSmoothnessBoundsHessian(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, ni := range fixedInstances() {
		L := ni.inst.Smoothness()
		fatalIf(t, !(L > 0) || math.IsInf(L, 0), "%s: L = %g", ni.name, L)
		for k, h := range hessianProbes(rng, ni.inst) {
			lam, ok := numeric.MaxEigSym(h)
			fatalIf(t, !ok, "%s: MaxEigSym failed", ni.name)
			// The formed Hessian carries its own rounding (~n·Eps relative).
			if lam > L*(1+1e-12) {
				t.Errorf("%s: λ_max(∇²f) = %.17g > certified L = %.17g", ni.name, lam, L)
			}
			tight := false
			switch ni.inst.(type) {
			case *LeastSquares, *Quadratic:
				tight = true
			case *Logistic:
				tight = k == 0
			}
			if tight && lam < L*(1-1e-8) {
				t.Errorf("%s: certified L = %.17g is loose against λ_max = %.17g", ni.name, L, lam)
			}
		}
	}
}

// TestSmoothnessLipschitzProbes checks ‖∇f(x) − ∇f(y)‖ ≤ L‖x − y‖ on random pairs and on
// finite-difference Hessian–vector probes (y = x + hv), for every instance including those
// without an explicit Hessian, allowing for the gradients' own rounding-error bounds.
func TestSmoothnessLipschitzProbes(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	for _, ni := range fixedInstances() {
		inst := ni.inst
		L := inst.Smoothness()
		for trial := 0; trial < 8; trial++ {
			x := pointFor(rng, inst)
			var y []float64
			if trial%2 == 0 {
				y = pointFor(rng, inst)
			} else {
				h := 1e-4 * math.Max(numeric.Norm2(x), ThetaScale(inst))
				if p, ok := inst.(*Poisson); ok {
					h = math.Min(h, p.Radius()/4)
				}
				y = axpy(h, unitVec(rng, inst.Dim()), x)
			}
			gx, gy := gradOf(inst, x), gradOf(inst, y)
			diff := make([]float64, len(gx))
			numeric.SubTo(diff, gx, gy)
			lhs := numeric.Norm2(diff)
			dx := make([]float64, len(x))
			numeric.SubTo(dx, x, y)
			rhs := L*numeric.Norm2(dx)*(1+1e-12) + gradErr(inst, x) + gradErr(inst, y)
			if lhs > rhs {
				t.Errorf("%s: ‖∇f(x) − ∇f(y)‖ = %g > L‖x − y‖ = %g", ni.name, lhs, rhs)
			}
		}
	}
}

// TestLInfSmoothness probes ‖∇f(x) − ∇f(y)‖_∞ ≤ L₁‖x − y‖₁ for the GLMs and checks the
// constant by hand.
func TestLInfSmoothness(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	X := matOf(2, 2, 1, -3, 2, 0.5)
	if l := must(NewLeastSquares(X, []float64{0, 0})).LInfSmoothness(); l != 9 {
		t.Errorf("least squares L₁ = %g, want 9", l)
	}
	if l := must(NewLogistic(X, []float64{1, -1})).LInfSmoothness(); l != 2.25 {
		t.Errorf("logistic L₁ = %g, want 2.25", l)
	}
	type linf interface {
		Instance
		LInfSmoothness() float64
	}
	for _, ni := range fixedInstances() {
		f, ok := ni.inst.(linf)
		if !ok {
			continue
		}
		L1 := f.LInfSmoothness()
		for trial := 0; trial < 5; trial++ {
			x, y := pointFor(rng, f), pointFor(rng, f)
			diff := make([]float64, f.Dim())
			numeric.SubTo(diff, gradOf(f, x), gradOf(f, y))
			dx := make([]float64, f.Dim())
			numeric.SubTo(dx, x, y)
			if lhs, rhs := numeric.NormInf(diff), L1*numeric.Norm1(dx)*(1+1e-12); lhs > rhs {
				t.Errorf("%s: ‖Δ∇f‖_∞ = %g > L₁‖Δx‖₁ = %g", ni.name, lhs, rhs)
			}
		}
	}
}

func TestComponentSmoothness(t *testing.T) {
	X := matOf(2, 2, 3, 4, 1, 0)
	ls := must(NewLeastSquares(X, []float64{1, 2}))
	if l := ls.Component(0).Smoothness(); l < 25 || l > 25*(1+1e-14) {
		t.Errorf("‖x_0‖² certified = %.17g, want 25⁺", l)
	}
	lg := must(NewLogistic(X, []float64{1, -1}))
	if l := lg.Component(0).Smoothness(); l < 6.25 || l > 6.25*(1+1e-14) {
		t.Errorf("‖x_0‖²/4 certified = %.17g, want 6.25⁺", l)
	}
}

func TestLogSumExpBohningIsBelowPlainBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	A := randMat(rng, 5, 3, 1)
	for i := 0; i < 5; i++ { // a large common row component: the centred bound is much tighter
		A.Set(i, 0, A.At(i, 0)+10)
	}
	f := must(NewLogSumExp(A, randVec(rng, 5, 1)))
	plain, _ := numeric.GramMaxEig(A)
	if L := f.Smoothness(); L > plain/2 {
		t.Errorf("centred Böhning L = %g exceeds λ_max(AᵀA)/2 = %g", L, plain/2)
	}
	if _, err := NewLogSumExp(matOf(1, 2, 1, 2), []float64{0}); err == nil {
		t.Error("k = 1 (affine) was not degenerate")
	} else if _, ok := IsDegenerate(err); !ok {
		t.Errorf("k = 1: error %v is not *Degenerate", err)
	}
}

func TestPoissonLocalSmoothness(t *testing.T) {
	X := matOf(2, 1, 1, -2)
	f := must(NewPoisson(X, []float64{1, 0}, []float64{0.5}, 1))
	// Hessian = (e^θ + 4e^{−2θ})/2 ≤ λ_max(XᵀX)/n·exp(max_i x_i c + r|x_i|) = 2.5·e^{max(1.5, 1)}.
	want := 2.5 * math.Exp(1.5)
	if L := f.Smoothness(); L < want || L > want*(1+1e-13) {
		t.Errorf("Poisson local L = %.17g, want %.17g⁺", L, want)
	}
	if !f.InBall([]float64{1.4}) || f.InBall([]float64{1.6}) || f.InBall([]float64{math.NaN()}) {
		t.Error("InBall")
	}
	if L2 := f.LocalSmoothness([]float64{0.5}, 2); L2 <= f.Smoothness() {
		t.Error("a larger ball must give a larger constant")
	}
}

func TestDoubleWell(t *testing.T) {
	f := NewDoubleWell(3, 2)
	if f.Convex() {
		t.Error("double well claims convexity")
	}
	if L := f.Smoothness(); L < 11 || L > 11*(1+1e-14) {
		t.Errorf("double well L on [−2, 2] = %g, want 11⁺", L)
	}
	if L := NewDoubleWell(1, 0.5).Smoothness(); L < 1 {
		t.Errorf("double well L on a small box = %g, want ≥ 1 (the −1 curvature)", L)
	}
	if !f.InBox([]float64{2, -2, 0}) || f.InBox([]float64{2.1, 0, 0}) {
		t.Error("InBox")
	}
}
