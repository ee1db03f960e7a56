package algorithms

import (
	"github.com/implicitreg/verify/internal/numeric"

	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// mdTestDiagQuad is f(x) = ½ Σ h_i (x_i − c_i)²: convex, with the same smoothness constant max h_i
// w.r.t. ℓ2, ℓ1→ℓ∞ and ℓp→ℓq (q ≥ p), which makes L for every mirror map easy to certify.
type mdTestDiagQuad struct{ h, c []float64 }

func (q mdTestDiagQuad) Dim() int { return len(q.h) }
func (q mdTestDiagQuad) Value(x []float64) float64 {
	var s float64
	for i, h := range q.h {
		v := x[i] - q.c[i]
		s += h * v * v
	}
	return s / 2
}
func (q mdTestDiagQuad) Grad(dst, x []float64) {
	for i, h := range q.h {
		dst[i] = h * (x[i] - q.c[i])
	}
}
func (q mdTestDiagQuad) smoothness() float64 { return floats.Max(q.h) }

func mdTestNewDiagQuad(r *rand.Rand, d int, cScale float64) mdTestDiagQuad {
	q := mdTestDiagQuad{h: make([]float64, d), c: make([]float64, d)}
	for i := range q.h {
		q.h[i] = 0.5 + 1.5*r.Float64()
		q.c[i] = cScale * r.NormFloat64()
	}
	return q
}

// mdTestLinear is f(x) = ⟨c, x⟩.
type mdTestLinear struct{ c []float64 }

func (l mdTestLinear) Dim() int                  { return len(l.c) }
func (l mdTestLinear) Value(x []float64) float64 { return mdDot(l.c, x) }
func (l mdTestLinear) Grad(dst, _ []float64)     { copy(dst, l.c) }

// mdTestLeastSquares is f(x) = ‖Ax − b‖²/(2n) with A row-major n×d.
type mdTestLeastSquares struct {
	a, b []float64
	n, d int
}

func (l mdTestLeastSquares) Dim() int { return l.d }
func (l mdTestLeastSquares) Value(x []float64) float64 {
	var s float64
	for k := 0; k < l.n; k++ {
		r := mdDot(l.a[k*l.d:(k+1)*l.d], x) - l.b[k]
		s += r * r
	}
	return s / (2 * float64(l.n))
}
func (l mdTestLeastSquares) Grad(dst, x []float64) {
	for i := range dst {
		dst[i] = 0
	}
	for k := 0; k < l.n; k++ {
		row := l.a[k*l.d : (k+1)*l.d]
		r := (mdDot(row, x) - l.b[k]) / float64(l.n)
		for i, v := range row {
			dst[i] += r * v
		}
	}
}

func mdTestGauss(r *rand.Rand, d int, s float64) []float64 {
	x := make([]float64, d)
	for i := range x {
		x[i] = s * r.NormFloat64()
	}
	return x
}

// mdTestCase bundles a mirror map with samplers of its sets, for property tests.
type mdTestCase struct {
	psi MirrorMap
	// inC draws a point of C ∩ int dom ψ, sometimes on the boundary of C.
	inC func(r *rand.Rand) []float64
	// inDom draws a point of int dom ψ, usually outside C (the input of Project).
	inDom func(r *rand.Rand) []float64
	// norm is the norm StrongConvexity names.
	norm func(v []float64) float64
	// approxDiv marks maps whose Divergence has no cancellation-free form (PNorm, p < 2):
	// their rounding error scales with ψ(x) + ψ(y) rather than with D.
	approxDiv bool
}

func mdTestL2(v []float64) float64 { return floats.Norm(v, 2) }
func mdTestL1(v []float64) float64 { return floats.Norm(v, 1) }

func mdTestMust[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// mdTestSPD returns AᵀA/d + δI with A d×d Gaussian.
func mdTestSPD(r *rand.Rand, d int, delta float64) *mat.SymDense {
	a := mat.NewDense(d, d, mdTestGauss(r, d*d, 1))
	var m mat.SymDense
	m.SymOuterK(1/float64(d), a.T())
	for i := 0; i < d; i++ {
		m.SetSym(i, i, m.At(i, i)+delta)
	}
	return &m
}

func mdTestCases(r *rand.Rand, d int) []mdTestCase {
	scaleDraw := func(r *rand.Rand) float64 { return math.Pow(10, -1+2*r.Float64()) }
	gauss := func(r *rand.Rand) []float64 { return mdTestGauss(r, d, scaleDraw(r)) }
	var cases []mdTestCase
	cases = append(cases, mdTestCase{psi: mdTestMust(NewEuclidean(d)), inC: gauss, inDom: gauss, norm: mdTestL2})

	lo, hi := -1.0, 2.0
	cases = append(cases, mdTestCase{
		psi: mdTestMust(NewEuclideanBox(d, lo, hi)),
		inC: func(r *rand.Rand) []float64 {
			x := make([]float64, d)
			for i := range x {
				switch u := r.Float64(); {
				case u < 0.1:
					x[i] = lo
				case u < 0.2:
					x[i] = hi
				default:
					x[i] = lo + (hi-lo)*r.Float64()
				}
			}
			return x
		},
		inDom: func(r *rand.Rand) []float64 { return mdTestGauss(r, d, 3) },
		norm:  mdTestL2,
	})

	rad := 1.5
	cases = append(cases, mdTestCase{
		psi: mdTestMust(NewEuclideanBall(d, rad)),
		inC: func(r *rand.Rand) []float64 {
			x := mdTestGauss(r, d, 1)
			s := rad / mdTestL2(x)
			if r.Float64() < 0.7 {
				s *= math.Pow(r.Float64(), 1/float64(d))
			}
			floats.Scale(s, x)
			return x
		},
		inDom: func(r *rand.Rand) []float64 { return mdTestGauss(r, d, 2) },
		norm:  mdTestL2,
	})

	cases = append(cases, mdTestCase{psi: mdTestMust(NewMahalanobis(mdTestSPD(r, d, 0.1))), inC: gauss, inDom: gauss, norm: mdTestL2})

	cases = append(cases, mdTestCase{
		psi: mdTestMust(NewNegEntropy(d)),
		inC: func(r *rand.Rand) []float64 {
			x := make([]float64, d)
			for i := range x {
				x[i] = math.Exp(-8 * r.Float64()) // spreads over several orders of magnitude
			}
			floats.Scale(1/floats.Sum(x), x)
			return x
		},
		inDom: func(r *rand.Rand) []float64 {
			x := mdTestGauss(r, d, 2)
			for i, v := range x {
				x[i] = math.Exp(v)
			}
			return x
		},
		norm: mdTestL1,
	})

	a, b := 0.2, 3.0
	cases = append(cases, mdTestCase{
		psi: mdTestMust(NewUnnormalisedEntropy(d, a, b)),
		inC: func(r *rand.Rand) []float64 {
			x := make([]float64, d)
			for i := range x {
				switch u := r.Float64(); {
				case u < 0.1:
					x[i] = a
				case u < 0.2:
					x[i] = b
				default:
					x[i] = a + (b-a)*r.Float64()
				}
			}
			return x
		},
		inDom: func(r *rand.Rand) []float64 {
			x := mdTestGauss(r, d, 1.5)
			for i, v := range x {
				x[i] = math.Exp(v)
			}
			return x
		},
		norm: mdTestL2,
	})

	for _, p := range []float64{1.1, 1.5, 1.9, 2} {
		sparse := func(r *rand.Rand) []float64 {
			x := gauss(r)
			for i := range x {
				if r.Float64() < 0.2 {
					x[i] = 0
				}
			}
			return x
		}
		cases = append(cases, mdTestCase{
			psi:       mdTestMust(NewPNorm(d, p)),
			inC:       sparse,
			inDom:     sparse,
			norm:      func(v []float64) float64 { return LpNorm(v, p) },
			approxDiv: p != 2,
		})
	}
	return cases
}

func mdTestSub(x, y []float64) []float64 {
	z := make([]float64, len(x))
	floats.SubTo(z, x, y)
	return z
}

func mdTestAbsDot(x, y []float64) float64 {
	var s float64
	for i := range x {
		s += math.Abs(x[i] * y[i])
	}
	return s
}

func mdTestForEachCase(t *testing.T, f func(t *testing.T, r *rand.Rand, c mdTestCase)) {
	for _, d := range []int{1, 2, 5, 17} {
		r := rand.New(rand.NewPCG(uint64(d), 42))
		for _, c := range mdTestCases(r, d) {
			t.Run(fmt.Sprintf("%s/d=%d", c.psi.Name(), d), func(t *testing.T) {
				f(t, rand.New(rand.NewPCG(uint64(d), 7)), c)
			})
		}
	}
}

func TestBregmanDivergenceNonNegative(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		for trial := 0; trial < 200; trial++ {
			x, y := c.inDom(r), c.inDom(r)
			if trial%2 == 0 {
				x, y = c.inC(r), c.inC(r)
			}
			if D := c.psi.Divergence(x, y); !(D >= 0) {
				t.Fatalf("D(x, y) = %g < 0 (or NaN) for x=%v y=%v", D, x, y)
			}
			D0 := c.psi.Divergence(x, x)
			if !c.approxDiv && D0 != 0 {
				t.Fatalf("D(x, x) = %g, want exactly 0, x=%v", D0, x)
			}
			if tol := 1e-14 * (1 + math.Abs(c.psi.Value(x))); !(D0 >= 0 && D0 <= tol) {
				t.Fatalf("D(x, x) = %g, want within [0, %g], x=%v", D0, tol, x)
			}
		}
	})
}

