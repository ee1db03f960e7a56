package algorithms

import (
	"errors"
	"fmt"
	"math"
)

// DefaultFlowErrorSafety is the factor S by which GradientFlow multiplies each local error
// estimate before summing them into FlowResult.ErrorBound (see there for the argument).
//
// Why 10: Dormand–Prince propagates the 5th-order solution and estimates the error of the
// embedded 4th-order one, so for small steps the estimate (O(h⁵)) already exceeds the true
// local error of the propagated solution (O(h⁶)) by a wide margin; S = 10 additionally
// covers steps that are not in that asymptotic regime — the estimate is still an estimate,
// within a small factor of the truth for smooth problems, not a rigorous enclosure — at the
// cost of one decimal digit of a bound that is usually far below a theorem's tolerance.
const DefaultFlowErrorSafety = 10

// FlowOptions configures GradientFlow. The zero value asks for the defaults.
type FlowOptions struct {
	// AbsTol and RelTol are the per-coordinate tolerances of step-size control: a step is
	// accepted when the RMS over coordinates of err_i/(AbsTol + RelTol·max(|y_i|, |y_i'|))
	// is at most 1. Zero means 1e-9. RelTol must be at least 1e-14 (smaller cannot be met
	// in float64 and would shrink the step to nothing).
	AbsTol, RelTol float64
	// InitialStep is the first trial step; 0 chooses it automatically (Hairer, Nørsett and
	// Wanner's starting-step heuristic, one extra gradient evaluation).
	InitialStep float64
	// MaxSteps caps attempted steps (accepted + rejected); 0 means 1_000_000. Exceeding it
	// is an error.
	MaxSteps int
	// ErrorSafety is the factor S of FlowResult.ErrorBound; 0 means DefaultFlowErrorSafety.
	// It must be at least 1.
	ErrorSafety float64
	// OneSidedLipschitz is ν with ⟨∇f(x) − ∇f(y), x − y⟩ ≥ −ν‖x − y‖² for all x, y: 0 for
	// convex f (the default, and the case the bound is designed for), −μ for μ-strongly
	// convex f (errors then contract), ρ > 0 for ρ-weakly convex f (f + ρ‖·‖²/2 convex;
	// errors may grow like e^{ρt}). The error bound is valid only if this is true of f:
	// leaving it 0 for a non-convex f makes ErrorBound meaningless.
	OneSidedLipschitz float64
}

// FlowResult is what GradientFlow returns.
type FlowResult struct {
	// X is the computed θ(τ); it is Trajectory.Final().
	X []float64
	// Trajectory holds the state at t_0 = 0 and after every accepted step; Steps are the
	// accepted step sizes h_k = t_{k+1} − t_k (so they sum to τ, the flow's "accumulated
	// step size"), and GradEvals counts every gradient evaluation, rejected steps included.
	Trajectory *Trajectory
	// Times holds t_0 = 0, t_1, …, t_K = τ (the last exactly τ).
	Times []float64
	// GradEvals is the total number of gradient evaluations (also Trajectory.GradEvals).
	GradEvals int
	// Rejected is the number of rejected step attempts.
	Rejected int
	// ErrorEstimate is Σ_k ‖le_k‖, the raw sum of the Euclidean norms of the accepted steps'
	// local error estimates: an estimate of the global error, not a bound.
	ErrorEstimate float64
	// ErrorBound bounds ‖X − θ(τ)‖ (Euclidean), under the assumptions below; fold it into a
	// theorem's tolerance (for f with gradient Lipschitz constant G along the path,
	// |f(X) − f(θ(τ))| ≤ ‖∇f(X)‖·B + G·B²/2 with B = ErrorBound).
	//
	// The argument (Lady Windermere's fan). Let φ_s be the exact flow map and y_k the
	// computed states. The global error telescopes into transported local errors:
	//
	//	y_K − φ_τ(y_0) = Σ_k [φ_{τ−t_{k+1}}(y_{k+1}) − φ_{τ−t_{k+1}}(φ_{h_k}(y_k))].
	//
	// Two solutions x, y of θ' = −∇f(θ) satisfy d/dt ½‖x − y‖² = −⟨∇f(x) − ∇f(y), x − y⟩ ≤
	// ν‖x − y‖², so ‖φ_s(a) − φ_s(b)‖ ≤ e^{νs}‖a − b‖; for convex f (ν = 0) the flow is
	// non-expansive and local errors never amplify. Hence
	//
	//	‖y_K − φ_τ(y_0)‖ ≤ Σ_k e^{ν(τ−t_{k+1})} ‖y_{k+1} − φ_{h_k}(y_k)‖,
	//
	// and ErrorBound is this sum with each true local error replaced by S·‖le_k‖ + r_k,
	// where S = ErrorSafety and r_k = 8ε(‖y_k‖ + h_k Σ_i |b_i|‖∇f(Y_i)‖) bounds the rounding of
	// the update y_k − h_k Σ b_i ∇f(Y_i) (each coordinate is a sum of 7 terms). The
	// inequality is a theorem; what it rests on is that S·‖le_k‖ bounds the truncation error
	// of each accepted step — true for small steps of a smooth f (see
	// DefaultFlowErrorSafety), an assumption otherwise — and that ν is right for f. Rounding
	// inside f.Grad itself is not accounted for.
	ErrorBound float64
}

