package generators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/generators"
)

// F is exactly the average of f over all 2^N sign vectors (papers/sco.md §6.1, property 1),
// f(·; y) is L-Lipschitz with the stated L (every subgradient has norm ≤ L), the subgradient
// is the gradient where f is differentiable, and F_S ≥ F − a‖u‖ (property 4).
func TestSCOInstanceProperties(t *testing.T) {
	smoothChecks := 0
	rapid.Check(t, func(t *rapid.T) {
		in := generators.DrawSCOInstance(t, 6)
		w := generators.DrawVector(t, "w", in.Dim(), 1)
		for i := range w {
			w[i] = generators.SCOQuantize(w[i])
		}
		if n := math.Sqrt(scotNorm2(w)); n > 1 {
			for i := range w {
				w[i] /= n
			}
		}
		ys := generators.SCOAllSigns(in.N)
		mean, scale := 0.0, 0.0
		for _, y := range ys {
			mean += in.Loss(w, y)
			scale += in.LossScale(w)
		}
		mean /= float64(len(ys))
		scale /= float64(len(ys))
		if F := in.Risk(w); math.Abs(F-mean) > 1e-12*(scale+1e-300) {
			t.Fatalf("F = %.17g, average of f = %.17g", F, mean)
		}
		g := make([]float64, in.Dim())
		h := make([]float64, in.Dim())
		L := in.Lipschitz()
		for _, y := range ys {
			in.Subgradient(g, w, y, generators.SCOKinkRandomUnit(rand.New(rand.NewPCG(1, 2))))
			if n := math.Sqrt(scotNorm2(g)); n > L*(1+1e-12) {
				t.Fatalf("‖g‖ = %g > L = %g", n, L)
			}
			// Finite differences where every norm term is smooth (all blocks far from 0).
			in.Subgradient(h, w, y, generators.SCOKinkZero)
			if scotSmooth(in, w, y) {
				smoothChecks++
				for i := range w {
					e := 1e-7
					wp := append([]float64(nil), w...)
					wm := append([]float64(nil), w...)
					wp[i] += e
					wm[i] -= e
					fd := (in.Loss(wp, y) - in.Loss(wm, y)) / (2 * e)
					if math.Abs(fd-h[i]) > 1e-5 {
						t.Fatalf("∂_%d f = %g, finite difference %g", i, h[i], fd)
					}
				}
			}
		}
		S := ys[:1+len(ys)/2]
		u := math.Sqrt(scotNorm2(w[1:]))
		if lhs, rhs := in.Risk(w)-in.A*u, in.EmpiricalRisk(w, S); lhs > rhs+1e-12*(scale+1) {
			t.Fatalf("F − a‖u‖ = %g > F_S = %g", lhs, rhs)
		}
	})
	if smoothChecks < 20 {
		t.Errorf("only %d finite-difference comparisons: the draws rarely avoid the kinks", smoothChecks)
	}
}

// scotSmooth reports whether every norm term of f(·; y) is differentiable at w with margin.
func scotSmooth(in *generators.SCOInstance, w []float64, y []int8) bool {
	var sp, sn float64
	for j, s := range y {
		if s > 0 {
			sp += w[1+j] * w[1+j]
		} else {
			sn += w[1+j] * w[1+j]
		}
	}
	return math.Abs(w[0]-in.A0) > 1e-3 && (sp == 0 && in.A == 0 || sp > 1e-4) && (sn == 0 && in.A == 0 || sn > 1e-4) && sp+sn > 1e-4
}

func scotNorm2(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return s
}

// The menu: 55 entries, L = 1, a ≥ 0, ‖w*‖ ≤ 1, and the test-vector instances among them.
func TestSCOMenu(t *testing.T) {
	m := generators.SCOMenu()
	if len(m) != 55 {
		t.Fatalf("menu has %d entries, want 55", len(m))
	}
	for i, e := range m {
		in, err := e.Instance(3)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(in.Lipschitz()-1) > 1e-15 || e.A < 0 || e.A0 > 1 {
			t.Errorf("entry %d %v: L = %.17g", i, e, in.Lipschitz())
		}
	}
	for idx, want := range map[int][4]float64{3: {0, 0.3, 0.494975, 0}, 27: {0.4, 0.3, 0.435942, 1}, 54: {1, 0, 0, 1}} {
		e := m[idx]
		if e.C0 != want[0] || e.C1 != want[1] || math.Abs(e.A-want[2]) > 5e-7 || e.A0 != want[3] {
			t.Errorf("menu[%d] = %v, want %v", idx, e, want)
		}
	}
}