func TestThreePointIdentity(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		d := len(c.inC(r))
		gx, gy := make([]float64, d), make([]float64, d)
		worst := 0.0
		for trial := 0; trial < 300; trial++ {
			x, y, z := c.inDom(r), c.inDom(r), c.inDom(r)
			if trial%3 == 0 {
				x, y, z = c.inC(r), c.inC(r), c.inC(r)
			}
			c.psi.Grad(gx, x)
			c.psi.Grad(gy, y)
			Dzx, Dzy, Dyx := c.psi.Divergence(z, x), c.psi.Divergence(z, y), c.psi.Divergence(y, x)
			lhs := Dzx - Dzy - Dyx
			gd, zy := mdTestSub(gy, gx), mdTestSub(z, y)
			rhs := mdDot(gd, zy)
			scale := Dzx + Dzy + Dyx + mdTestAbsDot(gd, zy)
			if c.approxDiv {
				scale += math.Abs(c.psi.Value(x)) + math.Abs(c.psi.Value(y)) + math.Abs(c.psi.Value(z))
			}
			m := math.Abs(lhs - rhs)
			if scale > 0 {
				m /= scale
			}
			worst = math.Max(worst, m)
			if !(m <= 1e-13) {
				t.Fatalf("three-point identity: lhs %.17g rhs %.17g (relative %g)\nx=%v\ny=%v\nz=%v", lhs, rhs, m, x, y, z)
			}
		}
		t.Logf("worst relative error %.2g", worst)
	})
}