// Dormand–Prince 5(4) (RK5(4)7M; Dormand & Prince, 1980). dpA are the stage coefficients,
// dpB the 5th-order weights (FSAL: equal to the last row of dpA, with b_7 = 0), dpE = b − b̂
// the difference to the embedded 4th-order weights, used for the local error estimate.
var (
	dpA = [7][6]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	dpB = [7]float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	dpE = [7]float64{71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40}
)

// flowDP holds the stage buffers of one Dormand–Prince integration, so that a step
// allocates nothing.
type flowDP struct {
	f    Objective
	g    [7][]float64 // g[i] = ∇f(Y_i) at stage i; g[0] = ∇f(y) on entry to step
	ytmp []float64
}

func newFlowDP(f Objective, d int) *flowDP {
	s := &flowDP{f: f, ytmp: make([]float64, d)}
	backing := make([]float64, 7*d)
	for i := range s.g {
		s.g[i] = backing[i*d : (i+1)*d : (i+1)*d]
	}
	return s
}

// step takes one Dormand–Prince step of size h for θ' = −∇f(θ) from y, with s.g[0] = ∇f(y)
// already computed. It writes the 5th-order solution to ynew, the local error estimate
// (5th minus 4th order, up to sign) to errv, and leaves ∇f(ynew) in s.g[6] (first same as
// last: it is the next step's g[0]). Six gradient evaluations.
func (s *flowDP) step(y, ynew, errv []float64, h float64) {
	for st := 1; st < 7; st++ {
		a := &dpA[st]
		for j, yj := range y {
			var acc float64
			for i := range st {
				acc += a[i] * s.g[i][j]
			}
			s.ytmp[j] = yj - h*acc
		}
		if st == 6 {
			copy(ynew, s.ytmp) // the 7th stage point is the 5th-order solution
		}
		s.f.Grad(s.g[st], s.ytmp)
	}
	for j := range errv {
		var acc float64
		for i := range dpE {
			acc += dpE[i] * s.g[i][j]
		}
		errv[j] = h * acc
	}
}

