package generators_test

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/generators"
)

// Objective mirrors algorithms.Objective: instances must satisfy it structurally, without
// package generators importing package algorithms.
type Objective interface {
	Dim() int
	Value(x []float64) float64
	Grad(dst, x []float64)
}

var (
	_ Objective           = (*generators.LeastSquares)(nil)
	_ Objective           = (*generators.Component)(nil)
	_ generators.Instance = (*generators.LeastSquares)(nil)
	_ generators.Instance = (*generators.Logistic)(nil)
	_ generators.Instance = (*generators.Huber)(nil)
	_ generators.Instance = (*generators.Quadratic)(nil)
	_ generators.Instance = (*generators.LogSumExp)(nil)
	_ generators.Instance = (*generators.Poisson)(nil)
	_ generators.Instance = (*generators.DoubleWell)(nil)
	_ generators.Instance = (*generators.Component)(nil)
	_ error               = (*generators.Degenerate)(nil)
)

// gd runs gradient descent and returns θ_T and τ = Σ η_t, as a user's own optimiser would.
func gd(f Objective, x0, steps []float64) (x []float64, tau float64) {
	x = append([]float64(nil), x0...)
	g := make([]float64, len(x))
	for _, eta := range steps {
		f.Grad(g, x)
		for i := range x {
			x[i] -= eta * g[i]
		}
		tau += eta
	}
	return x, tau
}