func TestProjectionOptimality(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		d := len(c.inC(r))
		p, gp, gy := make([]float64, d), make([]float64, d), make([]float64, d)
		for trial := 0; trial < 200; trial++ {
			y := c.inDom(r)
			if trial%5 == 0 {
				y = c.inC(r) // projection of a feasible point
			}
			c.psi.Project(p, y)
			if v := c.psi.Feasibility(p); v != 0 {
				t.Fatalf("Feasibility(Project(y)) = %g, y=%v p=%v", v, y, p)
			}
			if trial%5 == 0 {
				for i := range p {
					if math.Abs(p[i]-y[i]) > 4*mdEps*math.Abs(y[i]) {
						t.Fatalf("Project moved a feasible point: y=%v p=%v", y, p)
					}
				}
			}
			// In place must agree with out of place.
			yy := append([]float64(nil), y...)
			c.psi.Project(yy, yy)
			if !floats.Equal(yy, p) {
				t.Fatalf("in-place Project differs: %v vs %v", yy, p)
			}
			c.psi.Grad(gp, p)
			c.psi.Grad(gy, y)
			gd := mdTestSub(gp, gy)
			for k := 0; k < 20; k++ {
				z := c.inC(r)
				zp := mdTestSub(z, p)
				v := mdDot(gd, zp)
				// z and p lie in C only up to rounding (Σz = 1 ± ε, ‖z‖ = r(1 ± ε)), and for y
				// already in C, ∇ψ(p) − ∇ψ(y) is pure rounding residue: the scale is the size
				// of the terms, Σ(|∇ψ(p)_i| + |∇ψ(y)_i|)(|z_i| + |p_i|), not of differences.
				var scale float64
				for i := range gd {
					scale += (math.Abs(gp[i]) + math.Abs(gy[i])) * (math.Abs(z[i]) + math.Abs(p[i]))
				}
				if tol := 1e-13 * scale; !(v >= -tol) {
					t.Fatalf("⟨∇ψ(P y) − ∇ψ(y), z − P y⟩ = %g < −%g\ny=%v\np=%v\nz=%v", v, tol, y, p, z)
				}
			}
		}
	})
}

