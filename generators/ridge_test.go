package generators

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/implicitreg/verify/internal/numeric"
)

// ridgeObjective returns h(x) = f(x) + ‖x − c‖²/(2τ).
func ridgeObjective(f Instance, c []float64, tau float64, x []float64) float64 {
	return f.Value(x) + numeric.Dist2Sq(x, c)/(2*tau)
}

// ridgeGradNorm returns ‖∇f(x) + (x − c)/τ‖ and the magnitude of its two terms.
func ridgeGradNorm(f Instance, c []float64, tau float64, x []float64) (norm, scale float64) {
	g := gradOf(f, x)
	diff := make([]float64, len(x))
	numeric.SubTo(diff, x, c)
	scale = numeric.Norm2(g) + numeric.Norm2(diff)/tau
	for j := range g {
		g[j] += diff[j] / tau
	}
	return numeric.Norm2(g), scale
}

func TestLeastSquaresRidgeOptimality(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	for _, sh := range [][2]int{{1, 1}, {3, 5}, {30, 4}} {
		f := must(NewLeastSquares(randMat(rng, sh[0], sh[1], 1), randVec(rng, sh[0], 1)))
		for _, tau := range []float64{1e-3, 1, 1e3} {
			c := randVec(rng, sh[1], 1)
			x, ok := f.Ridge(c, tau)
			fatalIf(t, !ok, "%v τ=%g: Ridge failed", sh, tau)
			// A backward-stable solve of Mθ = r leaves a residual of order Eps·(‖M‖‖θ‖ + ‖r‖).
			r, _ := ridgeGradNorm(f, c, tau, x)
			kappa := 1 + tau*f.Smoothness()
			s := (f.Smoothness()+1/tau)*numeric.Norm2(x) + numeric.Norm2(c)/tau + numeric.Norm2(gradOf(f, make([]float64, sh[1])))
			if r > 64*float64(sh[0]+sh[1])*numeric.Eps*s {
				t.Errorf("%v τ=%g: ‖∇h(ridge)‖ = %g > 64(n+d)·Eps·%g", sh, tau, r, s)
			}
			if gap := RidgeGapBound(f, c, tau, x); !(gap >= 0) || gap > 1e-20*(1+math.Abs(ridgeObjective(f, c, tau, x)))*kappa*kappa {
				t.Errorf("%v τ=%g: certified gap %g at the exact ridge solution", sh, tau, gap)
			}
		}
	}
	f := must(NewLeastSquares(matOf(1, 1, 1), []float64{2}))
	if _, ok := f.Ridge([]float64{0}, 0); ok {
		t.Error("Ridge with τ = 0 succeeded")
	}
}

// TestLeastSquaresMinimizer: normal equations, and minimum norm when n < d (the solution is
// in the row space of X, so adding a null vector only increases its norm).
func TestLeastSquaresMinimizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for _, sh := range [][2]int{{1, 1}, {2, 5}, {20, 3}} {
		for _, s := range []float64{1e-130, 1, 1e100} {
			X := randMat(rng, sh[0], sh[1], s)
			f := must(NewLeastSquares(X, randVec(rng, sh[0], 1)))
			x, ok := f.Minimizer()
			fatalIf(t, !ok, "%v: Minimizer failed", sh)
			g := gradOf(f, x)
			if r := numeric.Norm2(g); r > 1e-12*math.Sqrt(f.Smoothness())*numeric.Norm2(f.Y())/math.Sqrt(float64(sh[0])) {
				t.Errorf("%v s=%g: normal-equation residual ‖Xᵀ(Xθ − y)‖/n = %g", sh, s, r)
			}
			if sh[0] < sh[1] {
				// A vector in the null space of X: project a random vector.
				v := randVec(rng, sh[1], 1)
				xt := f.X()
				// Gram–Schmidt against the rows.
				rows := make([][]float64, sh[0])
				for i := range rows {
					rows[i] = append([]float64(nil), xt.RawRowView(i)...)
					for k := 0; k < i; k++ {
						numeric.Axpy(rows[i], -numeric.Dot(rows[i], rows[k]), rows[k])
					}
					nr := numeric.Norm2(rows[i])
					numeric.ScaleTo(rows[i], 1/nr, rows[i])
					numeric.Axpy(v, -numeric.Dot(v, rows[i]), rows[i])
				}
				for i := range rows {
					numeric.Axpy(v, -numeric.Dot(v, rows[i]), rows[i])
				}
				if c := math.Abs(numeric.Dot(v, x)); c > 1e-10*numeric.Norm2(v)*numeric.Norm2(x) {
					t.Errorf("%v s=%g: minimiser not orthogonal to null(X): |⟨v, θ⟩| = %g", sh, s, c)
				}
			}
		}
	}
}