// GradientFlow integrates the gradient flow θ' = −∇f(θ), θ(0) = x0, up to time tau ≥ 0 with
// the Dormand–Prince 5(4) embedded Runge–Kutta pair and adaptive step control, and returns
// the state at tau, the accepted steps, the cost, and an explicit error bound.
//
// Use it where no closed form exists (for quadratics use QuadraticFlow, which is exact).
// Step control is the standard one (Hairer, Nørsett & Wanner, Solving ODEs I, §II.4): local
// extrapolation, FSAL (6 gradient evaluations per attempted step), new step
// h·clamp(0.9·err^{−1/5}, 0.2, 5) and no growth right after a rejection. The last step is
// shortened to land exactly on tau. The error bound is separate from step control: it sums
// Euclidean norms of the local error estimates, for the reason given at
// FlowResult.ErrorBound, which is only valid with a correct OneSidedLipschitz for f.
//
// It returns an error, rather than a result that looks usable, on non-finite x0, tau or
// options, on a non-finite gradient or state anywhere, when the step size underflows, and
// when MaxSteps is exceeded. It panics on nil f or len(x0) != f.Dim().
func GradientFlow(f Objective, x0 []float64, tau float64, opts FlowOptions) (*FlowResult, error) {
	if f == nil {
		panic("algorithms: GradientFlow: nil objective")
	}
	d := len(x0)
	if d != f.Dim() {
		panic(fmt.Sprintf("algorithms: GradientFlow: len(x0) = %d, want Dim() = %d", d, f.Dim()))
	}
	o, err := flowDefaults(opts, tau)
	if err != nil {
		return nil, err
	}
	if !flowFinite(x0) {
		return nil, errors.New("algorithms: GradientFlow: x0 is not finite")
	}

	s := newFlowDP(f, d)
	y := make([]float64, d)
	copy(y, x0)
	ynew := make([]float64, d)
	errv := make([]float64, d)

	states := append(make([]float64, 0, 64*d), x0...)
	times := []float64{0}
	var hs, ests, rounds []float64
	evals, rejected := 0, 0

	result := func() *FlowResult {
		tr := newTrajectory(x0, len(hs))
		for k := 1; k <= len(hs); k++ {
			copy(tr.Iterates[k], states[k*d:(k+1)*d])
		}
		copy(tr.Steps, hs)
		tr.GradEvals = evals
		var est, bound sgdSum
		for k := range hs {
			est.add(ests[k])
			amp := 1.0
			if o.OneSidedLipschitz != 0 {
				amp = math.Exp(o.OneSidedLipschitz * (tau - times[k+1]))
			}
			bound.add(amp * (o.ErrorSafety*ests[k] + rounds[k]))
		}
		return &FlowResult{
			X: tr.Final(), Trajectory: tr, Times: times, GradEvals: evals, Rejected: rejected,
			ErrorEstimate: est.value(), ErrorBound: bound.value(),
		}
	}
	if tau == 0 || d == 0 {
		return result(), nil
	}

	f.Grad(s.g[0], y)
	evals++
	if !flowFinite(s.g[0]) {
		return nil, errors.New("algorithms: GradientFlow: ∇f(x0) is not finite")
	}
	h := o.InitialStep
	if h == 0 {
		h, err = flowInitialStep(f, y, s.g[0], s.ytmp, ynew, o)
		evals++
		if err != nil {
			return nil, err
		}
	}
	h = math.Min(h, tau)

	const eps = 0x1p-52
	t := 0.0
	justRejected := false
	for attempts := 0; t < tau; attempts++ {
		if attempts >= o.MaxSteps {
			return nil, fmt.Errorf("algorithms: GradientFlow: %d step attempts (MaxSteps) reached at t = %g of τ = %g", o.MaxSteps, t, tau)
		}
		last := false
		if t+1.01*h >= tau { // stretch or shrink the step to land on τ without a sliver step
			h, last = tau-t, true
		}
		if h <= 16*eps*math.Max(math.Abs(t), math.SmallestNonzeroFloat64) {
			return nil, fmt.Errorf("algorithms: GradientFlow: step size %g underflows at t = %g (tolerance too tight or f not smooth there)", h, t)
		}
		s.step(y, ynew, errv, h)
		evals += 6
		for i := 1; i < 7; i++ {
			if !flowFinite(s.g[i]) {
				return nil, fmt.Errorf("algorithms: GradientFlow: non-finite gradient in a step from t = %g with h = %g", t, h)
			}
		}
		if !flowFinite(ynew) || !flowFinite(errv) {
			return nil, fmt.Errorf("algorithms: GradientFlow: non-finite state in a step from t = %g with h = %g", t, h)
		}

		var sum, euc float64
		for j, e := range errv {
			sc := o.AbsTol + o.RelTol*math.Max(math.Abs(y[j]), math.Abs(ynew[j]))
			sum += (e / sc) * (e / sc)
			euc += e * e
		}
		errNorm := math.Sqrt(sum / float64(d))

		if errNorm > 1 {
			rejected++
			justRejected = true
			h *= math.Max(0.2, 0.9*math.Pow(errNorm, -0.2))
			continue
		}

		// Accepted: record the step, its local error estimate and its rounding term.
		var ynorm, gsum float64
		for _, v := range y {
			ynorm += v * v
		}
		for i, b := range dpB {
			if b != 0 {
				gsum += math.Abs(b) * flowNorm(s.g[i])
			}
		}
		rounds = append(rounds, 8*eps*(math.Sqrt(ynorm)+h*gsum))
		ests = append(ests, math.Sqrt(euc))
		hs = append(hs, h)
		if last {
			t = tau
		} else {
			t += h
		}
		times = append(times, t)
		states = append(states, ynew...)
		y, ynew = ynew, y
		s.g[0], s.g[6] = s.g[6], s.g[0]

		fac := 5.0
		if errNorm > 0 {
			fac = math.Min(5, math.Max(0.2, 0.9*math.Pow(errNorm, -0.2)))
		}
		if justRejected {
			fac = math.Min(fac, 1)
		}
		justRejected = false
		h *= fac
	}
	return result(), nil
}

