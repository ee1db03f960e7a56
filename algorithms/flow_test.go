package algorithms

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// flowTestQuad is f(θ) = ½θᵀHθ − bᵀθ with H dense.
type flowTestQuad struct {
	h *mat.Dense
	b []float64
}

func (q *flowTestQuad) Dim() int { return len(q.b) }

func (q *flowTestQuad) Value(x []float64) float64 {
	var s float64
	d := len(x)
	for i := range d {
		var hx float64
		for j := range d {
			hx += q.h.At(i, j) * x[j]
		}
		s += 0.5*x[i]*hx - q.b[i]*x[i]
	}
	return s
}

func (q *flowTestQuad) Grad(dst, x []float64) {
	for i := range x {
		s := -q.b[i]
		for j, hij := range q.h.RawRowView(i) {
			s += hij * x[j]
		}
		dst[i] = s
	}
}

// flowTestDiag is f(θ) = ½Σ λ_j θ_j², the cheapest gradient, to time the integrator itself.
type flowTestDiag []float64

func (q flowTestDiag) Dim() int { return len(q) }
func (q flowTestDiag) Value(x []float64) float64 {
	var s float64
	for j, l := range q {
		s += l * x[j] * x[j] / 2
	}
	return s
}
func (q flowTestDiag) Grad(dst, x []float64) {
	for j, l := range q {
		dst[j] = l * x[j]
	}
}

// flowTestLogistic is f(θ) = (1/m) Σ_i log(1 + exp(−y_i a_iᵀθ)) + (r/2)‖θ‖² (convex).
type flowTestLogistic struct {
	a [][]float64
	y []float64
	r float64
}

func (l *flowTestLogistic) Dim() int { return len(l.a[0]) }

func (l *flowTestLogistic) Value(x []float64) float64 {
	var s float64
	for i, ai := range l.a {
		m := l.y[i] * sgdTestDot(ai, x)
		// log(1 + e^{−m}) without overflow.
		if m > 0 {
			s += math.Log1p(math.Exp(-m))
		} else {
			s += -m + math.Log1p(math.Exp(m))
		}
	}
	return s/float64(len(l.a)) + 0.5*l.r*sgdTestDot(x, x)
}

func (l *flowTestLogistic) Grad(dst, x []float64) {
	for j := range dst {
		dst[j] = l.r * x[j]
	}
	inv := 1 / float64(len(l.a))
	for i, ai := range l.a {
		m := l.y[i] * sgdTestDot(ai, x)
		// d/dm log(1 + e^{−m}) = −1/(1 + e^{m}).
		c := -l.y[i] / (1 + math.Exp(m)) * inv
		for j, v := range ai {
			dst[j] += c * v
		}
	}
}

func flowTestLogisticProblem(seed uint64, m, d int, r float64) *flowTestLogistic {
	rng := rand.New(rand.NewPCG(seed, 3))
	l := &flowTestLogistic{r: r}
	for range m {
		l.a = append(l.a, sgdTestVec(rng, d))
		y := 1.0
		if rng.IntN(2) == 0 {
			y = -1
		}
		l.y = append(l.y, y)
	}
	return l
}

// flowTestRK4 integrates θ' = −∇f(θ) with N classical RK4 steps: an independent, fixed-step
// reference (global error O((τ/N)⁴)).
func flowTestRK4(f Objective, x0 []float64, tau float64, N int) []float64 {
	d := len(x0)
	y := append([]float64(nil), x0...)
	k1, k2, k3, k4, tmp := make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d), make([]float64, d)
	h := tau / float64(N)
	for range N {
		f.Grad(k1, y)
		for j := range tmp {
			tmp[j] = y[j] - h/2*k1[j]
		}
		f.Grad(k2, tmp)
		for j := range tmp {
			tmp[j] = y[j] - h/2*k2[j]
		}
		f.Grad(k3, tmp)
		for j := range tmp {
			tmp[j] = y[j] - h*k3[j]
		}
		f.Grad(k4, tmp)
		for j := range y {
			y[j] -= h / 6 * (k1[j] + 2*k2[j] + 2*k3[j] + k4[j])
		}
	}
	return y
}