func TestQuadraticRidgeAndMinimizer(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 14))
	d := 6
	q := householderProduct(d, d, randVec(rng, d*d, 1))
	vals := []float64{0, 0, 1e-3, 0.5, 1, 2}
	f := must(NewQuadratic(vals, q, nil, 0))
	w := randVec(rng, d, 1)
	f.Grad(f.b, w) // b = Hw ∈ range(H)
	x, ok := f.Minimizer()
	fatalIf(t, !ok, "Minimizer failed for b ∈ range(H)")
	if r := numeric.Norm2(gradOf(f, x)); r > 1e-12*numeric.Norm2(f.b)*1e3 {
		t.Errorf("‖∇f(minimiser)‖ = %g", r)
	}
	c := randVec(rng, d, 1)
	for _, tau := range []float64{1e-2, 1, 1e4} {
		z, ok := f.Ridge(c, tau)
		fatalIf(t, !ok, "Ridge failed")
		r, s := ridgeGradNorm(f, c, tau, z)
		if r > 1e3*(1+tau*f.Smoothness())*numeric.Eps*s {
			t.Errorf("τ=%g: ‖∇h(ridge)‖ = %g (scale %g)", tau, r, s)
		}
	}
	g := must(NewQuadratic(vals, q, []float64{1, 0, 0, 0, 0, 0}, 0))
	if _, ok := g.Minimizer(); ok && numeric.Norm2(g.B()) > 0 {
		// b = e_1 has a null-space component unless e_1 ⟂ null(H); with a random Q it does.
		t.Error("Minimizer succeeded although b ∉ range(H) (f unbounded below)")
	}
}

// certificateCase runs the damped-Newton solver for k iterations and checks that the
// certificate at x_k is at least h(x_k) − h(x*) (≤ the true gap), with x* the converged
// solution, and that the converged certificate is tiny.
func certificateCase(t *testing.T, name string, inst Instance, prob newtonProblem, c []float64, tau float64) {
	t.Helper()
	xs := ridgeNewton(prob, c, tau, 200)
	hs := ridgeObjective(inst, c, tau, xs)
	gapStar := RidgeGapBound(inst, c, tau, xs)
	if !(gapStar >= 0) || gapStar > 1e-12*(1+math.Abs(hs)) {
		t.Errorf("%s τ=%g: converged certificate %g too large (h = %g)", name, tau, gapStar, hs)
	}
	for k := 0; k <= 4; k++ {
		xk := ridgeNewton(prob, c, tau, k)
		actual := ridgeObjective(inst, c, tau, xk) - hs
		gap := RidgeGapBound(inst, c, tau, xk)
		if gap < actual-8*numeric.Eps*(1+math.Abs(hs)) {
			t.Errorf("%s τ=%g k=%d: certificate %g < actual gap %g", name, tau, k, gap, actual)
		}
	}
}

func TestRidgeCertificates(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 15))
	X := randMat(rng, 12, 4, 1)
	y := randVec(rng, 12, 1)
	lg := must(NewLogistic(X, randLabels(rng, 12)))
	hb := must(NewHuber(X, y, 0.2))
	ps := must(NewPoisson(X, []float64{0, 1, 2, 0, 1, 3, 0, 0, 1, 2, 1, 0}, make([]float64, 4), 1))
	lse := must(NewLogSumExp(X, y))
	ls := must(NewLeastSquares(X, y))
	for _, tau := range []float64{0.1, 10, 1e4} {
		c := randVec(rng, 4, 1)
		certificateCase(t, "logistic", lg, lg.g.newtonProblem(), c, tau)
		certificateCase(t, "huber", hb, hb.g.newtonProblem(), c, tau)
		certificateCase(t, "poisson", ps, ps.g.newtonProblem(), c, tau)
		certificateCase(t, "least-squares", ls, ls.g.newtonProblem(), c, tau)
		certificateCase(t, "log-sum-exp", lse, newtonProblem{d: 4, value: lse.Value, grad: lse.Grad, hess: lse.HessianAt}, c, tau)
		// The generic certificate path (an Instance without ridgeGap).
		certificateCase(t, "opaque-logistic", opaque{lg}, lg.g.newtonProblem(), c, tau)
		// The exported solvers return their own certificate.
		x, gap, ok := lg.Ridge(c, tau)
		fatalIf(t, !ok, "logistic Ridge failed")
		if g2 := RidgeGapBound(lg, c, tau, x); g2 != gap {
			t.Errorf("Logistic.Ridge gap %g ≠ RidgeGapBound %g", gap, g2)
		}
	}
}

// opaque hides the ridgeCertifier method of an instance.
type opaque struct{ Instance }

func TestApproxRidge(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 16))
	f := must(NewLogSumExp(randMat(rng, 6, 3, 1), randVec(rng, 6, 1)))
	c := randVec(rng, 3, 1)
	x, ok := approxRidge(opaque{f}, c, 5, 500)
	fatalIf(t, !ok, "approxRidge failed")
	if gap := RidgeGapBound(f, c, 5, x); gap > 1e-14 {
		t.Errorf("accelerated ridge after 500 iterations: gap bound %g", gap)
	}
}