func TestMirrorStepInvertsGrad(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		d := len(c.inC(r))
		dst, gx, gd := make([]float64, d), make([]float64, d), make([]float64, d)
		tol := 1e-13
		if m, ok := c.psi.(*Mahalanobis); ok {
			lo, hi := m.Spectrum()
			tol *= hi / lo // the solve is backward stable: error ∝ κ(M)
		}
		for trial := 0; trial < 200; trial++ {
			x := c.inDom(r)
			g := mdTestGauss(r, d, math.Pow(10, -1+2*r.Float64()))
			eta := math.Pow(10, -2+2*r.Float64())
			c.psi.MirrorStep(dst, x, g, eta)
			c.psi.Grad(gx, x)
			c.psi.Grad(gd, dst)
			scale := floats.Norm(gx, math.Inf(1)) + eta*floats.Norm(g, math.Inf(1))
			for i := range gd {
				want := gx[i] - eta*g[i]
				if e := math.Abs(gd[i] - want); !(e <= tol*scale) {
					t.Fatalf("∇ψ(step)_%d = %.17g, want %.17g (error %g, scale %g)\nx=%v g=%v η=%g", i, gd[i], want, e, scale, x, g, eta)
				}
			}
		}
	})
}

func TestStrongConvexityConstants(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		d := len(c.inC(r))
		mu, normName := c.psi.StrongConvexity()
		if !(mu > 0) {
			t.Fatalf("μ = %g", mu)
		}
		switch normName {
		case "l2", "l1", "lp":
		default:
			t.Fatalf("norm %q", normName)
		}
		y, g := make([]float64, d), make([]float64, d)
		worst := math.Inf(1)
		for trial := 0; trial < 500; trial++ {
			x, z := c.inC(r), c.inC(r)
			if trial%2 == 1 {
				// A nearby feasible point: a small projected mirror step from x.
				copy(g, mdTestGauss(r, d, 1))
				c.psi.MirrorStep(y, x, g, math.Pow(10, -6+5*r.Float64()))
				c.psi.Project(z, y)
			}
			D := c.psi.Divergence(z, x)
			n := c.norm(mdTestSub(z, x))
			bound := mu / 2 * n * n
			tol := 1e-13 * bound
			if c.approxDiv {
				tol += 1e-14 * (c.psi.Value(x) + c.psi.Value(z))
			}
			if !(D >= bound-tol) {
				t.Fatalf("D(z, x) = %g < μ/2‖z − x‖² = %g\nx=%v\nz=%v", D, bound, x, z)
			}
			if bound > 0 {
				worst = math.Min(worst, D/bound)
			}
		}
		t.Logf("μ = %g (%s); smallest D/(μ/2‖·‖²) seen: %.4g", mu, normName, worst)
	})
}

func TestMahalanobisCertificate(t *testing.T) {
	m := mdTestMust(NewMahalanobis(mat.NewSymDense(3, []float64{2, 0, 0, 0, 3, 0, 0, 0, 5})))
	lo, hi := m.Spectrum()
	if mu, _ := m.StrongConvexity(); mu != lo || !(lo <= 2 && lo > 2*(1-1e-13)) || !(hi >= 5 && hi < 5*(1+1e-13)) {
		t.Fatalf("spectrum bounds (%g, %g), want just outside (2, 5)", lo, hi)
	}
	// Tiny, non-diagonal: gonum's values-only EigenSym would fail on it unscaled.
	tiny := mat.NewSymDense(2, []float64{2e-130, 1e-130, 1e-130, 2e-130})
	mt, err := NewMahalanobis(tiny)
	if err != nil {
		t.Fatal(err)
	}
	if lo, _ := mt.Spectrum(); !(lo > 0.999e-130 && lo <= 1e-130) {
		t.Fatalf("tiny: λ_min bound %g, want ≈ 1e-130", lo)
	}
	for _, bad := range []*mat.SymDense{
		mat.NewSymDense(2, []float64{1, 2, 2, 1}),                   // indefinite
		mat.NewSymDense(2, []float64{1, 1, 1, 1}),                   // singular
		mat.NewSymDense(2, []float64{1, 0, 0, 1e-17}),               // below the certificate
		mat.NewSymDense(2, []float64{0, 0, 0, 0}),                   // zero
		mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1}), // NaN
	} {
		if _, err := NewMahalanobis(bad); err == nil {
			t.Errorf("NewMahalanobis(%v) accepted", mat.Formatted(bad))
		}
	}
}