// flowTestEigen draws an orthogonal Q (d×d, from a QR factorisation) and returns it with
// H = QΛQᵀ.
func flowTestEigen(seed uint64, vals []float64) (*mat.Dense, *mat.Dense) {
	d := len(vals)
	rng := rand.New(rand.NewPCG(seed, 9))
	g := mat.NewDense(d, d, nil)
	for i := range d {
		for j := range d {
			g.Set(i, j, rng.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	var h, tmp mat.Dense
	tmp.Mul(&q, mat.NewDiagDense(d, vals))
	h.Mul(&tmp, q.T())
	// Symmetrise exactly.
	for i := range d {
		for j := range i {
			v := (h.At(i, j) + h.At(j, i)) / 2
			h.Set(i, j, v)
			h.Set(j, i, v)
		}
	}
	return &q, &h
}

func flowTestMaxDiff(a, b []float64) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func TestQuadraticFlow1D(t *testing.T) {
	one := mat.NewDense(1, 1, []float64{1})
	minus := mat.NewDense(1, 1, []float64{-1}) // an eigenvector may have either sign
	for _, tc := range []struct {
		h, b, x0, tau float64
		q             *mat.Dense
	}{
		{1, 0, 1, 1, one}, {2, 0, -3, 0.5, minus}, {0.01, 0, 5, 100, one}, {100, 0, 1, 0.3, one},
		{1, 0, 1, 0, one}, {3, 1.5, 2, 0.7, one}, {0.5, -2, 0, 4, minus}, {1e-3, 1, 1, 1e-2, one},
	} {
		got := QuadraticFlow([]float64{tc.h}, tc.q, []float64{tc.b}, []float64{tc.x0}, tc.tau)[0]
		// x(τ) = x* + (x0 − x*)e^{−hτ}, x* = b/h.
		xs := tc.b / tc.h
		want := xs + (tc.x0-xs)*math.Exp(-tc.h*tc.tau)
		if math.Abs(got-want) > 4e-16*(math.Abs(tc.x0)+math.Abs(xs)) {
			t.Errorf("h=%v b=%v x0=%v τ=%v: got %.17g, want %.17g", tc.h, tc.b, tc.x0, tc.tau, got, want)
		}
	}
}

func TestQuadraticFlowVsFineRK(t *testing.T) {
	for _, tc := range []struct {
		name string
		vals []float64
		tau  float64
	}{
		{"well conditioned", []float64{0.5, 1, 2, 3}, 1.5},
		{"singular", []float64{0, 0, 1, 2}, 2},
		{"spread", []float64{1e-3, 0.1, 4, 10}, 1},
		{"d=6", []float64{0, 0.2, 0.4, 0.8, 1.6, 3.2}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := len(tc.vals)
			q, h := flowTestEigen(uint64(d), tc.vals)
			rng := rand.New(rand.NewPCG(4, 4))
			b, x0 := sgdTestVec(rng, d), sgdTestVec(rng, d)
			got := QuadraticFlow(tc.vals, q, b, x0, tc.tau)
			want := flowTestRK4(&flowTestQuad{h: h, b: b}, x0, tc.tau, 20000)
			if diff := flowTestMaxDiff(got, want); diff > 1e-12 {
				t.Errorf("max |exact − RK4| = %g", diff)
			}
			// The path agrees with single evaluations.
			times := []float64{tc.tau, 0, tc.tau / 3, tc.tau}
			path := QuadraticFlowPath(tc.vals, q, b, x0, times)
			for i, ti := range times {
				if diff := flowTestMaxDiff(path[i], QuadraticFlow(tc.vals, q, b, x0, ti)); diff != 0 {
					t.Errorf("path at t = %v differs by %g", ti, diff)
				}
			}
			if diff := flowTestMaxDiff(path[1], x0); diff > 1e-15 {
				t.Errorf("θ(0) − x0 = %g", diff)
			}
		})
	}
}

// TestQuadraticFlowNoCancellation: λ = 0 and tiny λτ must keep the β_k τ term exactly; the
// naive (1 − e^{−λτ})/λ returns 0/0 or 0 there.
func TestQuadraticFlowNoCancellation(t *testing.T) {
	id := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	for _, tc := range []struct {
		name string
		lam  float64
		tau  float64
	}{
		{"λ = 0", 0, 3},
		{"λτ = 1e-18", 1e-18, 1},
		{"λτ = 1e-18 via τ", 1, 1e-18},
		{"λ subnormal", 5e-320, 7},
		{"λτ = 1e-12", 1e-12, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, x0 := []float64{2.5, 1}, []float64{-1, 0}
			got := QuadraticFlow([]float64{tc.lam, 1}, id, b, x0, tc.tau)
			// Coordinate 0: c0 e^{−x} + β τ (1 − x/2 + …), x = λτ ≤ 1e-12, so to first order.
			x := tc.lam * tc.tau
			want := x0[0]*(1-x) + b[0]*tc.tau*(1-x/2)
			if math.Abs(got[0]-want) > 2e-16*(math.Abs(x0[0])+math.Abs(b[0]*tc.tau)) {
				t.Errorf("got %.17g, want %.17g", got[0], want)
			}
		})
	}
	// A zero coefficient with an overflowing exponential stays zero (no 0·Inf = NaN).
	got := QuadraticFlow([]float64{-1000, 1}, id, []float64{0, 0}, []float64{0, 1}, 1)
	if got[0] != 0 {
		t.Errorf("0·e^{1000} = %v", got[0])
	}
}

// TestFlowPhi compares φ(x) = (1 − e^{−x})/x with its Taylor series in 256-bit arithmetic
// across the switch point 1e-4 and beyond.
func TestFlowPhi(t *testing.T) {
	ref := func(x float64) float64 {
		// Σ_{k≥0} (−x)^k/(k+1)!, convergent for every x; |x| ≤ 2 needs < 60 terms.
		const prec = 256
		bx := new(big.Float).SetPrec(prec).SetFloat64(-x)
		sum := new(big.Float).SetPrec(prec)
		term := new(big.Float).SetPrec(prec).SetFloat64(1)
		for k := 1; k < 80; k++ {
			sum.Add(sum, term)
			term.Mul(term, bx)
			term.Quo(term, new(big.Float).SetPrec(prec).SetInt64(int64(k+1)))
		}
		v, _ := sum.Float64()
		return v
	}
	for _, x := range []float64{0, 5e-324, 1e-300, 1e-18, 1e-10, 1e-6, 9.99e-5, 1e-4, 1.01e-4, 1e-3, 0.1, 0.5, 1, 2,
		-1e-18, -1e-6, -9.99e-5, -1e-4, -0.1, -1, -2} {
		got, want := flowPhi(x), ref(x)
		if math.Abs(got-want) > 4*math.Abs(want)*0x1p-52 {
			t.Errorf("φ(%g) = %.17g, want %.17g (%.2g ulp)", x, got, want, math.Abs(got-want)/(math.Abs(want)*0x1p-52))
		}
	}
	for _, x := range []float64{5, 40, 1e10, 1e300} {
		if got, want := flowPhi(x), (1-math.Exp(-x))/x; math.Abs(got-want) > 2*want*0x1p-52 {
			t.Errorf("φ(%g) = %g, want %g", x, got, want)
		}
	}
	if !math.IsInf(flowPhi(-1000), 1) {
		t.Errorf("φ(−1000) = %v, want +Inf", flowPhi(-1000))
	}
}

// flowTestScalar is f(x) = (h/2)x², in any sign of h (h < 0 is concave: ν = −h).
type flowTestScalar struct{ h float64 }

func (s flowTestScalar) Dim() int                  { return 1 }
func (s flowTestScalar) Value(x []float64) float64 { return s.h / 2 * x[0] * x[0] }
func (s flowTestScalar) Grad(dst, x []float64)     { dst[0] = s.h * x[0] }

func flowTestCheckAccounting(t *testing.T, r *FlowResult, x0 []float64, tau float64, auto bool) {
	t.Helper()
	K := r.Trajectory.T()
	overhead := 1 // ∇f(x0)
	if auto {
		overhead++ // initial-step heuristic
	}
	if K > 0 && r.GradEvals != overhead+6*(K+r.Rejected) {
		t.Errorf("GradEvals = %d, want %d + 6·(%d accepted + %d rejected)", r.GradEvals, overhead, K, r.Rejected)
	}
	if r.Trajectory.GradEvals != r.GradEvals {
		t.Errorf("Trajectory.GradEvals = %d ≠ %d", r.Trajectory.GradEvals, r.GradEvals)
	}
	if len(r.Times) != K+1 || r.Times[0] != 0 || r.Times[K] != tau {
		t.Errorf("Times = %v…, want 0 … τ = %v", r.Times[:min(3, len(r.Times))], tau)
	}
	var sum sgdSum
	for k, h := range r.Trajectory.Steps {
		sum.add(h)
		if !(h > 0) || math.Abs(r.Times[k+1]-r.Times[k]-h) > 1e-15*tau {
			t.Errorf("step %d: h = %v, Δt = %v", k, h, r.Times[k+1]-r.Times[k])
		}
	}
	if math.Abs(sum.value()-tau) > 1e-14*tau {
		t.Errorf("Σ h = %v, want τ = %v", sum.value(), tau)
	}
	if flowTestMaxDiff(r.Trajectory.Iterates[0], x0) != 0 || &r.X[0] != &r.Trajectory.Final()[0] {
		t.Error("Iterates[0] ≠ x0 or X is not the final iterate")
	}
}

// flowTestCheckBoundCap checks that ErrorBound is no larger than the acceptance criterion
// allows: an accepted step has RMS_j(le_j/sc_j) ≤ 1, so ‖le‖ ≤ √d·max_j sc_j with
// sc_j ≤ AbsTol + RelTol·max(‖y_k‖∞, ‖y_{k+1}‖∞); the bound is S times the sum of these,
// amplified by e^{ν(τ−t_{k+1})}, plus rounding terms (a few ε·‖y‖ per step).
func flowTestCheckBoundCap(t *testing.T, r *FlowResult, o FlowOptions, tau float64) {
	t.Helper()
	o, err := flowDefaults(o, tau)
	if err != nil {
		t.Fatal(err)
	}
	inf := func(x []float64) float64 {
		var m float64
		for _, v := range x {
			m = math.Max(m, math.Abs(v))
		}
		return m
	}
	its := r.Trajectory.Iterates
	d := float64(len(its[0]))
	var capSum float64
	for k := range r.Trajectory.Steps {
		m := math.Max(inf(its[k]), inf(its[k+1]))
		amp := math.Exp(o.OneSidedLipschitz * (tau - r.Times[k+1]))
		capSum += amp * (o.ErrorSafety*math.Sqrt(d)*(o.AbsTol+o.RelTol*m) + 1e-14*(1+m*math.Sqrt(d)))
	}
	if r.ErrorBound > capSum {
		t.Errorf("bound %g exceeds what the acceptance criterion allows (%g)", r.ErrorBound, capSum)
	}
}

func TestGradientFlowQuadratic1D(t *testing.T) {
	for _, tc := range []struct {
		h, x0, tau float64
		opts       FlowOptions
	}{
		{1, 1, 1, FlowOptions{}},
		{0.5, -2, 5, FlowOptions{}},
		{3, 1, 2, FlowOptions{AbsTol: 1e-6, RelTol: 1e-6}},
		{50, 1, 1, FlowOptions{}},                                              // stiff-ish: many steps
		{1000, 1, 0.1, FlowOptions{InitialStep: 0.05}},                         // forces rejections
		{2, 3, 1, FlowOptions{OneSidedLipschitz: -2}},                          // strongly convex: contraction
		{-1, 1, 2, FlowOptions{OneSidedLipschitz: 1}},                          // concave: errors amplify
		{0, 4, 3, FlowOptions{}},                                               // constant flow
		{1, 0, 3, FlowOptions{}},                                               // starts at the minimiser
		{1, 1, 1e-9, FlowOptions{}},                                            // tiny horizon
		{0.1, 1, 1, FlowOptions{AbsTol: 1e-12, RelTol: 1e-12, MaxSteps: 5000}}, // tight
	} {
		r, err := GradientFlow(flowTestScalar{tc.h}, []float64{tc.x0}, tc.tau, tc.opts)
		if err != nil {
			t.Errorf("h=%v τ=%v: %v", tc.h, tc.tau, err)
			continue
		}
		want := tc.x0 * math.Exp(-tc.h*tc.tau)
		if e := math.Abs(r.X[0] - want); e > r.ErrorBound {
			t.Errorf("h=%v τ=%v: error %g exceeds bound %g", tc.h, tc.tau, e, r.ErrorBound)
		}
		flowTestCheckBoundCap(t, r, tc.opts, tc.tau)
		// Without contraction (ν ≥ 0) the bound is at least S times the raw estimate.
		if tc.opts.OneSidedLipschitz >= 0 && !(r.ErrorBound >= DefaultFlowErrorSafety*r.ErrorEstimate) {
			t.Errorf("h=%v τ=%v: ErrorBound %v < S·ErrorEstimate %v", tc.h, tc.tau, r.ErrorBound, r.ErrorEstimate)
		}
		if tc.opts.InitialStep != 0 && r.Rejected == 0 {
			t.Errorf("h=%v: a too-large initial step was not rejected", tc.h)
		}
		flowTestCheckAccounting(t, r, []float64{tc.x0}, tc.tau, tc.opts.InitialStep == 0)
	}
}

func TestGradientFlowLogistic(t *testing.T) {
	for _, tc := range []struct {
		name    string
		m, d    int
		r, tau  float64
		tol     float64
		refStep int
		scale   float64 // of x0
	}{
		{"d=3", 6, 3, 0, 5, 1e-8, 20000, 3},
		{"d=5 ridge", 10, 5, 0.1, 10, 1e-10, 40000, 3},
		{"d=3 loose", 6, 3, 0.01, 3, 1e-5, 20000, 3},
		// At loose tolerances the raw estimate can fall below the true error (ratio ≈ 1.5
		// here): the safety factor is what keeps the bound valid.
		{"d=4 very loose", 20, 4, 0, 20, 1e-3, 40000, 5},
		{"d=4 loose", 20, 4, 0, 20, 1e-4, 40000, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := flowTestLogisticProblem(uint64(tc.m), tc.m, tc.d, tc.r)
			x0 := sgdTestVec(rand.New(rand.NewPCG(2, 2)), tc.d)
			for j := range x0 {
				x0[j] *= tc.scale
			}
			ref := flowTestRK4(f, x0, tc.tau, tc.refStep)
			if e := flowTestMaxDiff(ref, flowTestRK4(f, x0, tc.tau, tc.refStep/2)); e > 1e-12 {
				t.Fatalf("reference not converged: RK4 N vs N/2 differ by %g", e)
			}
			r, err := GradientFlow(f, x0, tc.tau, FlowOptions{AbsTol: tc.tol, RelTol: tc.tol})
			if err != nil {
				t.Fatal(err)
			}
			var e float64
			for j := range ref {
				e += (r.X[j] - ref[j]) * (r.X[j] - ref[j])
			}
			e = math.Sqrt(e)
			if e > r.ErrorBound+1e-12 {
				t.Errorf("‖error‖ = %g exceeds bound %g", e, r.ErrorBound)
			}
			flowTestCheckBoundCap(t, r, FlowOptions{AbsTol: tc.tol, RelTol: tc.tol}, tc.tau)
			if tc.name == "d=4 very loose" && !(e > r.ErrorEstimate) {
				t.Errorf("expected the raw estimate %g to fall below the error %g here (the reason for the safety factor)", r.ErrorEstimate, e)
			}
			t.Logf("error %.3g (%.2g of the estimate), estimate %.3g, bound %.3g, %d steps, %d rejected, %d evals", e, e/r.ErrorEstimate, r.ErrorEstimate, r.ErrorBound, r.Trajectory.T(), r.Rejected, r.GradEvals)
			flowTestCheckAccounting(t, r, x0, tc.tau, true)
			// f decreases along the flow (a sanity check of the sign convention).
			if f.Value(r.X) >= f.Value(x0) {
				t.Error("f did not decrease along the flow")
			}
		})
	}
}

