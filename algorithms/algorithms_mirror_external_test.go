package algorithms_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
)

// mdExtQuad is f(x) = ½ Σ h_i (x_i − c_i)², a user's own Objective.
type mdExtQuad struct{ h, c []float64 }

func (q *mdExtQuad) Dim() int { return len(q.h) }
func (q *mdExtQuad) Value(x []float64) float64 {
	var s float64
	for i, h := range q.h {
		s += h * (x[i] - q.c[i]) * (x[i] - q.c[i])
	}
	return s / 2
}
func (q *mdExtQuad) Grad(dst, x []float64) {
	for i, h := range q.h {
		dst[i] = h * (x[i] - q.c[i])
	}
}

func TestMirrorMapConstructorsValidate(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	spd := mat.NewSymDense(2, []float64{2, 1, 1, 2})
	for _, c := range []struct {
		name string
		make func() (algorithms.MirrorMap, error)
		ok   bool
	}{
		{"euclidean d=3", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclidean(3) }, true},
		{"euclidean d=0", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclidean(0) }, false},
		{"box", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBox(2, -1, 1) }, true},
		{"orthant box", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBox(2, 0, inf) }, true},
		{"empty box", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBox(2, 1, 1) }, false},
		{"inverted box", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBox(2, 1, -1) }, false},
		{"NaN box", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBox(2, nan, 1) }, false},
		{"ball", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBall(2, 3) }, true},
		{"ball r=0", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBall(2, 0) }, false},
		{"ball r=Inf", func() (algorithms.MirrorMap, error) { return algorithms.NewEuclideanBall(2, inf) }, false},
		{"mahalanobis", func() (algorithms.MirrorMap, error) { return algorithms.NewMahalanobis(spd) }, true},
		{"mahalanobis indefinite", func() (algorithms.MirrorMap, error) {
			return algorithms.NewMahalanobis(mat.NewSymDense(2, []float64{1, 3, 3, 1}))
		}, false},
		{"neg-entropy", func() (algorithms.MirrorMap, error) { return algorithms.NewNegEntropy(4) }, true},
		{"neg-entropy d=0", func() (algorithms.MirrorMap, error) { return algorithms.NewNegEntropy(0) }, false},
		{"entropy box", func() (algorithms.MirrorMap, error) { return algorithms.NewUnnormalisedEntropy(2, 0.1, 2) }, true},
		{"entropy box a=0", func() (algorithms.MirrorMap, error) { return algorithms.NewUnnormalisedEntropy(2, 0, 2) }, false},
		{"entropy box b=Inf", func() (algorithms.MirrorMap, error) { return algorithms.NewUnnormalisedEntropy(2, 1, inf) }, false},
		{"entropy box a>b", func() (algorithms.MirrorMap, error) { return algorithms.NewUnnormalisedEntropy(2, 2, 1) }, false},
		{"p-norm 1.5", func() (algorithms.MirrorMap, error) { return algorithms.NewPNorm(2, 1.5) }, true},
		{"p-norm 2", func() (algorithms.MirrorMap, error) { return algorithms.NewPNorm(2, 2) }, true},
		{"p-norm 1", func() (algorithms.MirrorMap, error) { return algorithms.NewPNorm(2, 1) }, false},
		{"p-norm 2.5", func() (algorithms.MirrorMap, error) { return algorithms.NewPNorm(2, 2.5) }, false},
		{"p-norm NaN", func() (algorithms.MirrorMap, error) { return algorithms.NewPNorm(2, nan) }, false},
	} {
		psi, err := c.make()
		if c.ok != (err == nil) {
			t.Errorf("%s: err = %v, want ok = %v", c.name, err, c.ok)
		}
		if c.ok && psi != nil {
			if mu, norm := psi.StrongConvexity(); !(mu > 0) || (norm != "l2" && norm != "l1" && norm != "lp") {
				t.Errorf("%s: StrongConvexity() = %g, %q", c.name, mu, norm)
			}
		}
	}
}

// mdExtMaps returns one of each map at dimension d, with a sampler of C ∩ int dom ψ that
// uses only what a user knows from the public API.
type mdExtCase struct {
	psi algorithms.MirrorMap
	inC func(r *rand.Rand) []float64
}

