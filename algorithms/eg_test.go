package algorithms

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func egTestSimplex(r *rand.Rand, d int, spread float64) []float64 {
	x := make([]float64, d)
	for i := range x {
		x[i] = math.Exp(-spread * r.Float64())
	}
	floats.Scale(1/floats.Sum(x), x)
	return x
}

func egTestUniform(d int) []float64 {
	x := make([]float64, d)
	for i := range x {
		x[i] = 1 / float64(d)
	}
	return x
}

// checkEGTrajectory asserts what every EG trajectory must satisfy whatever the steps: no
// NaN or Inf in θ, no NaN or +Inf in the log-weights, θ on the simplex to 4dε, and θ equal
// to exp of its log-weights.
func egTestCheckTrajectory(t *testing.T, tr *EGTrajectory) {
	t.Helper()
	for k, x := range tr.Iterates {
		lw := tr.LogIterates[k]
		if !mdAllFinite(x) {
			t.Fatalf("iterate %d has non-finite entries: %v", k, x)
		}
		var s float64
		for i, v := range x {
			if v < 0 || math.IsNaN(lw[i]) || math.IsInf(lw[i], 1) {
				t.Fatalf("iterate %d: θ_%d = %g, log-weight %g", k, i, v, lw[i])
			}
			// exp(logw) rounds the log-weight first: relative error ~ε(1 + |logw|).
			if e := math.Exp(lw[i]); math.Abs(e-v) > 4*mdEps*(1+math.Abs(lw[i]))*v+1e-300 {
				t.Fatalf("iterate %d: θ_%d = %g but exp(logw) = %g", k, i, v, e)
			}
			s += v
		}
		if math.Abs(s-1) > 4*float64(len(x))*mdEps {
			t.Fatalf("iterate %d sums to 1%+g", k, s-1)
		}
	}
}

func TestEGMatchesMirrorDescentWithNegEntropy(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, d := range []int{1, 2, 6, 30} {
		f := mdTestNewDiagQuad(r, d, 0.3)
		x0 := egTestSimplex(r, d, 3)
		steps := make([]float64, 50)
		for i := range steps {
			steps[i] = r.Float64() / f.smoothness()
		}
		eg := ExponentiatedGradientLog(f, x0, steps)
		md := MirrorDescent(f, mdTestMust(NewNegEntropy(d)), x0, steps)
		egTestCheckTrajectory(t, eg)
		if eg.GradEvals != len(steps) || eg.T() != len(steps) || len(eg.LogIterates) != len(steps)+1 {
			t.Fatalf("bookkeeping")
		}
		for k := range eg.Iterates {
			for i := range eg.Iterates[k] {
				a, b := eg.Iterates[k][i], md.Iterates[k][i]
				if math.Abs(a-b) > 1e-13*math.Max(a, b)+1e-15 {
					t.Fatalf("d=%d step %d: EG %v vs MD %v", d, k, eg.Iterates[k], md.Iterates[k])
				}
			}
		}
	}
}

// TestEGHugeSteps drives EG with η·g from 1e4 to 1e300: the iterates must stay on the simplex,
// hit exact zeros, and never produce NaN; KL from the log-weights stays finite where KL from
// the iterate is +Inf.
func TestEGHugeSteps(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	d := 8
	for _, eta := range []float64{1e4, 1e100, 1e300} {
		for _, f := range []Objective{
			mdTestLinear{c: mdTestGauss(r, d, 1)},
			mdTestNewDiagQuad(r, d, 1), // gradient evaluated at points with exact zeros
		} {
			steps := []float64{eta, eta, eta, eta, eta}
			tr := ExponentiatedGradientLog(f, egTestUniform(d), steps)
			egTestCheckTrajectory(t, tr)
			xT := tr.Final()
			zeros := 0
			for _, v := range xT {
				if v == 0 {
					zeros++
				}
			}
			if zeros == 0 {
				t.Fatalf("η=%g: no exact zeros in %v", eta, xT)
			}
			u := egTestUniform(d)
			if kl := KL(u, xT); !math.IsInf(kl, 1) {
				t.Fatalf("η=%g: KL(u‖θ_T) = %g, want +Inf", eta, kl)
			}
			logT := tr.LogIterates[tr.T()]
			if kl := KLLog(u, logT); math.IsNaN(kl) || math.IsInf(kl, 0) || kl <= 0 {
				t.Fatalf("η=%g: KLLog(u‖θ_T) = %g, want finite > 0 (log-weights %v)", eta, kl, logT)
			}
			// The vertex θ_T concentrates on has a finite KL either way, and both agree.
			vtx := make([]float64, d)
			vtx[floats.MaxIdx(xT)] = 1
			if a, b := KL(vtx, xT), KLLog(vtx, logT); math.IsInf(a, 0) || math.Abs(a-b) > 1e-15+1e-13*a {
				t.Fatalf("η=%g: KL(vertex) %g vs KLLog %g", eta, a, b)
			}
		}
	}
}

