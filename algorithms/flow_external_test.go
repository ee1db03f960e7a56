package algorithms_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"gonum.org/v1/gonum/mat"
)

// flowExtQuad is f(θ) = ½θᵀHθ − bᵀθ for a 2×2 H given as a rotation of diag(vals).
type flowExtQuad struct {
	h    [2][2]float64
	b    []float64
	vals []float64
	q    *mat.Dense
}

func flowExtNewQuad(vals []float64, angle float64, b []float64) *flowExtQuad {
	c, s := math.Cos(angle), math.Sin(angle)
	q := mat.NewDense(2, 2, []float64{c, -s, s, c})
	f := &flowExtQuad{b: b, vals: vals, q: q}
	for i := range 2 {
		for j := range 2 {
			for k := range 2 {
				f.h[i][j] += q.At(i, k) * vals[k] * q.At(j, k)
			}
		}
	}
	return f
}

func (f *flowExtQuad) Dim() int { return 2 }
func (f *flowExtQuad) Value(x []float64) float64 {
	var v float64
	for i := range 2 {
		v += 0.5*x[i]*(f.h[i][0]*x[0]+f.h[i][1]*x[1]) - f.b[i]*x[i]
	}
	return v
}
func (f *flowExtQuad) Grad(dst, x []float64) {
	for i := range 2 {
		dst[i] = f.h[i][0]*x[0] + f.h[i][1]*x[1] - f.b[i]
	}
}

// flowExtSoftplus is f(θ) = log(1 + e^{θ_0 − 2θ_1}) + log(1 + e^{−θ_0}): convex, not
// quadratic, no minimiser (θ → ∞ along a ray), so the flow keeps moving.
type flowExtSoftplus struct{}

func flowExtSP(m float64) float64 { // log(1 + e^m), stable
	if m > 0 {
		return m + math.Log1p(math.Exp(-m))
	}
	return math.Log1p(math.Exp(m))
}
func flowExtSig(m float64) float64 { return 1 / (1 + math.Exp(-m)) }

func (flowExtSoftplus) Dim() int { return 2 }
func (flowExtSoftplus) Value(x []float64) float64 {
	return flowExtSP(x[0]-2*x[1]) + flowExtSP(-x[0])
}
func (flowExtSoftplus) Grad(dst, x []float64) {
	s1, s2 := flowExtSig(x[0]-2*x[1]), flowExtSig(-x[0])
	dst[0] = s1 - s2
	dst[1] = -2 * s1
}

func TestFlowExternalIntegratorMatchesExact(t *testing.T) {
	for _, tc := range []struct {
		vals  []float64
		angle float64
		tau   float64
	}{
		{[]float64{1, 4}, 0.3, 2},
		{[]float64{0, 2}, 1.1, 5}, // singular H: linear drift along the null direction
		{[]float64{0.01, 30}, -0.7, 1},
	} {
		f := flowExtNewQuad(tc.vals, tc.angle, []float64{0.5, -1})
		x0 := []float64{2, 3}
		exact := algorithms.QuadraticFlow(tc.vals, f.q, f.b, x0, tc.tau)
		r, err := algorithms.GradientFlow(f, x0, tc.tau, algorithms.FlowOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if e := math.Hypot(r.X[0]-exact[0], r.X[1]-exact[1]); e > r.ErrorBound {
			t.Errorf("vals %v: ‖DP − exact‖ = %g > bound %g", tc.vals, e, r.ErrorBound)
		}
	}
}

// TestFlowExternalBasicInequality is how a theorem would use GradientFlow: the
// gradient-flow basic inequality f(θ(τ)) + ‖θ(τ) − z‖²/(2τ) ≤ f(z) + ‖θ_0 − z‖²/(2τ) on a
// convex non-quadratic f, with the integrator's error bound B folded into the tolerance:
// the left side moves by at most (‖∇f(X)‖ + ‖X − z‖/τ)·B + (G + 1/τ)·B²/2 (G = 2.5 bounds the
// Hessian here: ‖∇²f‖ ≤ ¼(‖(1,−2)‖² + 1)).
func TestFlowExternalBasicInequality(t *testing.T) {
	f := flowExtSoftplus{}
	x0 := []float64{-1, 2}
	g := make([]float64, 2)
	for _, tau := range []float64{0.1, 1, 10, 100} {
		r, err := algorithms.GradientFlow(f, x0, tau, algorithms.FlowOptions{})
		if err != nil {
			t.Fatal(err)
		}
		X, B := r.X, r.ErrorBound
		f.Grad(g, X)
		for _, z := range [][]float64{{0, 0}, {3, 1}, x0, X} {
			dX := math.Hypot(X[0]-z[0], X[1]-z[1])
			d0 := math.Hypot(x0[0]-z[0], x0[1]-z[1])
			lhs := f.Value(X) + dX*dX/(2*tau)
			rhs := f.Value(z) + d0*d0/(2*tau)
			tol := (math.Hypot(g[0], g[1])+dX/tau)*B + (2.5+1/tau)*B*B/2 + 1e-14*(math.Abs(lhs)+math.Abs(rhs))
			if lhs > rhs+tol {
				t.Errorf("τ=%v z=%v: %v > %v + %g", tau, z, lhs, rhs, tol)
			}
		}
	}
}

// The flow of f(θ) = ½θᵀHθ − bᵀθ with H = diag(0, 2) (singular) and b = (1, 2) from the
// origin: the first coordinate drifts linearly (θ_0(τ) = τ), the second approaches
// b_1/λ_1 = 1.
func ExampleQuadraticFlow() {
	vals := []float64{0, 2}
	vecs := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	b, x0 := []float64{1, 2}, []float64{0, 0}
	for _, tau := range []float64{1e-20, 1, 10} {
		x := algorithms.QuadraticFlow(vals, vecs, b, x0, tau)
		fmt.Printf("θ(%g) = (%.6g, %.6g)\n", tau, x[0], x[1])
	}
	// Output:
	// θ(1e-20) = (1e-20, 2e-20)
	// θ(1) = (1, 0.864665)
	// θ(10) = (10, 1)
}

// Integrating a gradient flow with an error bound to fold into a theorem's tolerance.
func ExampleGradientFlow() {
	f := flowExtSoftplus{}
	r, err := algorithms.GradientFlow(f, []float64{-1, 2}, 5, algorithms.FlowOptions{AbsTol: 1e-10, RelTol: 1e-10})
	if err != nil {
		panic(err)
	}
	fmt.Printf("θ(5) ≈ (%.6f, %.6f), error bound below 1e-6: %v\n", r.X[0], r.X[1], r.ErrorBound < 1e-6)
	fmt.Printf("Σ steps = τ: %v\n", r.Times[len(r.Times)-1] == 5)
	// Output:
	// θ(5) ≈ (1.089876, 2.215967), error bound below 1e-6: true
	// Σ steps = τ: true
}