func TestGradientFlowVsQuadraticFlow(t *testing.T) {
	vals := []float64{0, 0.3, 1, 2.5, 6}
	q, h := flowTestEigen(17, vals)
	rng := rand.New(rand.NewPCG(8, 1))
	b, x0 := sgdTestVec(rng, 5), sgdTestVec(rng, 5)
	const tau = 2
	exact := QuadraticFlow(vals, q, b, x0, tau)
	r, err := GradientFlow(&flowTestQuad{h: h, b: b}, x0, tau, FlowOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var e float64
	for j := range exact {
		e += (r.X[j] - exact[j]) * (r.X[j] - exact[j])
	}
	if e = math.Sqrt(e); e > r.ErrorBound {
		t.Errorf("‖DP − exact‖ = %g > bound %g", e, r.ErrorBound)
	}
}

// TestGradientFlowToleranceHalving: the error at τ falls as the tolerance is halved. It is
// measured against the exact solution of a 3-d quadratic; the step controller makes the
// error roughly proportional to the tolerance, so each halving must reduce it.
func TestGradientFlowToleranceHalving(t *testing.T) {
	vals := []float64{0.5, 2, 4}
	q, h := flowTestEigen(3, vals)
	b, x0 := []float64{1, -1, 0.5}, []float64{2, 1, -3}
	const tau = 3
	exact := QuadraticFlow(vals, q, b, x0, tau)
	f := &flowTestQuad{h: h, b: b}
	prev, prevBound := math.Inf(1), math.Inf(1)
	for tol := 1e-5; tol > 1e-9; tol /= 2 {
		r, err := GradientFlow(f, x0, tau, FlowOptions{AbsTol: tol, RelTol: tol})
		if err != nil {
			t.Fatal(err)
		}
		var e float64
		for j := range exact {
			e += (r.X[j] - exact[j]) * (r.X[j] - exact[j])
		}
		e = math.Sqrt(e)
		if !(e < prev) || !(r.ErrorBound < prevBound) || e > r.ErrorBound {
			t.Errorf("tol %.3g: error %.3g (previous %.3g), bound %.3g (previous %.3g)", tol, e, prev, r.ErrorBound, prevBound)
		}
		prev, prevBound = e, r.ErrorBound
	}
}

// flowTestBad returns NaN gradients outside |x| < 1.
type flowTestBad struct{}

func (flowTestBad) Dim() int                  { return 1 }
func (flowTestBad) Value(x []float64) float64 { return 0 }
func (flowTestBad) Grad(dst, x []float64) {
	dst[0] = -x[0] // θ' = θ: grows until it leaves the domain
	if math.Abs(x[0]) >= 1 {
		dst[0] = math.NaN()
	}
}

func TestGradientFlowErrors(t *testing.T) {
	f := flowTestScalar{1}
	for _, tc := range []struct {
		name string
		f    Objective
		x0   []float64
		tau  float64
		opts FlowOptions
	}{
		{"NaN x0", f, []float64{math.NaN()}, 1, FlowOptions{}},
		{"Inf x0", f, []float64{math.Inf(-1)}, 1, FlowOptions{}},
		{"Inf tau", f, []float64{1}, math.Inf(1), FlowOptions{}},
		{"NaN tau", f, []float64{1}, math.NaN(), FlowOptions{}},
		{"negative tau", f, []float64{1}, -1, FlowOptions{}},
		{"negative tolerance", f, []float64{1}, 1, FlowOptions{AbsTol: -1}},
		{"tolerance below ε", f, []float64{1}, 1, FlowOptions{RelTol: 1e-17}},
		{"safety below 1", f, []float64{1}, 1, FlowOptions{ErrorSafety: 0.5}},
		{"NaN ν", f, []float64{1}, 1, FlowOptions{OneSidedLipschitz: math.NaN()}},
		{"negative initial step", f, []float64{1}, 1, FlowOptions{InitialStep: -1}},
		{"MaxSteps reached", flowTestScalar{100}, []float64{1}, 10, FlowOptions{MaxSteps: 5}},
		{"NaN gradient at x0", flowTestBad{}, []float64{2}, 1, FlowOptions{}},
		{"NaN gradient on the way", flowTestBad{}, []float64{0.5}, 5, FlowOptions{}},
	} {
		r, err := GradientFlow(tc.f, tc.x0, tc.tau, tc.opts)
		if err == nil {
			t.Errorf("%s: no error (X = %v)", tc.name, r.X)
		}
	}
	// τ = 0 is fine: the start, bound 0, no gradients.
	r, err := GradientFlow(f, []float64{2}, 0, FlowOptions{})
	if err != nil || r.X[0] != 2 || r.ErrorBound != 0 || r.GradEvals != 0 {
		t.Errorf("τ = 0: %+v, %v", r, err)
	}
}

// BenchmarkDormandPrinceStep times one step (6 gradients) at d = 50: with a diagonal
// quadratic (the integrator's own cost), a dense quadratic (6 mat-vecs) and a logistic loss
// on m = 100 points.
func BenchmarkDormandPrinceStep(b *testing.B) {
	const d = 50
	vals := make([]float64, d)
	for i := range vals {
		vals[i] = float64(i) / d
	}
	_, h := flowTestEigen(1, vals)
	for _, bc := range []struct {
		name string
		f    Objective
	}{
		{"diagonal", flowTestDiag(vals)},
		{"dense-quadratic", &flowTestQuad{h: h, b: make([]float64, d)}},
		{"logistic-m100", flowTestLogisticProblem(1, 100, d, 0.01)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := newFlowDP(bc.f, d)
			y := sgdTestVec(rand.New(rand.NewPCG(1, 1)), d)
			ynew, errv := make([]float64, d), make([]float64, d)
			bc.f.Grad(s.g[0], y)
			b.ReportAllocs()
			for b.Loop() {
				s.step(y, ynew, errv, 1e-3)
			}
		})
	}
}

func BenchmarkGradientFlow(b *testing.B) {
	f := flowTestLogisticProblem(1, 100, 50, 0.01)
	x0 := sgdTestVec(rand.New(rand.NewPCG(1, 1)), 50)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := GradientFlow(f, x0, 5, FlowOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