func TestEGKeepsZeroWeights(t *testing.T) {
	x0 := []float64{0.5, 0, 0.5}
	f := mdTestLinear{c: []float64{1, -5, 2}}
	tr := ExponentiatedGradientLog(f, x0, []float64{1, 1, 1})
	egTestCheckTrajectory(t, tr)
	for k, x := range tr.Iterates {
		if x[1] != 0 || !math.IsInf(tr.LogIterates[k][1], -1) {
			t.Fatalf("step %d revived a zero weight: %v %v", k, x, tr.LogIterates[k])
		}
	}
}

// TestEGBasicInequality is a smoke test of EG against its basic inequality with η ≤ 1/L₁,
// computing KL(z‖θ_T) from the log-weights.
func TestEGBasicInequality(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, d := range []int{2, 5, 40} {
		f := mdTestNewDiagQuad(r, d, 0.5)
		L1 := f.smoothness() // ℓ1→ℓ∞ constant of a diagonal quadratic
		steps := make([]float64, 100)
		var tau float64
		for i := range steps {
			steps[i] = (0.1 + 0.9*r.Float64()) / L1
			tau += steps[i]
		}
		x0 := egTestUniform(d)
		tr := ExponentiatedGradientLog(f, x0, steps)
		xT, logT := tr.Final(), tr.LogIterates[tr.T()]
		for k := 0; k < 100; k++ {
			z := egTestSimplex(r, d, 10)
			if k%4 == 0 {
				z = make([]float64, d)
				z[r.IntN(d)] = 1
			}
			lhs := f.Value(xT) + KLLog(z, logT)/tau
			rhs := f.Value(z) + KL(z, x0)/tau
			if lhs > rhs+1e-12*(math.Abs(lhs)+math.Abs(rhs)) {
				t.Fatalf("d=%d: %g > %g", d, lhs, rhs)
			}
			if rhs > f.Value(z)+math.Log(float64(d))/tau*(1+1e-14) {
				t.Fatalf("KL(z‖uniform) exceeds log d")
			}
		}
	}
}