// P(E) against enumeration of every n×N sign matrix, and its values at N = 2^n − 1.
func TestSCOBadEventProb(t *testing.T) {
	for n := 1; n <= 4; n++ {
		for N := 1; n*N <= 12; N++ {
			bad := 0
			for m := 0; m < 1<<(n*N); m++ {
				S := make([][]int8, n)
				for i := range S {
					S[i] = make([]int8, N)
					for j := range S[i] {
						S[i][j] = 1
						if m>>(i*N+j)&1 == 1 {
							S[i][j] = -1
						}
					}
				}
				if len(generators.SCOBadCoordinates(S)) > 0 {
					bad++
				}
			}
			got := float64(bad) / float64(int(1)<<(n*N))
			if p := generators.SCOBadEventProb(n, N); math.Abs(p-got) > 1e-15 {
				t.Errorf("n = %d, N = %d: formula %.17g, enumeration %.17g", n, N, p, got)
			}
		}
	}
	for n := 4; n <= 12; n++ {
		if p := generators.SCOBadEventProb(n, 1<<n-1); p < 0.62 || p > 0.633 {
			t.Errorf("P(E) at n = %d, N = 2^n − 1: %g, want ≈ 0.63", n, p)
		}
	}
}

// The per-sample-convex instances: F against enumeration over all patterns, F(e_j) = ½ and ¾.
func TestSCOPerSampleConvex(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for d := 1; d <= 6; d++ {
		ss, fe := generators.SCOSSSS09{D: d}, generators.SCOFeldman{D: d}
		for k := 0; k < 20; k++ {
			w := make([]float64, d)
			for i := range w {
				w[i] = rng.Float64()*2 - 1
			}
			var es, ef float64
			pat := make([]bool, d)
			for m := 0; m < 1<<d; m++ {
				for j := range pat {
					pat[j] = m>>j&1 == 1
				}
				es += ss.Loss(w, pat)
				ef += fe.Loss(w, pat)
			}
			es /= float64(int(1) << d)
			ef /= float64(int(1) << d)
			if math.Abs(ss.Risk(w)-es) > 1e-14 || math.Abs(fe.Risk(w)-ef) > 1e-14 {
				t.Fatalf("d = %d, w = %v: SSSS09 %g vs %g, Feldman %g vs %g", d, w, ss.Risk(w), es, fe.Risk(w), ef)
			}
		}
		e := make([]float64, d)
		e[d-1] = 1
		if ss.Risk(e) != 0.5 || fe.Risk(e) != 0.75 {
			t.Errorf("d = %d: F(e_j) = %g (SSSS09), %g (Feldman)", d, ss.Risk(e), fe.Risk(e))
		}
	}
}

// The subgradient oracle allocates nothing (it runs inside SGD's loop).
func TestSCOSubgradientAllocs(t *testing.T) {
	in, err := generators.NewSCOInstance(0.4, 0.3, 0.4, 1, 31)
	if err != nil {
		t.Fatal(err)
	}
	w := make([]float64, in.Dim())
	g := make([]float64, in.Dim())
	y := generators.SCODrawSample(rand.New(rand.NewPCG(1, 2)), 1, in.N)[0]
	kink := generators.SCOKinkRandomUnit(rand.New(rand.NewPCG(3, 4)))
	if a := testing.AllocsPerRun(100, func() { in.Subgradient(g, w, y, kink) }); a != 0 {
		t.Errorf("Subgradient allocates %v times per call", a)
	}
}

func BenchmarkSCOSubgradient(b *testing.B) {
	in, _ := generators.NewSCOInstance(0.4, 0.3, 0.4, 1, 255)
	rng := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, in.Dim())
	for i := range w {
		w[i] = rng.NormFloat64() / 16
	}
	g := make([]float64, in.Dim())
	y := generators.SCODrawSample(rng, 1, in.N)[0]
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		in.Subgradient(g, w, y, generators.SCOKinkZero)
	}
}