// flowDefaults validates opts and tau and fills in defaults.
func flowDefaults(o FlowOptions, tau float64) (FlowOptions, error) {
	bad := func(name string, v float64) error {
		return fmt.Errorf("algorithms: GradientFlow: %s = %g is invalid", name, v)
	}
	if math.IsNaN(tau) || math.IsInf(tau, 0) || tau < 0 {
		return o, bad("tau", tau)
	}
	if o.AbsTol == 0 {
		o.AbsTol = 1e-9
	}
	if o.RelTol == 0 {
		o.RelTol = 1e-9
	}
	if o.ErrorSafety == 0 {
		o.ErrorSafety = DefaultFlowErrorSafety
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 1_000_000
	}
	switch {
	case !(o.AbsTol > 0) || math.IsInf(o.AbsTol, 0):
		return o, bad("AbsTol", o.AbsTol)
	case !(o.RelTol >= 1e-14) || math.IsInf(o.RelTol, 0):
		return o, bad("RelTol", o.RelTol)
	case !(o.InitialStep >= 0) || math.IsInf(o.InitialStep, 0):
		return o, bad("InitialStep", o.InitialStep)
	case !(o.ErrorSafety >= 1) || math.IsInf(o.ErrorSafety, 0):
		return o, bad("ErrorSafety", o.ErrorSafety)
	case math.IsNaN(o.OneSidedLipschitz) || math.IsInf(o.OneSidedLipschitz, 0):
		return o, bad("OneSidedLipschitz", o.OneSidedLipschitz)
	case o.MaxSteps < 0:
		return o, fmt.Errorf("algorithms: GradientFlow: MaxSteps = %d is invalid", o.MaxSteps)
	}
	return o, nil
}

// flowInitialStep is the starting-step heuristic of Hairer, Nørsett & Wanner (§II.4): a
// step whose Euler increment is 1% of the state, refined so that the estimated 5th-order
// local error is about 1% of the tolerance. It evaluates one gradient (at y − h0 g0), using
// y1 and g1 as scratch.
func flowInitialStep(f Objective, y, g0, y1, g1 []float64, o FlowOptions) (float64, error) {
	d := float64(len(y))
	var d0, d1 float64
	for j, v := range y {
		sc := o.AbsTol + o.RelTol*math.Abs(v)
		d0 += (v / sc) * (v / sc)
		d1 += (g0[j] / sc) * (g0[j] / sc)
	}
	d0, d1 = math.Sqrt(d0/d), math.Sqrt(d1/d)
	h0 := 1e-6
	if d0 >= 1e-5 && d1 >= 1e-5 {
		h0 = 0.01 * d0 / d1
	}
	for j, v := range y {
		y1[j] = v - h0*g0[j]
	}
	f.Grad(g1, y1)
	if !flowFinite(g1) {
		return 0, errors.New("algorithms: GradientFlow: non-finite gradient while choosing the initial step")
	}
	var d2 float64
	for j, v := range y {
		sc := o.AbsTol + o.RelTol*math.Abs(v)
		r := (g1[j] - g0[j]) / sc
		d2 += r * r
	}
	d2 = math.Sqrt(d2/d) / h0
	var h1 float64
	if m := math.Max(d1, d2); m <= 1e-15 {
		h1 = math.Max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/m, 0.2)
	}
	return math.Min(100*h0, h1), nil
}

func flowFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

func flowNorm(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return math.Sqrt(s)
}