func TestPNormAtZero(t *testing.T) {
	for _, p := range []float64{1.01, 1.5, 2} {
		n := mdTestMust(NewPNorm(3, p))
		zero := make([]float64, 3)
		g := []float64{1, -2, 0}
		dst := make([]float64, 3)
		n.Grad(dst, zero)
		if !floats.Equal(dst, zero) {
			t.Fatalf("p=%g: ∇ψ(0) = %v", p, dst)
		}
		n.MirrorStep(dst, zero, g, 0.5)
		if !mdAllFinite(dst) || dst[0] >= 0 || dst[1] <= 0 || dst[2] != 0 {
			t.Fatalf("p=%g: step from 0 = %v", p, dst)
		}
		x := []float64{0.3, -0.2, 0}
		if D, want := n.Divergence(x, zero), n.Value(x); math.Abs(D-want) > 1e-16 {
			t.Fatalf("p=%g: D(x, 0) = %g, want ψ(x) = %g", p, D, want)
		}
		if D := n.Divergence(zero, zero); D != 0 {
			t.Fatalf("p=%g: D(0, 0) = %g", p, D)
		}
	}
	// Huge and tiny scales: no overflow in |x_i|^p.
	n := mdTestMust(NewPNorm(2, 1.5))
	for _, s := range []float64{1e-300, 1e300} {
		x := []float64{3 * s, -4 * s}
		g := make([]float64, 2)
		n.Grad(g, x)
		if !mdAllFinite(g) || g[0] <= 0 || g[1] >= 0 {
			t.Fatalf("scale %g: ∇ψ = %v", s, g)
		}
	}
}

func TestEntropyBregmanAccuracy(t *testing.T) {
	// x = 1, y = 1 + u: the exact value is u − log1p(u) = u²/2 − u³/3 + u⁴/4 − …
	for _, u := range []float64{1e-12, -1e-9, 1e-6, -1e-4, 0.01, 0.12, -0.12, 0.13, -0.13, 0.5, 3} {
		y := 1 + u
		uu := y - 1 // the u actually represented
		var want float64
		if math.Abs(uu) < 0.01 {
			want = uu * uu * (0.5 - uu/3 + uu*uu/4 - uu*uu*uu/5 + uu*uu*uu*uu/6)
		} else {
			want = uu - math.Log1p(uu)
		}
		got := mdEntropyBregman(1, y)
		if rel := math.Abs(got-want) / want; rel > 1e-13 {
			t.Errorf("u=%g: got %.17g want %.17g (relative %g)", u, got, want, rel)
		}
		gotLog := mdEntropyBregmanLog(1, math.Log(y))
		if rel := math.Abs(gotLog-want) / want; rel > 1e-6*math.Max(1, 1e-10/math.Abs(uu)) && math.Abs(uu) > 1e-8 {
			// log(y) itself rounds to ~1e-16 absolute, so relative accuracy ~1e-16/u² at best.
			t.Errorf("log form u=%g: got %.17g want %.17g (relative %g)", u, gotLog, want, rel)
		}
	}
	// Extreme magnitudes do not overflow or lose the term.
	if v := mdEntropyBregman(1e-310, 1); math.Abs(v-1) > 1e-15 {
		t.Errorf("entropyBregman(1e-310, 1) = %g", v)
	}
	if v := mdEntropyBregman(1, 1e-310); math.Abs(v-(310*math.Ln10-1)) > 1e-12 {
		t.Errorf("entropyBregman(1, 1e-310) = %g", v)
	}
}

