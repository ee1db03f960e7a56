package algorithms

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/implicitreg/verify/internal/numeric"
)

// Closed forms of papers/sco.md §6.2 (derived) for the 2-D RERM problem, δ → 0.
func scotMenuA(c0, c1 float64) float64 { return (math.Sqrt(1-c0*c0) - c1) / math.Sqrt2 }

// TestSCORERMReduceClosedForms: on V instances (c0 = 0, a0 = 0) ρ* = min(1, (a − c1)/(2λ))
// for λ‖w‖², 1{λ < a − c1} for λ‖w‖₁, clip((a − c1 − λ)/(2λ), 0, 1) for EN(λ, λ) (the notes omit
// the clip at 1), ex* = c1ρ*; on
// B = (1, 0, 0, 1): ex* = max(0, 1 − 1/(2λ)) for λ‖w‖², 1{λ > 1} for λ‖w‖₁,
// 1 − clip((1 − λ)/(2λ), 0, 1) for EN(λ, λ); for ERM with a0 = 1 and a > c1 the minimiser is on
// the circle in direction (c0, a − c1). At δ = 1e-12 the certified enclosure must contain the
// δ → 0 value up to the δ-width of the sublevel set.
func TestSCORERMReduceClosedForms(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type tc struct {
		p    SCORERMProblem
		r    SCORegulariser
		want float64
	}
	var cases []tc
	for i := 0; i < 12; i++ {
		c1 := []float64{0, 0.1, 0.2, 0.3}[i%4]
		V := SCORERMProblem{0, c1, scotMenuA(0, c1), 0}
		lam := math.Pow(10, -1.5+2.5*rng.Float64())
		d := V.A - V.C1
		cases = append(cases,
			tc{V, SCOL2Sq(lam), c1 * math.Min(1, d/(2*lam))},
			tc{V, SCOElasticNet(lam, lam), c1 * math.Min(1, math.Max(0, (d-lam)/(2*lam)))},
		)
		if math.Abs(lam-d) > 1e-3 {
			l1 := 0.0
			if lam < d {
				l1 = c1
			}
			cases = append(cases, tc{V, SCOL1(lam), l1})
		}
		B := SCORERMProblem{1, 0, 0, 1}
		w0 := math.Max(0, math.Min(1, (1-lam)/(2*lam)))
		cases = append(cases,
			tc{B, SCOL2Sq(lam), math.Max(0, 1-1/(2*lam))},
			tc{B, SCOElasticNet(lam, lam), 1 - w0},
		)
		if math.Abs(lam-1) > 1e-3 {
			b1 := 0.0
			if lam > 1 {
				b1 = 1
			}
			cases = append(cases, tc{B, SCOL1(lam), b1})
		}
		c0 := []float64{0.2, 0.4, 0.6}[i%3]
		S := SCORERMProblem{c0, c1, scotMenuA(c0, c1), 1}
		nrm := math.Hypot(S.C0, S.A-S.C1)
		cases = append(cases, tc{S, SCOL2Sq(0), S.C0*(1-S.C0/nrm) + S.C1*(S.A-S.C1)/nrm})
	}
	for _, c := range cases {
		res := SCORERMReduce(c.p, c.r, 1e-12, SCORERMOptions{})
		if !res.Certified {
			t.Fatalf("%v %s: not certified", c.p, c.r.Name)
		}
		// The δ-sublevel set reaches √(δ/κ) beyond the minimiser; κ ≥ λ here, so 1e-5 covers it.
		if res.ExcessLower > c.want+1e-9 || res.ExcessUpper < c.want-1e-5 || res.ExcessUpper-res.ExcessLower > 1e-6 {
			t.Errorf("%v %s: ex* ∈ [%.9g, %.9g], closed form %.9g", c.p, c.r.Name, res.ExcessLower, res.ExcessUpper, c.want)
		}
		if !(res.MinLower <= res.MinUpper) || res.MinUpper-res.MinLower > 1e-11 {
			t.Errorf("%v %s: min φ ∈ [%g, %g]", c.p, c.r.Name, res.MinLower, res.MinUpper)
		}
	}
}