func TestEGPlusMinus(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	for _, d := range []int{1, 3, 12} {
		B := 2.0
		f := mdTestNewDiagQuad(r, d, 0.4)
		// The minimiser c, pulled inside the ℓ1 ball if needed, is the comparator z.
		z := append([]float64(nil), f.c...)
		if n := floats.Norm(z, 1); n > B {
			floats.Scale(0.9*B/n, z)
		}
		L := B * B * f.smoothness()
		steps := make([]float64, 200)
		var tau float64
		for i := range steps {
			steps[i] = 1 / L
			tau += steps[i]
		}
		tr := EGPlusMinus(f, B, steps)
		if len(tr.Iterates) != len(steps)+1 || len(tr.LogIterates[0]) != 2*d || len(tr.Iterates[0]) != d {
			t.Fatalf("shapes")
		}
		for i := range tr.Iterates[0] {
			if tr.Iterates[0][i] != 0 {
				t.Fatalf("θ_0 = %v, want 0", tr.Iterates[0])
			}
		}
		for k, th := range tr.Iterates {
			lw := tr.LogIterates[k]
			if floats.Norm(th, 1) > B*(1+4*float64(d)*mdEps) {
				t.Fatalf("step %d: ‖θ‖₁ = %g > B", k, floats.Norm(th, 1))
			}
			for i := range th {
				want := B * (math.Exp(lw[i]) - math.Exp(lw[d+i]))
				if math.Abs(th[i]-want) > 1e-14*B {
					t.Fatalf("step %d: θ_%d = %g, want B(w⁺ − w⁻) = %g", k, i, th[i], want)
				}
			}
		}
		// Basic inequality in weight space, with a representation w_z of z.
		wz := make([]float64, 2*d)
		slack := (1 - floats.Norm(z, 1)/B) / float64(2*d)
		for i, v := range z {
			wz[i] = math.Max(v, 0)/B + slack
			wz[d+i] = math.Max(-v, 0)/B + slack
		}
		lhs := f.Value(tr.Final()) + KLLog(wz, tr.LogIterates[tr.T()])/tau
		rhs := f.Value(z) + KLLog(wz, tr.LogIterates[0])/tau
		if lhs > rhs+1e-12*(math.Abs(lhs)+math.Abs(rhs)) {
			t.Fatalf("d=%d EG± basic inequality: %g > %g", d, lhs, rhs)
		}
		if f.Value(tr.Final()) > f.Value(z)+math.Log(float64(2*d))/tau {
			t.Fatalf("d=%d: f(θ_T) > f(z) + log 2d/τ", d)
		}
	}
	// Huge steps: finite, inside the ball, exact saturation.
	f := mdTestLinear{c: []float64{1, -2, 0.5}}
	tr := EGPlusMinus(f, 3, []float64{1e6, 1e6})
	for _, th := range tr.Iterates {
		if !mdAllFinite(th) || floats.Norm(th, 1) > 3*(1+1e-15) {
			t.Fatalf("huge-step EG±: %v", th)
		}
	}
	if th := tr.Final(); th[1] != 3 || th[0] != 0 || th[2] != 0 {
		t.Fatalf("huge-step EG± should sit on the vertex +3e_2: %v", th)
	}
}

func TestKL(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		name string
		p, q []float64
		want float64
	}{
		{"equal", []float64{0.2, 0.3, 0.5}, []float64{0.2, 0.3, 0.5}, 0},
		{"zero p entry", []float64{0, 1}, []float64{0.5, 0.5}, math.Log(2)},
		{"zero in both", []float64{0, 1}, []float64{0, 1}, 0},
		{"p>0=q", []float64{0.5, 0.5}, []float64{1, 0}, inf},
		{"two point", []float64{0.25, 0.75}, []float64{0.5, 0.5}, 0.25*math.Log(0.5) + 0.75*math.Log(1.5)},
	} {
		if got := KL(c.p, c.q); math.Abs(got-c.want) > 1e-15 && got != c.want {
			t.Errorf("%s: KL = %.17g, want %.17g", c.name, got, c.want)
		}
		logq := make([]float64, len(c.q))
		for i, v := range c.q {
			logq[i] = math.Log(v)
		}
		if got := KLLog(c.p, logq); math.Abs(got-c.want) > 1e-15 && got != c.want {
			t.Errorf("%s: KLLog = %.17g, want %.17g", c.name, got, c.want)
		}
	}
	r := rand.New(rand.NewPCG(19, 20))
	for trial := 0; trial < 200; trial++ {
		d := 1 + r.IntN(20)
		p, q := egTestSimplex(r, d, 6), egTestSimplex(r, d, 6)
		var naive float64
		for i := range p {
			naive += p[i] * math.Log(p[i]/q[i])
		}
		got := KL(p, q)
		if math.Abs(got-naive) > 1e-14*(1+got) || got < 0 {
			t.Fatalf("KL %g vs naive %g", got, naive)
		}
		logq := make([]float64, d)
		for i, v := range q {
			logq[i] = math.Log(v)
		}
		if gl := KLLog(p, logq); math.Abs(gl-got) > 1e-14*(1+got) {
			t.Fatalf("KLLog %g vs KL %g", gl, got)
		}
		// Nearby distributions: KL ≈ χ²/2 with full relative accuracy (the naive formula
		// loses every digit here).
		h := 1e-9
		q2 := make([]float64, d)
		for i := range q2 {
			q2[i] = p[i] * (1 + h*r.NormFloat64())
		}
		floats.Scale(1/floats.Sum(q2), q2)
		var chi2 float64
		for i := range p {
			v := q2[i] - p[i]
			chi2 += v * v / p[i]
		}
		if k := KL(p, q2); d > 1 && math.Abs(k-chi2/2) > 1e-6*chi2 {
			t.Fatalf("KL of nearby distributions %g, χ²/2 = %g", k, chi2/2)
		}
	}
	// Underflowed q: KL is +Inf, KLLog is finite and right.
	p := []float64{0.5, 0.5}
	logq := []float64{0, -1000}
	want := 0.5*math.Log(0.5) + 0.5*(math.Log(0.5)+1000) - 1 + 1 + math.Exp(-1000)
	if got := KLLog(p, logq); math.Abs(got-want) > 1e-12*want {
		t.Fatalf("KLLog with underflowed q = %g, want %g", got, want)
	}
}