func TestSafeLogSubnormal(t *testing.T) {
	for _, c := range []struct{ x, want float64 }{
		{1e-310, -310 * math.Ln10},
		{5e-324, -1074 * math.Ln2},
		{0x1p-1023, -1023 * math.Ln2},
		{0x1p-1022, -1022 * math.Ln2},
		{1, 0},
		{0, math.Inf(-1)},
	} {
		if got := numeric.Log(c.x); math.Abs(got-c.want) > 1e-13*math.Abs(c.want) && got != c.want {
			t.Errorf("safeLog(%g) = %.17g, want %.17g", c.x, got, c.want)
		}
	}
	if !math.IsNaN(numeric.Log(-1)) {
		t.Errorf("safeLog(-1) not NaN")
	}
}

func TestEuclideanMirrorDescentEqualsGD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{1, 3, 10} {
		n := 2 * d
		f := mdTestLeastSquares{a: mdTestGauss(r, n*d, 1), b: mdTestGauss(r, n, 1), n: n, d: d}
		x0 := mdTestGauss(r, d, 1)
		steps := make([]float64, 40)
		for i := range steps {
			steps[i] = 0.05 + r.Float64()
		}
		md := MirrorDescent(f, mdTestMust(NewEuclidean(d)), x0, steps)
		gd := GradientDescent(f, x0, steps)
		if md.GradEvals != gd.GradEvals || !floats.Equal(md.Steps, gd.Steps) || md.T() != gd.T() {
			t.Fatalf("bookkeeping differs: %d/%d evals, T %d/%d", md.GradEvals, gd.GradEvals, md.T(), gd.T())
		}
		for k := range md.Iterates {
			for i := range md.Iterates[k] {
				if md.Iterates[k][i] != gd.Iterates[k][i] {
					t.Fatalf("d=%d: iterate %d differs: %v vs %v", d, k, md.Iterates[k], gd.Iterates[k])
				}
			}
		}
	}
}

// TestMirrorDescentBasicInequality runs every map on a diagonal quadratic with steps up to
// 1/L, L = L'/μ, and checks the mirror-descent basic inequality at random z ∈ C, feasibility
// of every iterate and monotonicity of f. It is a smoke test of the algorithm, not of the
// theorem (package theorems owns that).
func TestMirrorDescentBasicInequality(t *testing.T) {
	mdTestForEachCase(t, func(t *testing.T, r *rand.Rand, c mdTestCase) {
		x0 := c.inC(r)
		d := len(x0)
		f := mdTestNewDiagQuad(r, d, 1)
		mu, _ := c.psi.StrongConvexity()
		L := f.smoothness() / mu
		steps := make([]float64, 60)
		var tau float64
		for i := range steps {
			steps[i] = (0.2 + 0.8*r.Float64()) / L
			tau += steps[i]
		}
		if r.Float64() < 0.5 {
			for i := range steps {
				steps[i] = 1 / L
			}
			tau = float64(len(steps)) / L
		}
		tr := MirrorDescent(f, c.psi, x0, steps)
		if tr.T() != len(steps) || tr.GradEvals != len(steps) || !floats.Equal(tr.Iterates[0], x0) {
			t.Fatalf("trajectory bookkeeping")
		}
		for k, x := range tr.Iterates {
			if v := c.psi.Feasibility(x); v != 0 {
				t.Fatalf("iterate %d infeasible by %g", k, v)
			}
			if k > 0 && f.Value(x) > f.Value(tr.Iterates[k-1])*(1+1e-14)+1e-15 {
				t.Fatalf("f increased at step %d: %g → %g", k, f.Value(tr.Iterates[k-1]), f.Value(x))
			}
		}
		xT := tr.Final()
		for k := 0; k < 50; k++ {
			z := c.inC(r)
			lhs := f.Value(xT) + c.psi.Divergence(z, xT)/tau
			rhs := f.Value(z) + c.psi.Divergence(z, x0)/tau
			if lhs > rhs+1e-12*(math.Abs(lhs)+math.Abs(rhs)) {
				t.Fatalf("basic inequality: %g > %g", lhs, rhs)
			}
		}
	})
}

