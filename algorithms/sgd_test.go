package algorithms

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sgdTestLSQ is f_i(x) = ½(a_iᵀx − y_i)² + (r/2)‖x‖², one row of a least-squares finite sum
// (r > 0 makes each component strongly convex).
type sgdTestLSQ struct {
	a []float64
	y float64
	r float64
}

func (c *sgdTestLSQ) Dim() int { return len(c.a) }

func (c *sgdTestLSQ) resid(x []float64) float64 {
	s := -c.y
	for j, aj := range c.a {
		s += aj * x[j]
	}
	return s
}

func (c *sgdTestLSQ) Value(x []float64) float64 {
	r := c.resid(x)
	var xx float64
	for _, v := range x {
		xx += v * v
	}
	return 0.5*r*r + 0.5*c.r*xx
}

func (c *sgdTestLSQ) Grad(dst, x []float64) {
	r := c.resid(x)
	for j, aj := range c.a {
		dst[j] = r*aj + c.r*x[j]
	}
}

// sgdTestSum is a finite sum of stored components; evals counts gradient calls.
type sgdTestSum struct {
	comps []Objective
	evals *int
}

func (s sgdTestSum) Dim() int { return s.comps[0].Dim() }
func (s sgdTestSum) N() int   { return len(s.comps) }
func (s sgdTestSum) Component(i int) Objective {
	if s.evals != nil {
		*s.evals++ // one Component call per stochastic gradient in this package
	}
	return s.comps[i]
}

// sgdTestProblem draws a least-squares finite sum with n rows in dimension d.
func sgdTestProblem(seed uint64, n, d int, ridge float64) (sgdTestSum, []*sgdTestLSQ) {
	rng := rand.New(rand.NewPCG(seed, 1))
	rows := make([]*sgdTestLSQ, n)
	comps := make([]Objective, n)
	for i := range rows {
		a := make([]float64, d)
		for j := range a {
			a[j] = rng.NormFloat64()
		}
		rows[i] = &sgdTestLSQ{a: a, y: rng.NormFloat64(), r: ridge}
		comps[i] = rows[i]
	}
	return sgdTestSum{comps: comps}, rows
}

func sgdTestVec(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	for j := range v {
		v[j] = rng.NormFloat64()
	}
	return v
}

func TestSGDOneComponentEqualsGD(t *testing.T) {
	for _, tc := range []struct {
		name  string
		d     int
		steps []float64
	}{
		{"empty", 3, nil},
		{"one step", 1, []float64{0.3}},
		{"constant", 4, []float64{0.1, 0.1, 0.1, 0.1, 0.1, 0.1}},
		{"varying", 5, []float64{0.5, 0.01, 0.2, 1e-3, 0.7, 0.05, 0.3}},
		{"large steps diverge alike", 2, []float64{5, 5, 5, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, rows := sgdTestProblem(7, 1, tc.d, 0.1)
			x0 := sgdTestVec(rand.New(rand.NewPCG(8, 8)), tc.d)
			gd := GradientDescent(rows[0], x0, tc.steps)
			sgd := SGD(f, x0, tc.steps, make([]int, len(tc.steps)))
			if diff := cmp.Diff(gd, sgd); diff != "" {
				t.Errorf("SGD with n = 1 differs from GD (-gd +sgd):\n%s", diff)
			}
		})
	}
}