// TestSCORERMReduceSound compares the certificate with a dense polar grid of D: no grid
// point lies below MinLower, and no grid point with φ ≤ Target has h < ExcessLower.
func TestSCORERMReduceSound(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	regs := func(l float64) []SCORegulariser {
		return []SCORegulariser{SCOL2Sq(l), SCOL1(l), SCOElasticNet(l, l/2), SCOL2Norm(l), SCOLpNorm(l, 1+rng.Float64())}
	}
	for k := 0; k < 6; k++ {
		p := SCORERMProblem{rng.Float64(), rng.Float64() * 0.5, rng.Float64(), rng.Float64()}
		for _, r := range regs(math.Pow(10, -2+3*rng.Float64())) {
			res := SCORERMReduce(p, r, 1e-3, SCORERMOptions{})
			for i := 0; i <= 200; i++ {
				rad := float64(i) / 200
				for j := 0; j <= 200; j++ {
					th := math.Pi * float64(j) / 200
					w0, rho := rad*math.Cos(th), math.Max(0, rad*math.Sin(th))
					v := p.Phi(r, w0, rho)
					if v < res.MinLower {
						t.Fatalf("%v %s: φ(%g, %g) = %.17g below MinLower %.17g", p, r.Name, w0, rho, v, res.MinLower)
					}
					if v <= res.Target && p.Excess(w0, rho) < res.ExcessLower {
						t.Fatalf("%v %s: h(%g, %g) = %.17g below ExcessLower %.17g with φ ≤ Target", p, r.Name, w0, rho, p.Excess(w0, rho), res.ExcessLower)
					}
				}
			}
			if v := p.Phi(r, res.WitnessW0, res.WitnessRho); v > res.Target {
				t.Errorf("%v %s: witness φ = %g > Target %g", p, r.Name, v, res.Target)
			}
		}
	}
}

// The secant envelope bounds convex functions from below and is tight for smooth ones.
func TestSCOEnvelopeBoundsConvexFunctions(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for k := 0; k < 200; k++ {
		a, b, c := rng.Float64()*3, rng.NormFloat64(), rng.Float64()
		kink := rng.Float64()
		f := func(x float64) float64 { return a*(x-0.3)*(x-0.3) + b*x + c*math.Abs(x-kink) }
		var pts []scoPt
		for i := 0; i < 3+rng.IntN(30); i++ {
			x := rng.Float64()
			v := f(x)
			pts = scoInsert(pts, scoPt{x, v - 1e-15, v + 1e-15})
		}
		pts = scoInsert(pts, scoPt{0, f(0) - 1e-15, f(0) + 1e-15})
		lb, _, _ := scoEnvelopeMin(pts, 1, nil)
		tmin := math.Inf(1)
		for i := 0; i <= 100000; i++ {
			tmin = math.Min(tmin, f(float64(i)/100000))
		}
		if lb > tmin+1e-12 {
			t.Fatalf("envelope lower bound %.17g above the minimum %.17g", lb, tmin)
		}
		level := tmin + 0.1*rng.Float64()
		left := scoSublevelLeft(pts, 1, level)
		for i := 0; i <= 100000; i++ {
			x := float64(i) / 100000
			if x < left && f(x) <= level-1e-12 {
				t.Fatalf("sublevel left end %.17g, but f(%g) = %g ≤ %g", left, x, f(x), level)
			}
		}
	}
}

// Condition (C): built-in families with p ≤ 2 pass the sampled check, p = 4 and ‖·‖_∞ fail.
func TestSCOConditionC(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, r := range []SCORegulariser{SCOL2Sq(0.3), SCOL1(0.3), SCOElasticNet(0.2, 0.5), SCOL2Norm(1), SCOLpNorm(0.7, 1), SCOLpNorm(0.7, 1.3), SCOLpNorm(0.7, 2)} {
		if !r.SparseMinimal {
			t.Errorf("%s: SparseMinimal false", r.Name)
		}
		if rep := SCOCheckConditionC(r, rng, 2000, 9); !rep.Holds {
			t.Errorf("%s: (C) refuted by sampling: worst gap %g (tol %g) at %v", r.Name, rep.WorstGap, rep.Tolerance, rep.Witness)
		}
		if !SCOCheckConvexity(r, rng, 500, 9) {
			t.Errorf("%s: convexity refuted", r.Name)
		}
	}
	inf := SCOUserRegulariser("0.5‖w‖_∞", func(w []float64) float64 {
		m := 0.0
		for _, v := range w {
			m = math.Max(m, math.Abs(v))
		}
		return 0.5 * m
	}, nil, true)
	for _, r := range []SCORegulariser{SCOLpNorm(0.7, 4), inf} {
		if r.SparseMinimal {
			t.Errorf("%s: SparseMinimal true", r.Name)
		}
		if rep := SCOCheckConditionC(r, rng, 2000, 9); rep.Holds {
			t.Errorf("%s: (C) not refuted", r.Name)
		}
	}
	nonconvex := SCOUserRegulariser("−‖w‖²", func(w []float64) float64 { return -numeric.Norm2Sq(w) }, nil, true)
	if SCOCheckConvexity(nonconvex, rng, 500, 5) {
		t.Error("−‖w‖² passed the convexity check")
	}
}