func mdExtMaps(t *testing.T, d int) []mdExtCase {
	t.Helper()
	ok := func(psi algorithms.MirrorMap, err error) algorithms.MirrorMap {
		if err != nil {
			t.Fatal(err)
		}
		return psi
	}
	gauss := func(r *rand.Rand) []float64 {
		x := make([]float64, d)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		return x
	}
	spd := mat.NewSymDense(d, nil)
	for i := 0; i < d; i++ {
		spd.SetSym(i, i, 1+float64(i))
		if i > 0 {
			spd.SetSym(i-1, i, 0.3)
		}
	}
	return []mdExtCase{
		{ok(algorithms.NewEuclidean(d)), gauss},
		{ok(algorithms.NewEuclideanBox(d, -0.5, 0.5)), func(r *rand.Rand) []float64 {
			x := gauss(r)
			for i := range x {
				x[i] = math.Max(-0.5, math.Min(0.5, x[i]))
			}
			return x
		}},
		{ok(algorithms.NewEuclideanBall(d, 1)), func(r *rand.Rand) []float64 {
			x := gauss(r)
			n := math.Sqrt(mdExtDot(x, x))
			for i := range x {
				x[i] *= r.Float64() / n
			}
			return x
		}},
		{ok(algorithms.NewMahalanobis(spd)), gauss},
		{ok(algorithms.NewNegEntropy(d)), func(r *rand.Rand) []float64 {
			x := make([]float64, d)
			var s float64
			for i := range x {
				x[i] = math.Exp(-4 * r.Float64())
				s += x[i]
			}
			for i := range x {
				x[i] /= s
			}
			return x
		}},
		{ok(algorithms.NewUnnormalisedEntropy(d, 0.5, 4)), func(r *rand.Rand) []float64 {
			x := make([]float64, d)
			for i := range x {
				x[i] = 0.5 + 3.5*r.Float64()
			}
			return x
		}},
		{ok(algorithms.NewPNorm(d, 1.3)), gauss},
	}
}

func mdExtDot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += x[i] * y[i]
	}
	return s
}

func TestMirrorMapsPublicContract(t *testing.T) {
	const d = 6
	names := map[string]bool{}
	for _, c := range mdExtMaps(t, d) {
		psi, inC := c.psi, c.inC
		t.Run(psi.Name(), func(t *testing.T) {
			if names[psi.Name()] {
				t.Fatalf("duplicate name %q", psi.Name())
			}
			names[psi.Name()] = true
			r := rand.New(rand.NewPCG(99, 100))
			gx, gy, g, y, p := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
			for trial := 0; trial < 100; trial++ {
				x, yy, z := inC(r), inC(r), inC(r)
				if D := psi.Divergence(x, yy); !(D >= 0) {
					t.Fatalf("D = %g", D)
				}
				if v := psi.Feasibility(x); v != 0 {
					t.Fatalf("sampled point infeasible by %g", v)
				}
				// Three-point identity.
				psi.Grad(gx, x)
				psi.Grad(gy, yy)
				lhs := psi.Divergence(z, x) - psi.Divergence(z, yy) - psi.Divergence(yy, x)
				var rhs, scale float64
				for i := range z {
					rhs += (gy[i] - gx[i]) * (z[i] - yy[i])
					scale += math.Abs((gy[i] - gx[i]) * (z[i] - yy[i]))
				}
				scale += psi.Divergence(z, x) + psi.Divergence(z, yy) + psi.Divergence(yy, x) +
					math.Abs(psi.Value(x)) + math.Abs(psi.Value(yy)) + math.Abs(psi.Value(z))
				if math.Abs(lhs-rhs) > 1e-12*scale {
					t.Fatalf("three-point identity: %g vs %g", lhs, rhs)
				}
				// A projected step lands in C, and the step inverts the gradient.
				for i := range g {
					g[i] = 3 * r.NormFloat64()
				}
				psi.MirrorStep(y, x, g, 0.7)
				psi.Project(p, y)
				if v := psi.Feasibility(p); v != 0 {
					t.Fatalf("projected step infeasible by %g", v)
				}
				psi.Grad(gy, y)
				for i := range gy {
					if want := gx[i] - 0.7*g[i]; math.Abs(gy[i]-want) > 1e-10*(1+math.Abs(want)) {
						t.Fatalf("∇ψ(step) = %v, want ∇ψ(x) − ηg", gy)
					}
				}
			}
		})
	}
}