func TestSGDRandomReplays(t *testing.T) {
	f, _ := sgdTestProblem(3, 5, 4, 0)
	x0 := []float64{1, -2, 0.5, 3}
	steps := []float64{0.1, 0.2, 0.05, 0.1, 0.1, 0.3, 0.01, 0.1}
	tr1, idx1 := SGDRandom(f, x0, steps, rand.New(rand.NewPCG(42, 0)))
	tr2, idx2 := SGDRandom(f, x0, steps, rand.New(rand.NewPCG(42, 0)))
	if !slices.Equal(idx1, idx2) || !cmp.Equal(tr1, tr2) {
		t.Fatal("same seed gave different runs")
	}
	if tr := SGD(f, x0, steps, idx1); !cmp.Equal(tr, tr1) {
		t.Fatal("replaying the drawn indices gave a different run")
	}
	if tr1.GradEvals != len(steps) || tr1.T() != len(steps) {
		t.Fatalf("GradEvals = %d, T = %d, want %d", tr1.GradEvals, tr1.T(), len(steps))
	}
	// Every index is in range and, over a long run, all of them occur.
	_, idx := SGDRandom(f, x0, make([]float64, 500), rand.New(rand.NewPCG(1, 2)))
	seen := make([]bool, f.N())
	for _, i := range idx {
		seen[i] = true
	}
	if slices.Contains(seen, false) {
		t.Fatalf("some component never drawn in 500 steps: %v", seen)
	}
}

func TestSGDPanics(t *testing.T) {
	f, _ := sgdTestProblem(3, 2, 2, 0)
	for _, tc := range []struct {
		name string
		run  func()
	}{
		{"index out of range", func() { SGD(f, []float64{0, 0}, []float64{1}, []int{2}) }},
		{"negative index", func() { SGD(f, []float64{0, 0}, []float64{1}, []int{-1}) }},
		{"too few indices", func() { SGD(f, []float64{0, 0}, []float64{1, 1}, []int{0}) }},
		{"wrong dimension", func() { SGD(f, []float64{0}, []float64{1}, []int{0}) }},
		{"nil rng", func() { SGDRandom(f, []float64{0, 0}, []float64{1}, nil) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.run()
		})
	}
}