func BenchmarkEGStep(b *testing.B) {
	const d = 100
	r := rand.New(rand.NewPCG(21, 22))
	var f Objective = mdTestNewDiagQuad(r, d, 0.01) // converted once: a struct-to-interface conversion allocates
	logw, x, grad := make([]float64, d), make([]float64, d), make([]float64, d)
	NormaliseLogWeights(logw, x) // uniform start
	steps := []float64{1e-3}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ExponentiatedGradientIterate(f, logw, x, grad, steps, nil)
	}
}

func BenchmarkEGPlusMinusStep(b *testing.B) {
	const d = 100
	r := rand.New(rand.NewPCG(23, 24))
	var f Objective = mdTestNewDiagQuad(r, d, 0.01) // converted once: a struct-to-interface conversion allocates
	logw, w, theta, grad := make([]float64, 2*d), make([]float64, 2*d), make([]float64, d), make([]float64, d)
	NormaliseLogWeights(logw, w) // uniform start, θ = 0
	steps := []float64{1e-3}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		EGPlusMinusIterate(f, 1, logw, theta, w, grad, steps, nil)
	}
}

func TestNormaliseLogWeights(t *testing.T) {
	for _, c := range []struct {
		name string
		logw []float64
		want []float64 // nil: all NaN
	}{
		{"shifted", []float64{1000, 1000}, []float64{0.5, 0.5}},
		{"very negative", []float64{-1e300, -1e300 + 1e284, -1e300}, []float64{0, 1, 0}},
		{"zero weight", []float64{math.Inf(-1), 0}, []float64{0, 1}},
		{"all zero weights", []float64{math.Inf(-1), math.Inf(-1)}, nil},
		{"NaN", []float64{0, math.NaN()}, nil},
		{"+Inf", []float64{0, math.Inf(1)}, nil},
	} {
		x := make([]float64, len(c.logw))
		NormaliseLogWeights(c.logw, x)
		for i := range x {
			if c.want == nil {
				if !math.IsNaN(x[i]) || !math.IsNaN(c.logw[i]) {
					t.Errorf("%s: got %v / %v, want NaN", c.name, x, c.logw)
				}
				continue
			}
			if math.Abs(x[i]-c.want[i]) > 1e-15 {
				t.Errorf("%s: got %v, want %v", c.name, x, c.want)
			}
		}
	}
}

func TestDimensionMismatchPanics(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	for _, c := range mdTestCases(r, 3) {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Divergence on mismatched lengths did not panic", c.psi.Name())
				}
			}()
			c.psi.Divergence(make([]float64, 3), make([]float64, 2))
		}()
	}
}