func TestMirrorDescentPublic(t *testing.T) {
	f := &mdExtQuad{h: []float64{1, 2, 0.5}, c: []float64{3, -2, 0.1}}
	ball, err := algorithms.NewEuclideanBall(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	x0 := []float64{0.1, 0.2, -0.3}
	steps := []float64{0.5, 0.5, 0.25, 0.5}
	tr := algorithms.MirrorDescent(f, ball, x0, steps)
	if tr.T() != 4 || tr.GradEvals != 4 || len(tr.Steps) != 4 {
		t.Fatalf("T = %d, GradEvals = %d", tr.T(), tr.GradEvals)
	}
	steps[0] = 99 // the trajectory keeps its own copy
	x0[0] = 99
	if tr.Steps[0] != 0.5 || tr.Iterates[0][0] != 0.1 {
		t.Fatalf("trajectory aliases the caller's slices")
	}
	for k, x := range tr.Iterates {
		if v := ball.Feasibility(x); v != 0 {
			t.Fatalf("iterate %d outside the ball by %g", k, v)
		}
	}
	// The unconstrained minimiser is outside the ball: the iterates end on the sphere.
	if n := math.Sqrt(mdExtDot(tr.Final(), tr.Final())); math.Abs(n-1) > 1e-12 {
		t.Fatalf("‖θ_T‖ = %g, want 1", n)
	}
}

func TestExponentiatedGradientPublic(t *testing.T) {
	f := &mdExtQuad{h: []float64{1, 1, 1, 1}, c: []float64{0.7, 0.1, 0.1, 0.1}}
	x0 := []float64{0.25, 0.25, 0.25, 0.25}
	steps := []float64{1, 1, 1}
	tr := algorithms.ExponentiatedGradient(f, x0, steps)
	lt := algorithms.ExponentiatedGradientLog(f, x0, steps)
	for k := range tr.Iterates {
		for i := range tr.Iterates[k] {
			if tr.Iterates[k][i] != lt.Iterates[k][i] {
				t.Fatalf("ExponentiatedGradient and ExponentiatedGradientLog differ")
			}
		}
	}
	if tr.GradEvals != 3 || len(lt.LogIterates) != 4 {
		t.Fatalf("bookkeeping")
	}
	if xT := tr.Final(); !(xT[0] > xT[1]) {
		t.Fatalf("EG did not move towards the first coordinate: %v", xT)
	}
}

func TestEGDistributionsMatchesGibbsPublic(t *testing.T) {
	prior := []float64{0.1, 0.2, 0.3, 0.4}
	losses := []float64{0.9, 0.1, 0.5, 0.3}
	steps := []float64{0.5, 2, 0.25, 1.25}
	q, logq := algorithms.EGDistributions(prior, losses, steps)
	g, logg := algorithms.GibbsPosterior(prior, losses, 4)
	for h := range q {
		if math.Abs(q[h]-g[h]) > 1e-12 || math.Abs(logq[h]-logg[h]) > 1e-12 {
			t.Fatalf("h=%d: EG (%g, %g) vs Gibbs (%g, %g)", h, q[h], logq[h], g[h], logg[h])
		}
	}
}

// The Gibbs posterior over four hypotheses after accumulated step τ = 2, and the
// randomised-predictor basic inequality, which holds with equality.
func ExampleGibbsPosterior() {
	prior := []float64{0.25, 0.25, 0.25, 0.25}
	losses := []float64{0.9, 0.1, 0.5, 0.3}
	tau := 2.0
	q, logq := algorithms.GibbsPosterior(prior, losses, tau)
	fmt.Printf("q = %.4f\n", q)
	p := []float64{0, 1, 0, 0} // a point mass on the best hypothesis
	lhs := mdExtDot(q, losses) + algorithms.KL(q, prior)/tau + algorithms.KLLog(p, logq)/tau
	rhs := mdExtDot(p, losses) + algorithms.KL(p, prior)/tau
	fmt.Printf("identity holds: %v\n", math.Abs(lhs-rhs) < 1e-14)
	// Output:
	// q = [0.0870 0.4307 0.1935 0.2887]
	// identity holds: true
}

// With a step of 1e4, EG puts all the mass on one vertex: the other weights underflow to
// exactly 0, so KL(z‖θ_T) is +Inf from θ_T but finite from the log-weights.
func ExampleExponentiatedGradientLog() {
	f := &mdExtQuad{h: []float64{1, 1, 1}, c: []float64{1, 0, 0}}
	tr := algorithms.ExponentiatedGradientLog(f, []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}, []float64{1e4})
	z := []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	fmt.Println("θ_T =", tr.Final())
	fmt.Println("KL from θ_T:", algorithms.KL(z, tr.Final()))
	fmt.Printf("KL from log-weights: %.1f\n", algorithms.KLLog(z, tr.LogIterates[1]))
	// Output:
	// θ_T = [1 0 0]
	// KL from θ_T: +Inf
	// KL from log-weights: 6665.6
}