func TestSGDPathCount(t *testing.T) {
	for _, tc := range []struct {
		n, T, want int
		ok         bool
	}{
		{1, 0, 1, true}, {1, 10_000, 1, true}, {2, 0, 1, true}, {2, 3, 8, true},
		{3, 6, 729, true}, {10, 6, 1_000_000, true}, {1000, 2, 1_000_000, true},
		{10, 7, 0, false}, {2, 20, 0, false}, {1 << 40, 2, 0, false}, {2, 1 << 40, 0, false},
		{0, 1, 0, false}, {2, -1, 0, false},
	} {
		got, ok := SGDPathCount(tc.n, tc.T)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("SGDPathCount(%d, %d) = %d, %v; want %d, %v", tc.n, tc.T, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEnumerateSGDPaths(t *testing.T) {
	for _, tc := range []struct{ n, T int }{
		{1, 0}, {1, 5}, {2, 0}, {2, 1}, {2, 3}, {3, 4}, {4, 3}, {5, 2},
	} {
		evals := 0
		f, _ := sgdTestProblem(uint64(tc.n*100+tc.T), tc.n, 3, 0)
		f.evals = &evals
		x0 := []float64{0.5, -1, 2}
		steps := make([]float64, tc.T)
		for i := range steps {
			steps[i] = 0.1 + 0.05*float64(i%3)
		}
		var prob sgdSum
		var visited [][]int
		err := EnumerateSGDPaths(f, x0, steps, func(idx []int, tr *Trajectory, p float64) {
			prob.add(p)
			visited = append(visited, slices.Clone(idx))
			want := SGD(sgdTestSum{comps: f.comps}, x0, steps, idx)
			if !cmp.Equal(tr, want) {
				t.Fatalf("n=%d T=%d path %v: trajectory differs from SGD's", tc.n, tc.T, idx)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := SGDPathCount(tc.n, tc.T)
		if len(visited) != want {
			t.Errorf("n=%d T=%d: %d paths visited, want n^T = %d", tc.n, tc.T, len(visited), want)
		}
		if !slices.IsSortedFunc(visited, slices.Compare) || len(slices.CompactFunc(slices.Clone(visited), slices.Equal)) != len(visited) {
			t.Errorf("n=%d T=%d: paths not distinct and lexicographic", tc.n, tc.T)
		}
		if p := prob.value(); math.Abs(p-1) > 1e-15 {
			t.Errorf("n=%d T=%d: probabilities sum to %v", tc.n, tc.T, p)
		}
		// Prefix sharing: Σ_{k=1}^{T} n^k gradient evaluations during the walk (the checks
		// above called SGD once per path, T evaluations each, on an uncounted sum).
		wantEvals, pow := 0, 1
		for range tc.T {
			pow *= tc.n
			wantEvals += pow
		}
		if evals != wantEvals {
			t.Errorf("n=%d T=%d: %d gradient evaluations, want Σ n^k = %d", tc.n, tc.T, evals, wantEvals)
		}
	}
}

func TestEnumerateSGDPathsLimit(t *testing.T) {
	f, _ := sgdTestProblem(1, 10, 1, 0)
	called := false
	err := EnumerateSGDPaths(f, []float64{0}, make([]float64, 7), func([]int, *Trajectory, float64) { called = true })
	if err == nil || called {
		t.Fatalf("10^7 paths: err = %v, visited = %v; want a refusal before visiting", err, called)
	}
	if _, err := SGDExpectations(f, []float64{0}, make([]float64, 7), []float64{0}, nil); err == nil {
		t.Fatal("SGDExpectations accepted 10^7 paths")
	}
	// Exactly MaxSGDPaths is allowed.
	count := 0
	if err := EnumerateSGDPaths(f, []float64{0}, make([]float64, 6), func([]int, *Trajectory, float64) { count++ }); err != nil || count != MaxSGDPaths {
		t.Fatalf("10^6 paths: err = %v, count = %d", err, count)
	}
}

// sgdTestBrute is an independent computation of the expectations by explicit loops over all
// index paths: no walker, no compensated sums, gradients written out for least squares.
type sgdTestBrute struct {
	q                     [NumSGDQuantities]float64
	cov                   [NumSGDQuantities][NumSGDQuantities]float64
	value, dist           []float64
	gradSq, inner         []float64
	fz, dist0, tau, paths float64
}

func sgdTestBruteForce(rows []*sgdTestLSQ, x0, steps, z []float64) sgdTestBrute {
	n, T, d := len(rows), len(steps), len(x0)
	fval := func(x []float64) float64 {
		s := 0.0
		for _, r := range rows {
			res := -r.y
			for j := range x {
				res += r.a[j] * x[j]
			}
			s += 0.5*res*res + 0.5*r.r*sgdTestDot(x, x)
		}
		return s / float64(n)
	}
	tau := 0.0
	for _, e := range steps {
		tau += e
	}
	var out sgdTestBrute
	out.value, out.dist = make([]float64, T+1), make([]float64, T+1)
	out.gradSq, out.inner = make([]float64, T), make([]float64, T)
	out.fz, out.tau = fval(z), tau
	out.dist0 = sgdTestDist2(x0, z)
	paths := int(math.Pow(float64(n), float64(T)))
	out.paths = float64(paths)
	var samples [][NumSGDQuantities]float64
	for p := range paths {
		// Decode p into indices, most significant first (order does not matter here).
		idx := make([]int, T)
		for k, q := T-1, p; k >= 0; k-- {
			idx[k] = q % n
			q /= n
		}
		x := slices.Clone(x0)
		bar := make([]float64, d)
		regret, gsq := 0.0, 0.0
		for k := range T {
			out.value[k] += fval(x) / out.paths
			out.dist[k] += sgdTestDist2(x, z) / out.paths
			r := rows[idx[k]]
			res := -r.y + sgdTestDot(r.a, x)
			g := make([]float64, d)
			for j := range g {
				g[j] = res*r.a[j] + r.r*x[j]
			}
			diff := make([]float64, d)
			for j := range diff {
				diff[j] = x[j] - z[j]
			}
			out.gradSq[k] += sgdTestDot(g, g) / out.paths
			out.inner[k] += sgdTestDot(g, diff) / out.paths
			regret += steps[k] * (fval(x) - out.fz)
			gsq += steps[k] * steps[k] * sgdTestDot(g, g)
			for j := range bar {
				bar[j] += steps[k] * x[j] / tau
			}
			for j := range x {
				x[j] -= steps[k] * g[j]
			}
		}
		out.value[T] += fval(x) / out.paths
		out.dist[T] += sgdTestDist2(x, z) / out.paths
		s := [NumSGDQuantities]float64{fval(bar), fval(x), sgdTestDist2(x, z), gsq, regret}
		samples = append(samples, s)
		for i := range s {
			out.q[i] += s[i] / out.paths
		}
	}
	for _, s := range samples {
		for i := range s {
			for j := range s {
				out.cov[i][j] += (s[i] - out.q[i]) * (s[j] - out.q[j]) / out.paths
			}
		}
	}
	return out
}

func sgdTestDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func sgdTestDist2(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += (a[i] - b[i]) * (a[i] - b[i])
	}
	return s
}

func sgdTestClose(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if !(math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))) {
		t.Errorf("%s = %.17g, want %.17g (diff %.3g)", what, got, want, got-want)
	}
}

func TestSGDExpectationsBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name        string
		n, d        int
		steps       []float64
		ridge       float64
		zAtOrigin   bool
		useOwnValue bool
	}{
		{"n=2 T=3", 2, 2, []float64{0.2, 0.1, 0.3}, 0, false, false},
		{"n=2 T=3 ridge own f", 2, 3, []float64{0.05, 0.4, 0.2}, 0.5, true, true},
		{"n=3 T=2", 3, 2, []float64{0.3, 0.15}, 0.1, false, false},
		{"n=3 T=4", 3, 4, []float64{0.1, 0.1, 0.2, 0.05}, 0, false, true},
		{"n=1 T=5", 1, 2, []float64{0.1, 0.2, 0.3, 0.2, 0.1}, 0, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, rows := sgdTestProblem(uint64(tc.n*31+tc.d), tc.n, tc.d, tc.ridge)
			rng := rand.New(rand.NewPCG(5, 6))
			x0, z := sgdTestVec(rng, tc.d), sgdTestVec(rng, tc.d)
			if tc.zAtOrigin {
				z = make([]float64, tc.d)
			}
			var value func([]float64) float64
			if tc.useOwnValue {
				value = func(x []float64) float64 {
					s := 0.0
					for _, r := range rows {
						s += r.Value(x)
					}
					return s / float64(len(rows))
				}
			}
			got, err := SGDExpectations(f, x0, tc.steps, z, value)
			if err != nil {
				t.Fatal(err)
			}
			want := sgdTestBruteForce(rows, x0, tc.steps, z)
			const tol = 1e-13
			if !got.Exact || float64(got.Paths) != want.paths {
				t.Errorf("Exact = %v, Paths = %d, want true, %v", got.Exact, got.Paths, want.paths)
			}
			sgdTestClose(t, "Tau", got.Tau, want.tau, tol)
			sgdTestClose(t, "FZ", got.FZ, want.fz, tol)
			sgdTestClose(t, "Dist0", got.Dist0, want.dist0, tol)
			for q := range NumSGDQuantities {
				sgdTestClose(t, "Mean["+q.String()+"]", got.Mean[q], want.q[q], tol)
				if got.SE[q] != 0 {
					t.Errorf("SE[%v] = %v, want 0 for exact", q, got.SE[q])
				}
				for r := range NumSGDQuantities {
					sgdTestClose(t, "Cov["+q.String()+"]["+r.String()+"]", got.Cov[q][r], want.cov[q][r], 1e-11)
				}
			}
			for k := range want.value {
				sgdTestClose(t, "Value", got.Value[k], want.value[k], tol)
				sgdTestClose(t, "Dist", got.Dist[k], want.dist[k], tol)
			}
			for k := range want.gradSq {
				sgdTestClose(t, "GradSq", got.GradSq[k], want.gradSq[k], tol)
				sgdTestClose(t, "Inner", got.Inner[k], want.inner[k], tol)
			}
		})
	}
}

