package generators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/implicitreg/verify/internal/numeric"
)

// TestGradientFiniteDifferences compares ∇f(x)ᵀv with the central difference
// (f(x + hv) − f(x − hv))/(2h) along unit directions v. For an L-smooth f the Taylor
// remainder bounds the difference by L·h/2 (rigorous, also across Huber's kinks), and the
// rounding of f adds at most δf/h with δf = 1e3·Eps·(|f(x)| + L‖x‖² + ‖∇f(x)‖‖x‖), a generous
// magnitude of the terms f sums. With h = 1e-5·max(‖x‖, ThetaScale) the tolerance is about
// 1e-5 relative to L‖x‖ + ‖∇f‖, so a wrong gradient (O(1) relative error) cannot pass.
func TestGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, ni := range fixedInstances() {
		inst := ni.inst
		L := inst.Smoothness()
		for trial := 0; trial < 5; trial++ {
			x := pointFor(rng, inst)
			v := unitVec(rng, inst.Dim())
			g := gradOf(inst, x)
			nx := numeric.Norm2(x)
			h := 1e-5 * math.Max(nx, ThetaScale(inst))
			if p, ok := inst.(*Poisson); ok {
				h = math.Min(h, p.Radius()/4) // stay in the ball
			}
			fd := (inst.Value(axpy(h, v, x)) - inst.Value(axpy(-h, v, x))) / (2 * h)
			an := numeric.Dot(g, v)
			df := 1e3 * numeric.Eps * (math.Abs(inst.Value(x)) + L*nx*nx + numeric.Norm2(g)*nx)
			tol := L*h/2*(1+1e-6) + df/h
			if math.Abs(fd-an) > tol {
				t.Errorf("%s: ∇f·v = %.17g, central difference %.17g, |diff| %g > tol %g at x=%v", ni.name, an, fd, math.Abs(fd-an), tol, x)
			}
			if scale := L*nx + numeric.Norm2(g); tol > 1e-3*scale && scale > 0 {
				t.Errorf("%s: tolerance %g is vacuous against scale %g", ni.name, tol, scale)
			}
		}
	}
}

// TestComponentsSumToObjective checks f = (1/n) Σ f_i and ∇f = (1/n) Σ ∇f_i.
func TestComponentsSumToObjective(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	X := randMat(rng, 7, 3, 1)
	y := randVec(rng, 7, 1)
	labels := randLabels(rng, 7)
	type finite interface {
		Instance
		N() int
		Component(int) *Component
	}
	for _, f := range []finite{
		must(NewLeastSquares(X, y)),
		must(NewLogistic(X, labels)),
		must(NewHuber(X, y, 0.5)),
		must(NewPoisson(X, []float64{0, 1, 2, 3, 1, 0, 4}, make([]float64, 3), 0.5)),
	} {
		x := randVec(rng, 3, 0.3)
		var val float64
		grad := make([]float64, 3)
		gi := make([]float64, 3)
		for i := 0; i < f.N(); i++ {
			c := f.Component(i)
			val += c.Value(x)
			c.Grad(gi, x)
			numeric.Axpy(grad, 1, gi)
		}
		n := float64(f.N())
		if got, want := val/n, f.Value(x); math.Abs(got-want) > 1e-14*(1+math.Abs(want)) {
			t.Errorf("%s: (1/n)Σf_i = %g, f = %g", f.Name(), got, want)
		}
		g := gradOf(f, x)
		for j := range g {
			if math.Abs(grad[j]/n-g[j]) > 1e-14*(1+numeric.Norm2(g)) {
				t.Errorf("%s: (1/n)Σ∇f_i = %v, ∇f = %v", f.Name(), grad, g)
				break
			}
		}
	}
}

func TestLossValuesByHand(t *testing.T) {
	X := must(NewLeastSquares(matOf(2, 1, 1, 2), []float64{1, 0}))
	// f(θ) = ((1 − θ)² + (2θ)²)/4 at θ = 1: (0 + 4)/4 = 1; ∇f = (−(1−θ) + 4θ)/2 = 2.
	if v := X.Value([]float64{1}); v != 1 {
		t.Errorf("least squares f(1) = %g, want 1", v)
	}
	if g := gradOf(X, []float64{1}); g[0] != 2 {
		t.Errorf("least squares ∇f(1) = %g, want 2", g[0])
	}
	lg := must(NewLogistic(matOf(1, 1, 1), []float64{1}))
	if v := lg.Value([]float64{0}); math.Abs(v-math.Ln2) > 1e-16 {
		t.Errorf("logistic f(0) = %g, want log 2", v)
	}
	if v := lg.Value([]float64{-800}); v != 800 {
		t.Errorf("logistic f(−800) = %g, want 800 (no overflow)", v)
	}
	hb := must(NewHuber(matOf(1, 1, 1), []float64{0}, 1))
	if v := hb.Value([]float64{3}); v != 2.5 {
		t.Errorf("huber_1(3) = %g, want 2.5", v)
	}
	lse := must(NewLogSumExp(matOf(2, 1, 1, -1), []float64{0, 0}))
	if v := lse.Value([]float64{1000}); math.Abs(v-1000) > 1e-12 {
		t.Errorf("log-sum-exp at 1000 = %g, want 1000 (no overflow)", v)
	}
	if v := NewScalarQuadratic(1).Value([]float64{3}); v != 4.5 {
		t.Errorf("x²/2 at 3 = %g", v)
	}
	if v := NewDoubleWell(2, 2).Value([]float64{1, 0}); v != 0.25 {
		t.Errorf("double well at (1, 0) = %g, want 0.25", v)
	}
}