func dist2(a, b []float64) float64 {
	var s float64
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// basicGap returns LHS − RHS of f(θ_T) + ‖θ_T − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ), and the
// scale (sum of the magnitudes of the terms).
func basicGap(f Objective, x0, xT, z []float64, tau float64) (gap, scale float64) {
	a, b := f.Value(xT), dist2(xT, z)/(2*tau)
	c, d := f.Value(z), dist2(x0, z)/(2*tau)
	return a + b - c - d, math.Abs(a) + b + math.Abs(c) + d
}

// TestExplicitExampleBoundary: THEOREMS' explicit example, η = 1/L on f(x) = x²/2 (L = 1
// exactly), satisfies the basic inequality.
func TestExplicitExampleBoundary(t *testing.T) {
	f := generators.NewScalarQuadratic(1)
	if f.Smoothness() != 1 || f.String() != "f(x) = 0.5·1·x²" {
		t.Fatalf("x²/2: L = %g, String %q", f.Smoothness(), f.String())
	}
	for _, x0 := range []float64{-3, -1, 0.5, 2} {
		for T := 1; T <= 5; T++ {
			steps := make([]float64, T)
			for i := range steps {
				steps[i] = 1
			}
			xT, tau := gd(f, []float64{x0}, steps)
			for _, z := range []float64{-2, -0.5, 0, 0.3, 4} {
				if gap, scale := basicGap(f, []float64{x0}, xT, []float64{z}, tau); gap > 1e-15*scale {
					t.Errorf("x0=%g T=%d z=%g: LHS − RHS = %g", x0, T, z, gap)
				}
			}
		}
	}
}

// TestCounterexampleValue reproduces THEOREMS' negative control: η = 1.978 > 1/L on x²/2,
// x_0 = −1.984, T = 1, z = −1.692 gives LHS − RHS ≈ +3.77.
func TestCounterexampleValue(t *testing.T) {
	f := generators.NewScalarQuadratic(1)
	x0, z := []float64{-1.984}, []float64{-1.692}
	xT, tau := gd(f, x0, []float64{1.978})
	gap, _ := basicGap(f, x0, xT, z, tau)
	if math.Abs(gap-3.77) > 0.01 {
		t.Errorf("LHS − RHS = %g, want ≈ 3.77", gap)
	}
}

// TestBasicInequalityOnDrawnInstances uses only the public API, as a theorem would: draw a
// convex instance, a start, a schedule and a reference point, run GD, check the inequality.
// A violation beyond rounding here means a smoothness constant was too small.
func TestBasicInequalityOnDrawnInstances(t *testing.T) {
	var discards, runs int
	rapid.Check(t, func(t *rapid.T) {
		runs++
		inst, err := generators.DrawConvex(t, 10, 5)
		if err != nil {
			if _, ok := generators.IsDegenerate(err); !ok {
				t.Fatalf("non-degenerate error: %v", err)
			}
			discards++
			return
		}
		d := inst.Dim()
		x0 := generators.DrawVector(t, "theta0", d, generators.ThetaScale(inst))
		T := generators.DrawHorizon(t, 30)
		steps, kind := generators.DrawSchedule(t, T, inst.Smoothness())
		xT, tau := gd(inst, x0, steps)
		z, zkind := generators.DrawReference(t, inst, x0, xT, tau)
		gap, scale := basicGap(inst, x0, xT, z, tau)
		// Values carry absolute rounding errors proportional to the terms they cancel, not
		// to |f| (see ValueScale); T steps add their own.
		vs, ok := inst.(interface{ ValueScale([]float64) float64 })
		if !ok {
			t.Fatalf("%v has no ValueScale", inst)
		}
		scale += vs.ValueScale(x0) + vs.ValueScale(xT) + vs.ValueScale(z)
		if gap > 1e-9*scale || math.IsNaN(gap) {
			t.Fatalf("%v, schedule %s, reference %s: LHS − RHS = %g (scale %g)", inst, kind, zkind, gap, scale)
		}
	})
	if discards*4 > runs {
		t.Errorf("%d of %d draws discarded", discards, runs)
	}
}

// TestNegativeControlIsCaught: steps in (1/L, 2/L) on the unit quadratic violate the
// inequality for some reference point, and the double well reports itself non-convex.
func TestNegativeControlIsCaught(t *testing.T) {
	caught := false
	rapid.Check(t, func(t *rapid.T) {
		f := generators.NewScalarQuadratic(1)
		steps := generators.DrawStepsInRange(t, 1, 1, 1.9, 2)
		x0 := generators.DrawVector(t, "theta0", 1, 2)
		xT, tau := gd(f, x0, steps)
		z := generators.DrawVector(t, "z", 1, 2)
		if gap, scale := basicGap(f, x0, xT, z, tau); gap > 1e-9*scale {
			caught = true
		}
	})
	if !caught {
		t.Error("steps in (1.9/L, 2/L] never violated the inequality")
	}
	if generators.NewDoubleWell(2, 2).Convex() {
		t.Error("double well claims convexity")
	}
}

func TestIsDegenerate(t *testing.T) {
	_, err := generators.NewLeastSquares(mat.NewDense(2, 2, nil), []float64{1, 1})
	reason, ok := generators.IsDegenerate(err)
	if !ok || reason == "" {
		t.Fatalf("X = 0 gave %v", err)
	}
	wrapped := fmt.Errorf("drawing: %w", err)
	if r2, ok := generators.IsDegenerate(wrapped); !ok || r2 != reason {
		t.Errorf("wrapped Degenerate not recognised")
	}
	if _, ok := generators.IsDegenerate(fmt.Errorf("other")); ok {
		t.Error("plain error recognised as Degenerate")
	}
}

func ExampleNewScalarQuadratic() {
	f := generators.NewScalarQuadratic(1)
	fmt.Println(f)
	fmt.Println("L =", f.Smoothness())
	// Output:
	// f(x) = 0.5·1·x²
	// L = 1
}

func ExampleNewLeastSquares() {
	X := mat.NewDense(2, 1, []float64{3, 4})
	f, err := generators.NewLeastSquares(X, []float64{1, 2})
	if err != nil {
		panic(err)
	}
	// L = λ_max(XᵀX)/n = 25/2, certified: a hair above 12.5.
	fmt.Printf("%.12g %v\n", f.Smoothness(), f.Smoothness() >= 12.5)
	x, _ := f.Minimizer()
	fmt.Printf("%.12g\n", x[0]) // (3·1 + 4·2)/25
	// Output:
	// 12.5 true
	// 0.44
}