// TestSGDExpectationsSupportTheorem checks that the returned quantities are what the
// basic-inequality/sgd theorem and its proof steps need, on the theorem's own example size
// (n = 3, T = 6): the exact per-step identity, convexity in expectation, both forms of the
// inequality, and that the Regret mean is Σ η_t (Value[t] − FZ).
func TestSGDExpectationsSupportTheorem(t *testing.T) {
	f, _ := sgdTestProblem(11, 3, 4, 0.05)
	rng := rand.New(rand.NewPCG(12, 13))
	x0, z := sgdTestVec(rng, 4), sgdTestVec(rng, 4)
	steps := []float64{0.2, 0.1, 0.15, 0.05, 0.2, 0.1}
	s, err := SGDExpectations(f, x0, steps, z, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Paths != 729 || s.GradEvals != 3+9+27+81+243+729 {
		t.Errorf("Paths = %d, GradEvals = %d", s.Paths, s.GradEvals)
	}
	sgdTestClose(t, "Dist[0]", s.Dist[0], s.Dist0, 0)
	var regret float64
	for k, eta := range steps {
		sgdTestClose(t, "one-step identity", s.Dist[k+1], s.Dist[k]-2*eta*s.Inner[k]+eta*eta*s.GradSq[k], 1e-13)
		if s.Value[k]-s.FZ > s.Inner[k]+1e-13 {
			t.Errorf("convexity in expectation fails at t = %d", k)
		}
		regret += eta * (s.Value[k] - s.FZ)
	}
	sgdTestClose(t, "Regret", s.Mean[SGDRegret], regret, 1e-13)
	sgdTestClose(t, "FinalValue", s.Mean[SGDFinalValue], s.Value[len(steps)], 1e-15)
	sgdTestClose(t, "FinalDist", s.Mean[SGDFinalDist], s.Dist[len(steps)], 1e-15)

	var c [NumSGDQuantities]float64
	c[SGDAvgValue], c[SGDFinalDist], c[SGDStepGradSq] = 1, 1/(2*s.Tau), -1/(2*s.Tau)
	lhs, se := s.Combine(c)
	if rhs := s.FZ + s.Dist0/(2*s.Tau); lhs > rhs || se != 0 {
		t.Errorf("averaged form: %v > %v (se %v)", lhs, rhs, se)
	}
	if lhs, rhs := s.Mean[SGDRegret]+s.Mean[SGDFinalDist]/2, s.Dist0/2+s.Mean[SGDStepGradSq]/2; lhs > rhs {
		t.Errorf("regret form: %v > %v", lhs, rhs)
	}
}

func TestSGDMonteCarlo(t *testing.T) {
	f, _ := sgdTestProblem(21, 3, 3, 0)
	rng := rand.New(rand.NewPCG(1, 1))
	x0, z := sgdTestVec(rng, 3), sgdTestVec(rng, 3)
	steps := []float64{0.2, 0.1, 0.3, 0.1, 0.2}
	exact, err := SGDExpectations(f, x0, steps, z, nil)
	if err != nil {
		t.Fatal(err)
	}
	const paths = 20000
	mc, err := SGDMonteCarlo(f, x0, steps, z, nil, paths, rand.New(rand.NewPCG(99, 7)))
	if err != nil {
		t.Fatal(err)
	}
	if mc.Exact || mc.Paths != paths || mc.GradEvals != paths*len(steps) {
		t.Errorf("Exact = %v, Paths = %d, GradEvals = %d", mc.Exact, mc.Paths, mc.GradEvals)
	}
	for q := range NumSGDQuantities {
		// Within 4.5 standard errors (a fixed seed: this is deterministic, not flaky).
		if d := math.Abs(mc.Mean[q] - exact.Mean[q]); d > 4.5*mc.SE[q] {
			t.Errorf("%v: MC %v ± %v vs exact %v", q, mc.Mean[q], mc.SE[q], exact.Mean[q])
		}
		// The standard error matches the exact variance within 5%.
		if want := math.Sqrt(exact.Cov[q][q] / paths); math.Abs(mc.SE[q]/want-1) > 0.05 {
			t.Errorf("%v: SE %v, exact-variance SE %v", q, mc.SE[q], want)
		}
	}
	var c [NumSGDQuantities]float64
	c[SGDAvgValue], c[SGDFinalDist], c[SGDStepGradSq] = 1, 1/(2*mc.Tau), -1/(2*mc.Tau)
	m, se := mc.Combine(c)
	em, _ := exact.Combine(c)
	var v float64
	for a := range c {
		for b := range c {
			v += c[a] * c[b] * exact.Cov[a][b]
		}
	}
	if math.Abs(m-em) > 4.5*se || math.Abs(se/math.Sqrt(v/paths)-1) > 0.05 {
		t.Errorf("Combine: MC %v ± %v, exact %v ± %v", m, se, em, math.Sqrt(v/paths))
	}
	again, _ := SGDMonteCarlo(f, x0, steps, z, nil, paths, rand.New(rand.NewPCG(99, 7)))
	if !cmp.Equal(mc, again) {
		t.Error("same seed, different estimate")
	}
}

func TestSGDStatsErrors(t *testing.T) {
	f, _ := sgdTestProblem(1, 2, 2, 0)
	x0, z := []float64{1, 1}, []float64{0, 0}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"zero tau", func() error { _, err := SGDExpectations(f, x0, []float64{0, 0}, z, nil); return err }},
		{"no steps", func() error { _, err := SGDExpectations(f, x0, nil, z, nil); return err }},
		{"NaN step", func() error { _, err := SGDExpectations(f, x0, []float64{math.NaN()}, z, nil); return err }},
		{"Inf x0", func() error {
			_, err := SGDExpectations(f, []float64{math.Inf(1), 0}, []float64{1}, z, nil)
			return err
		}},
		{"one MC path", func() error { _, err := SGDMonteCarlo(f, x0, []float64{1}, z, nil, 1, rng); return err }},
		{"MC zero tau", func() error { _, err := SGDMonteCarlo(f, x0, []float64{0}, z, nil, 10, rng); return err }},
	} {
		if tc.run() == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// TestSGDStatsDivergent: a divergent schedule is not an error, and shows up as non-finite.
func TestSGDStatsDivergent(t *testing.T) {
	f, _ := sgdTestProblem(1, 2, 2, 0)
	s, err := SGDExpectations(f, []float64{1, 1}, slices.Repeat([]float64{1e100}, 8), []float64{0, 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Mean[SGDFinalDist]; !math.IsInf(v, 1) && !math.IsNaN(v) {
		t.Errorf("divergent run: E‖θ_T − z‖² = %v, want non-finite", v)
	}
}

func TestSGDSumCompensates(t *testing.T) {
	// 1 followed by 10^6 copies of 1e-16 (each below half an ulp of 1): plain summation
	// returns exactly 1, the compensated sum 1 + 1e-10.
	var s sgdSum
	s.add(1)
	for range 1_000_000 {
		s.add(1e-16)
	}
	if got := s.value(); math.Abs(got-(1+1e-10)) > 1e-15 {
		t.Errorf("compensated sum = %.17g", got)
	}
	var inf sgdSum
	inf.add(math.Inf(1))
	inf.add(1)
	if !math.IsInf(inf.value(), 1) {
		t.Errorf("Inf + 1 = %v", inf.value())
	}
}

func BenchmarkSGDStep(b *testing.B) {
	const n, d = 100, 50
	sum, _ := sgdTestProblem(1, n, d, 0)
	var f FiniteSum = sum // convert once: a struct passed as an interface allocates per call
	x := make([]float64, d)
	grad := make([]float64, d)
	steps := []float64{1e-3}
	indices := make([]int, n)
	for i := range indices {
		indices[i] = (i * 37) % n
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		SGDIterate(f, x, grad, steps, indices[i:i+1], nil)
		i = (i + 1) % n
	}
}

func BenchmarkSGDExpectations(b *testing.B) {
	// n = 3, T = 8 (6561 paths), d = 10.
	f, _ := sgdTestProblem(2, 3, 10, 0)
	x0, z := make([]float64, 10), make([]float64, 10)
	steps := slices.Repeat([]float64{0.05}, 8)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SGDExpectations(f, x0, steps, z, nil); err != nil {
			b.Fatal(err)
		}
	}
}