// TestSkippedProjectionIsVisible checks that Feasibility sees the result of a mirror step
// whose projection was dropped, for every constrained map: the mutation the theorems must
// catch leaves a trace here.
func TestSkippedProjectionIsVisible(t *testing.T) {
	d := 4
	f := mdTestLinear{c: []float64{-3, 1, 2, -0.5}}
	maps := []MirrorMap{
		mdTestMust(NewEuclideanBox(d, -1, 1)),
		mdTestMust(NewEuclideanBall(d, 1)),
		mdTestMust(NewNegEntropy(d)),
		mdTestMust(NewUnnormalisedEntropy(d, 0.5, 2)),
	}
	for _, psi := range maps {
		x := []float64{0.25, 0.25, 0.25, 0.25}
		if _, ok := psi.(*UnnormalisedEntropy); ok {
			x = []float64{1, 1, 1, 1}
		}
		g, y := make([]float64, d), make([]float64, d)
		var worst float64
		for step := 0; step < 5; step++ {
			f.Grad(g, x)
			psi.MirrorStep(y, x, g, 1)
			worst = math.Max(worst, psi.Feasibility(y))
			copy(x, y) // no projection
		}
		if !(worst > 1e-3) {
			t.Errorf("%s: unprojected iterates reported feasible (worst violation %g)", psi.Name(), worst)
		}
	}
}

func mdTestBenchObjective(d int) mdTestDiagQuad {
	r := rand.New(rand.NewPCG(1, 2))
	q := mdTestNewDiagQuad(r, d, 0.01)
	return q
}

func BenchmarkMirrorDescentStep(b *testing.B) {
	const d = 100
	r := rand.New(rand.NewPCG(5, 6))
	var f Objective = mdTestBenchObjective(d) // converted once: a struct-to-interface conversion allocates
	for _, c := range mdTestCases(r, d) {
		b.Run(c.psi.Name(), func(b *testing.B) {
			x := c.inC(r)
			grad, y := make([]float64, d), make([]float64, d)
			steps := []float64{1e-3}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				MirrorDescentIterate(f, c.psi, x, grad, y, steps, nil)
			}
		})
	}
}

// TestFeasibilityNeverPassesNonFinite: NaN and ±Inf points are never feasible, whatever the
// set (including a box with an infinite bound, where Inf − Inf would otherwise give NaN).
func TestFeasibilityNeverPassesNonFinite(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	maps := []MirrorMap{mdTestMust(NewEuclideanBox(3, 0, math.Inf(1)))}
	for _, c := range mdTestCases(r, 3) {
		maps = append(maps, c.psi)
	}
	for _, psi := range maps {
		for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			x := []float64{0.5, bad, 0.5}
			if v := psi.Feasibility(x); !math.IsInf(v, 1) {
				t.Errorf("%s: Feasibility(%v) = %g, want +Inf", psi.Name(), x, v)
			}
		}
	}
}

// TestNegEntropyMirrorDescentOverflowIsNaN documents the limit of the generic path: once
// η·|g| leaves the exponent range, MirrorDescent with NegEntropy reports NaN (never a
// plausible-looking point), while ExponentiatedGradient computes the right answer.
func TestNegEntropyMirrorDescentOverflowIsNaN(t *testing.T) {
	f := mdTestLinear{c: []float64{1, -1, 0.5}}
	x0 := egTestUniform(3)
	md := MirrorDescent(f, mdTestMust(NewNegEntropy(3)), x0, []float64{1e3})
	for _, v := range md.Final() {
		if !math.IsNaN(v) {
			t.Fatalf("MirrorDescent with overflowing step gave %v, want NaN", md.Final())
		}
	}
	if got := ExponentiatedGradient(f, x0, []float64{1e3}).Final(); got[1] != 1 || got[0] != 0 || got[2] != 0 {
		t.Fatalf("ExponentiatedGradient gave %v, want the vertex e_2", got)
	}
	// Moderate steps agree.
	steps := []float64{5, 5}
	a := MirrorDescent(f, mdTestMust(NewNegEntropy(3)), x0, steps).Final()
	b := ExponentiatedGradient(f, x0, steps).Final()
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-15 {
			t.Fatalf("moderate steps: MD %v vs EG %v", a, b)
		}
	}
}