// The §6.7 certificate for 0.1‖w‖_∞ on (0.2, 0.1, a, 1): g = 0.1e_k, so the bound is
// c1(a − c0 − c1)a0/(a − c1).
func TestSCOSwapBound(t *testing.T) {
	p := SCORERMProblem{0.2, 0.1, scotMenuA(0.2, 0.1), 1}
	inf := SCOUserRegulariser("0.1‖w‖_∞", func(w []float64) float64 {
		m := 0.0
		for _, v := range w {
			m = math.Max(m, math.Abs(v))
		}
		return 0.1 * m
	}, nil, true)
	c := SCOSwapBound(p, inf, 16)
	want := p.C1 * (p.A - p.C0 - p.C1) * p.A0 / (p.A - p.C1)
	if !c.OK || math.Abs(c.Bound-want) > 1e-6 || c.ExactSubgradient {
		t.Errorf("certificate %+v, want bound %g from a finite-difference subgradient", c, want)
	}
	steep := SCOL2Sq(5) // g_0 = 2·5·a0 = 10 > c0
	if c := SCOSwapBound(p, steep, 16); c.OK {
		t.Errorf("steep R accepted: %+v", c)
	}
	if c := SCOSwapBound(SCORERMProblem{0, 0.3, scotMenuA(0, 0.3), 0}, inf, 16); c.OK {
		t.Errorf("a0 = 0 accepted: %+v", c)
	}
}

// The axis recursion reproduces the SGD test vectors of THEOREMS.md §7.
func TestSCOAxisSGDTestVectors(t *testing.T) {
	for _, c := range []struct {
		c0, c1, a0 float64
		n          int
		want       float64
	}{
		{0.4, 0.3, 1, 4, 0.2800}, {0.4, 0.3, 1, 8, 0.2020}, {0.4, 0.3, 1, 12, 0.1614},
		{0.2, 0.2, 1, 4, 0.1700}, {0.2, 0.2, 1, 8, 0.1505}, {0.2, 0.2, 1, 12, 0.1365},
		{1, 0, 1, 4, 0.3750}, {1, 0, 1, 8, 0.2424}, {1, 0, 1, 12, 0.1890},
		{0, 0.3, 0, 7, 0},
	} {
		x := SCOAxisSGD(c.c0, c.a0, 1/math.Sqrt(float64(c.n)), 0, c.n)
		if got := c.c0 * math.Abs(x-c.a0); math.Abs(got-c.want) > 5e-5 {
			t.Errorf("c0 = %g, a0 = %g, n = %d: excess %.6f, want %.4f", c.c0, c.a0, c.n, got, c.want)
		}
	}
}

// Pattern search finds the minimiser of a non-smooth function on the ball, including one on
// the sphere.
func TestSCOMultiStartRERM(t *testing.T) {
	obj := func(w []float64) float64 { return math.Abs(w[0]-0.3) + 0.5*math.Abs(w[1]+0.2) + w[2]*w[2] }
	res := SCOMultiStartRERM(obj, 3, SCOLocalSearchOptions{Starts: 4, Seed: 1})
	if res.Value > 1e-6 || math.Abs(res.Best[0]-0.3) > 1e-6 || math.Abs(res.Best[1]+0.2) > 1e-5 {
		t.Errorf("pattern search: %v at %v", res.Value, res.Best)
	}
	lin := func(w []float64) float64 { return -w[0] - 2*w[1] }
	res = SCOMultiStartRERM(lin, 2, SCOLocalSearchOptions{Starts: 4, Seed: 2})
	if want := -math.Sqrt(5); res.Value > want+1e-6 {
		t.Errorf("linear objective on the ball: %v, want %v", res.Value, want)
	}
}

// Projected SGD: the average and the projection.
func TestSCOProjectedSGD(t *testing.T) {
	avg := make([]float64, 2)
	var seen [][]float64
	SCOProjectedSGD([]float64{0, 0}, 1, 1, 3, func(g, w []float64, _ int) { g[0], g[1] = -1, -1 }, avg,
		func(_ int, w, _ []float64) { seen = append(seen, append([]float64(nil), w...)) })
	// w_1 = 0, w_2 = Π(1, 1) = (1, 1)/√2, w_3 = Π(w_2 + (1, 1)) = (1, 1)/√2.
	s := 1 / math.Sqrt2
	want := [][]float64{{0, 0}, {s, s}, {s, s}}
	for i := range want {
		if math.Abs(seen[i][0]-want[i][0]) > 1e-15 || math.Abs(seen[i][1]-want[i][1]) > 1e-15 {
			t.Fatalf("iterate %d = %v, want %v", i, seen[i], want[i])
		}
	}
	if math.Abs(avg[0]-2*s/3) > 1e-15 {
		t.Errorf("average %v, want %v", avg[0], 2*s/3)
	}
}

func BenchmarkSCORERMReduce(b *testing.B) {
	p := SCORERMProblem{0.4, 0.3, scotMenuA(0.4, 0.3), 1}
	r := SCOL2Sq(0.5)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		SCORERMReduce(p, r, 1e-3, SCORERMOptions{})
	}
}

func BenchmarkSCOProjectedSGD(b *testing.B) {
	w1 := make([]float64, 64)
	avg := make([]float64, 64)
	oracle := func(g, w []float64, t int) {
		for i := range g {
			g[i] = float64((i+t)%3 - 1)
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		SCOProjectedSGD(w1, 0.1, 1, 256, oracle, avg, nil)
	}
}
