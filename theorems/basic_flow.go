package theorems

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// QuadraticFlowMethod is the signature of an exact gradient-flow solver for quadratics: for
// f(θ) = ½θᵀQΛQᵀθ − bᵀθ (+ c) given by its eigenvalues vals and orthonormal eigenvectors vecs
// (columns), return θ(t) for every t in times, from θ(0) = x0. algorithms.QuadraticFlowPath
// is ours.
type QuadraticFlowMethod func(vals []float64, vecs *mat.Dense, b, x0, times []float64) [][]float64

// GradientFlowMethod is the signature of an error-controlled integrator of θ' = −∇f(θ) from
// x0 up to time tau, returning the recorded path (Times, Trajectory.Iterates) and a bound
// ErrorBound on the global error. algorithms.GradientFlow is ours.
type GradientFlowMethod func(f algorithms.Objective, x0 []float64, tau float64, opts algorithms.FlowOptions) (*algorithms.FlowResult, error)

// Sizes of the gradient-flow instances: the exact quadratic path costs d² per recorded time,
// the integrated path six gradients per Dormand–Prince step, so its instances are smaller.
const (
	gflowMaxGrid = 64 // recorded times on the exact path
	gflowMaxN    = 20
	gflowMaxD    = 10
)

// gflowOptions are the integrator settings of the integrated path for a path whose points
// have magnitude at most about scale: relative tolerance 1e-10 and absolute tolerance 1e-10
// times that scale (an absolute tolerance fixed in advance would certify nothing on
// instances whose whole path is smaller than it), so that the certified bound B stays far
// below the claim's usual slack. OneSidedLipschitz = 0 is the convex case, which makes the
// flow non-expansive (see gflowSlack).
func gflowOptions(scale float64) algorithms.FlowOptions {
	return algorithms.FlowOptions{AbsTol: 1e-10 * scale, RelTol: 1e-10, MaxSteps: 200_000}
}

const gflowStatement = `For f convex and differentiable on R^d (no smoothness needed) and the gradient flow
θ'(s) = −∇f(θ(s)), for every z ∈ R^d and τ > 0:

    f(θ(τ)) + ‖θ(τ) − z‖²/(2τ)  ≤  f(z) + ‖θ(0) − z‖²/(2τ)

Here τ is time itself: the flow's "accumulated step size".`

// gflowSteps are the proof steps of basic-inequality/gradient-flow in evidence order. The
// index of a per-point step is k, the recorded time t_k.
var gflowSteps = []string{
	"step 1 convexity along the path: d/ds ½‖θ(s) − z‖² = −⟨∇f(θ(s)), θ(s) − z⟩ ≤ f(z) − f(θ(s)), checked at each recorded s = t_k",
	"step 2 monotonicity: f(θ(t_{k+1})) ≤ f(θ(t_k)) (d/ds f(θ(s)) = −‖∇f‖² ≤ 0)",
	"step 3 per interval (exact paths only): ½‖θ(t_{k+1}) − z‖² − ½‖θ(t_k) − z‖² ≤ h_k(f(z) − f(θ(t_{k+1}))), h_k = t_{k+1} − t_k (step 1 integrated, ∫f bounded below by step 2)",
	"step 4 integrated form: (½‖θ(τ) − z‖² − ½‖θ(0) − z‖²)/τ ≤ f(z) − (1/τ)Σ_k h_k f(θ(t_{k+1})) (the right Riemann sum is ≤ ∫_0^τ f(θ(s))ds by step 2)",
	"step 5 monotonicity to the end: f(θ(τ)) ≤ (1/τ)Σ_k h_k f(θ(t_{k+1})) (≤ (1/τ)∫_0^τ f(θ(s))ds)",
	"claim: f(θ(τ)) + ‖θ(τ) − z‖²/(2τ) ≤ f(z) + ‖θ(0) − z‖²/(2τ)",
}

// BasicInequalityGradientFlow builds `basic-inequality/gradient-flow` on the given flow
// implementations: exact solves quadratics in closed form (drawn quadratics are checked on
// exact paths), integrate handles every other convex instance, with its certified error bound
// folded into the tolerance.
//
// THEOREMS.md asks flow kinds for a convergence-order check (halving the step must roughly
// halve the error). It does not apply here: the quadratic path has no discretisation at all
// (θ(t) in closed form, accurate to rounding), and the integrated path is judged against its
// integrator's explicit global error bound B, not against a step-size-dependent term.
func BasicInequalityGradientFlow(exact QuadraticFlowMethod, integrate GradientFlowMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/gradient-flow",
		Title:  "Gradient-flow basic inequality",
		Kind:   Flow,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f convex and differentiable on R^d (no smoothness needed; drawn instances are smooth, so the integrator's bound applies)",
			"θ is the gradient flow θ' = −∇f(θ): exact for quadratics (eigendecomposition), otherwise integrated with a certified global error bound B",
			"τ > 0; z any point of R^d (drawn: random, θ(0), θ(τ), a minimiser, the ridge solution)",
		},
		Statement:  gflowStatement,
		ProofSteps: gflowSteps,
		Tolerance:  DefaultTolerance,
		Property:   gflowProperty(exact, integrate, gflowClaim),
		Examples: []Example{{
			Name:        "x²/2-at-τ=1",
			Description: "f(x) = x²/2, θ(0) = 1, τ = 1 (θ(τ) = e^{−1}), z = 0: e^{−2}/2 + e^{−2}/2 ≤ 0 + 1/2",
			Run: func() Evidence {
				return gflowExact(exact, generators.NewScalarQuadratic(1), []float64{1}, 1, 16, []float64{0}, gflowClaim)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "non-convex-double-well",
			Breaks:      BreaksHypothesis,
			Description: "the flow of f(x) = Σ(x_i² − 1)²/4 (a double well, certified smooth on its box, which the flow never leaves) treated as convex",
			Property: func(t *rapid.T) Evidence {
				f := generators.DrawDoubleWell(t, 3)
				x0 := generators.DrawVector(t, "theta0", f.Dim(), f.Box())
				return gflowIntegratedDraw(t, integrate, f, x0, gflowClaim)
			},
		},
		{
			Name:        "claim-with-τ-on-the-left",
			Breaks:      BreaksConstant,
			Description: "the claim with ‖θ(τ) − z‖²/(2τ) replaced by ‖θ(τ) − z‖²/τ on the left: false for small τ (x²/2 from 1 with z = 0: e^{−2τ}(1/2 + 1/τ) > 1/(2τ))",
			Property: gflowProperty(exact, integrate, func(fT, fz, dT, d0, tau float64) Inequality {
				return Le(ClaimStep, -1, fT+dT/tau, fz+d0/(2*tau), fT, dT/tau, fz, d0/(2*tau))
			}),
		},
		{
			Name:        "ascent-flow",
			Breaks:      BreaksAlgorithm,
			Description: "both flows mutated to θ' = +∇f(θ) (gradient ascent)",
			Property:    gflowProperty(gflowAscentExact(exact), gflowAscentIntegrate(integrate), gflowClaim),
		},
		{
			Name:        "flow-at-2τ",
			Breaks:      BreaksAlgorithm,
			Description: "both flows mutated to return θ(2t) while claiming time t",
			Property:    gflowProperty(gflowDoubleTimeExact(exact), gflowDoubleTimeIntegrate(integrate), gflowClaim),
		},
	}
	return th
}

func init() {
	Register(BasicInequalityGradientFlow(algorithms.QuadraticFlowPath, algorithms.GradientFlow))
}

// gflowClaimFunc builds the conclusion from f(θ(τ)), f(z), ‖θ(τ) − z‖², ‖θ(0) − z‖² and τ.
type gflowClaimFunc func(fT, fz, dT, d0, tau float64) Inequality

func gflowClaim(fT, fz, dT, d0, tau float64) Inequality {
	return Le(ClaimStep, -1, fT+dT/(2*tau), fz+d0/(2*tau), fT, dT/(2*tau), fz, d0/(2*tau))
}

// gflowProperty draws the path kind ("path"): an exact path on a drawn quadratic, or an
// integrated path on any drawn convex instance.
func gflowProperty(exact QuadraticFlowMethod, integrate GradientFlowMethod, claim gflowClaimFunc) Property {
	return func(t *rapid.T) Evidence {
		if rapid.SampledFrom([]string{"exact-quadratic", "integrated"}).Draw(t, "path") == "exact-quadratic" {
			f, err := generators.DrawQuadratic(t, basicMaxD)
			if err != nil {
				return discard(err)
			}
			x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
			tau := gflowDrawTau(t, f.Smoothness(), 3)
			K := rapid.IntRange(1, gflowMaxGrid).Draw(t, "grid")
			times := make([]float64, K)
			for k := range times {
				times[k] = tau * float64(k+1) / float64(K)
			}
			times[K-1] = tau
			path := gflowExactPath(exact, f, x0, times)
			z, zkind := generators.DrawReference(t, f, x0, path[K], tau)
			ev := gflowEvidenceFrom(f, append([]float64{0}, times...), path, z, claim, gflowExactMagnitudes(f, x0, times, path), true)
			ev.Instance = fmt.Sprintf("%v; exact path, τ = %v on a uniform grid of %d intervals; z = %s", f, tau, K, zkind)
			return ev
		}
		f, err := generators.DrawConvex(t, gflowMaxN, gflowMaxD)
		if err != nil {
			return discard(err)
		}
		x0 := generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(f))
		return gflowIntegratedDraw(t, integrate, f, x0, claim)
	}
}

// gflowDrawTau draws τ = 10^u/L with u ∈ [−span, span] ("log10_tau_times_L"): from a
// fraction of the fastest time scale to many of them.
func gflowDrawTau(t *rapid.T, L float64, span float64) float64 {
	return math.Pow(10, rapid.Float64Range(-span, span).Draw(t, "log10_tau_times_L")) / L
}

// gflowExactPath returns θ(0) = x0 followed by the method's θ(t_k), k = 1..K.
func gflowExactPath(exact QuadraticFlowMethod, f *generators.Quadratic, x0, times []float64) [][]float64 {
	vals, vecs := f.Eigen()
	pts := exact(vals, vecs, f.B(), x0, times)
	return append([][]float64{append([]float64(nil), x0...)}, pts...)
}

// gflowExactMagnitudes bounds the magnitude of the terms that form θ(t_k) in the eigenbasis,
// c_k(t) = c_k(0)e^{−λt} + β_k t φ(λt) with 0 ≤ φ ≤ 1: ‖x0‖ + t‖b‖ (plus ‖θ(t_k)‖ itself), so
// rounding of the computed point is judged relative to it.
func gflowExactMagnitudes(f *generators.Quadratic, x0, times []float64, path [][]float64) []float64 {
	nb, nx := numeric.Norm2(f.B()), numeric.Norm2(x0)
	m := make([]float64, len(path))
	for k, p := range path {
		tk := 0.0
		if k > 0 {
			tk = times[k-1]
		}
		m[k] = nx + tk*nb + numeric.Norm2(p)
	}
	return m
}

// gflowExact runs the exact method on a fixed quadratic (explicit examples) on a uniform grid.
func gflowExact(exact QuadraticFlowMethod, f *generators.Quadratic, x0 []float64, tau float64, K int, z []float64, claim gflowClaimFunc) Evidence {
	times := make([]float64, K)
	for k := range times {
		times[k] = tau * float64(k+1) / float64(K)
	}
	times[K-1] = tau
	path := gflowExactPath(exact, f, x0, times)
	ev := gflowEvidenceFrom(f, append([]float64{0}, times...), path, z, claim, gflowExactMagnitudes(f, x0, times, path), true)
	ev.Instance = fmt.Sprintf("%v; θ(0) = %v; exact path, τ = %v on %d intervals; z = %v", f, x0, tau, K, z)
	return ev
}

// gflowIntegratedDraw integrates the flow of f from x0 to a drawn τ and builds the evidence
// for a drawn z, with the integrator's error bound folded in.
func gflowIntegratedDraw(t *rapid.T, integrate GradientFlowMethod, f generators.Instance, x0 []float64, claim gflowClaimFunc) Evidence {
	L := f.Smoothness()
	if !(L > 0) || math.IsInf(L, 0) {
		return Discarded("smoothness constant not positive and finite")
	}
	tau := gflowDrawTau(t, L, 2)
	// The path stays in the ball B(θ(0), τ‖∇f(θ(0))‖): ‖θ'‖ = ‖∇f(θ(s))‖ is nonincreasing
	// along the flow of a convex f. Its size sets the integrator's absolute tolerance.
	g0 := make([]float64, f.Dim())
	f.Grad(g0, x0)
	scale := numeric.NormInf(x0) + tau*numeric.NormInf(g0)
	if !(scale >= 1e-100) || math.IsInf(scale, 0) {
		return Discarded("θ(0) is (nearly) stationary and (nearly) 0: no scale to integrate to")
	}
	res, err := integrate(f, x0, tau, gflowOptions(scale))
	if err != nil {
		return Discarded("the integrator failed (no path to check)")
	}
	K := len(res.Times) - 1
	if K < 1 || len(res.Trajectory.Iterates) != K+1 || res.Times[K] != tau || !(res.ErrorBound >= 0) {
		ev := Evidence{}
		ev.Add(Eq("integrator path ends at τ", -1, res.Times[len(res.Times)-1], tau))
		return ev
	}
	z, zkind := generators.DrawReference(t, f, x0, res.X, tau)
	path := res.Trajectory.Iterates
	mags := make([]float64, len(path))
	for k, p := range path {
		mags[k] = numeric.Norm2(p)
	}
	// θ(0) is exact; later points carry the integrator's error.
	ev := gflowEvidenceFrom(f, res.Times, path, z, claim, mags, false)
	ev.ExtraSlack = gflowSlack(f, path, z, res.ErrorBound, tau)
	ev.Instance = fmt.Sprintf("%v; θ(0) = drawn; integrated path, τ = %v in %d steps, error bound B = %.3g; z = %s", f, tau, K, res.ErrorBound, zkind)
	ev.Metrics = map[string]float64{"error_bound": res.ErrorBound, "extra_slack": ev.ExtraSlack}
	return ev
}

// gflowSlack is what the integrator's bound B implies for the steps checked on an integrated
// path, in units of f (every such step is stated per unit time).
//
// Let y_k be the recorded points and θ(t_k) the exact flow. For convex f (OneSidedLipschitz
// 0) the flow is non-expansive, so the global error at t_k is at most the partial sum of the
// non-negative local terms that ErrorBound sums: ‖y_k − θ(t_k)‖ ≤ B at every k, and y_0 =
// θ(0). With G_k = ‖∇f(y_k)‖, convexity and L-smoothness give
//
//	|f(y_k) − f(θ(t_k))| ≤ G_k B + L B²/2 =: e_k   (e_0 = 0)
//	|‖y_K − z‖² − ‖θ(τ) − z‖²| ≤ 2‖y_K − z‖B + B²
//
// so each step's two sides move by at most
//
//	convexity at y_k:     0 (it holds at every point, y_k is one)
//	monotonicity at k:    e_k + e_{k+1}
//	integrated form:      max_k e_k + (2‖y_K − z‖B + B²)/(2τ)   (Σ_k h_k e_{k+1}/τ ≤ max e)
//	end monotonicity:     e_K + max_k e_k
//	claim:                e_K + (2‖y_K − z‖B + B²)/(2τ)
//
// and the slack is the largest of these (one band serves all steps). The per-interval step
// is not checked on integrated paths: its own slack is O(h_k²), below what B resolves.
//
// B itself is the integrator's: for algorithms.GradientFlow it rests on the documented
// assumption that ErrorSafety times each local error estimate bounds that step's truncation
// error (true for small steps of a smooth f), and on OneSidedLipschitz = 0 being right for f.
func gflowSlack(f generators.Instance, path [][]float64, z []float64, B, tau float64) float64 {
	L := f.Smoothness()
	g := make([]float64, f.Dim())
	K := len(path) - 1
	e := make([]float64, K+1)
	var emax, mono float64
	for k := 1; k <= K; k++ {
		f.Grad(g, path[k])
		e[k] = numeric.Norm2(g)*B + L*B*B/2
		emax = math.Max(emax, e[k])
		mono = math.Max(mono, e[k-1]+e[k])
	}
	dist := (2*math.Sqrt(numeric.Dist2Sq(path[K], z))*B + B*B) / (2 * tau)
	s := math.Max(mono, emax+dist)
	s = math.Max(s, e[K]+emax)
	s = math.Max(s, e[K]+dist)
	return s
}

// gflowEvidenceFrom checks the proof steps along a recorded path: times[k] = t_k (t_0 = 0,
// t_K = τ), path[k] ≈ θ(t_k) (path[0] = θ(0) exactly), mags[k] the magnitude of the terms
// that formed path[k] (its rounding is judged against it). perInterval enables step 3.
//
// Quadrature. The integrated form needs ∫_0^τ f(θ(s))ds, known only through the recorded
// points. Since f(θ(s)) is nonincreasing (step 2), the right Riemann sum Σ_k h_k f(θ(t_{k+1}))
// is a lower bound of the integral on every grid, so replacing −∫f by −Σ_k h_k f(θ(t_{k+1}))
// weakens the right side by exactly the quadrature error and the check stays implied by
// the theorem: the error is accounted for by its sign, not estimated. (The trapezoid rule
// minus its monotone error bound (h_k/2)(f(θ(t_k)) − f(θ(t_{k+1}))) is the same sum.) Step 5
// uses the same sum, so steps 4 + 5 give the claim exactly as in the proof.
func gflowEvidenceFrom(f generators.Instance, times []float64, path [][]float64, z []float64, claim gflowClaimFunc, mags []float64, perInterval bool) Evidence {
	K := len(path) - 1
	tau := times[K]
	ev := Evidence{Horizon: K}
	d := f.Dim()
	fz, sz := value(f, z)
	fs := make([]float64, K+1) // f(θ(t_k))
	ss := make([]float64, K+1) // its value scale plus the rounding of θ(t_k): ‖∇f‖·mags[k]
	ds := make([]float64, K+1) // ‖θ(t_k) − z‖²
	rs := make([]float64, K+1) // rounding of ‖θ(t_k) − z‖²: 2·mags[k]·‖θ(t_k) − z‖
	g := make([]float64, d)
	for k, p := range path {
		f.Grad(g, p)
		fk, sk := value(f, p)
		inner, innerScale := dotDiff(g, p, z)
		fs[k], ss[k] = fk, sk+numeric.Norm2(g)*mags[k]
		ds[k] = numeric.Dist2Sq(p, z)
		rs[k] = 2 * mags[k] * math.Sqrt(ds[k])
		ev.Add(Le("step 1 convexity along the path", k, fk, fz+inner, sk, sz, innerScale))
	}
	for k := 0; k < K; k++ {
		ev.Add(Le("step 2 monotonicity", k, fs[k+1], fs[k], ss[k+1], ss[k]))
	}
	var riemann, riemannScale float64
	for k := 0; k < K; k++ {
		h := times[k+1] - times[k]
		if perInterval {
			ev.Add(Le("step 3 per interval", k, ds[k+1]/2-ds[k]/2, h*(fz-fs[k+1]),
				ds[k+1]/2, ds[k]/2, (rs[k]+rs[k+1])/2, h*sz, h*ss[k+1]))
		}
		riemann += h * fs[k+1]
		riemannScale += h * ss[k+1]
	}
	ev.Add(
		Le("step 4 integrated form", -1, (ds[K]/2-ds[0]/2)/tau, fz-riemann/tau,
			ds[K]/(2*tau), ds[0]/(2*tau), (rs[K]+rs[0])/(2*tau), sz, riemannScale/tau),
		Le("step 5 monotonicity to the end", -1, fs[K], riemann/tau, ss[K], riemannScale/tau),
	)
	c := claim(fs[K], fz, ds[K], ds[0], tau)
	// Value and point rounding, not just |f|, and the rounding of ‖θ(τ) − z‖².
	c.Scale += ss[K] + sz - math.Abs(fs[K]) - math.Abs(fz) + (rs[K]+rs[0])/(2*tau)
	ev.Add(c)
	return ev
}

// gflowAscentExact mutates an exact solver to the ascent flow θ' = +∇f = Hθ − b, which is the
// descent flow of −f: eigenvalues and b negated.
func gflowAscentExact(exact QuadraticFlowMethod) QuadraticFlowMethod {
	return func(vals []float64, vecs *mat.Dense, b, x0, times []float64) [][]float64 {
		nv := make([]float64, len(vals))
		for i, v := range vals {
			nv[i] = -v
		}
		nb := make([]float64, len(b))
		for i, v := range b {
			nb[i] = -v
		}
		return exact(nv, vecs, nb, x0, times)
	}
}

// gflowAscent is −f as an Objective (its descent flow is f's ascent flow).
type gflowAscent struct{ f algorithms.Objective }

func (a gflowAscent) Dim() int                  { return a.f.Dim() }
func (a gflowAscent) Value(x []float64) float64 { return -a.f.Value(x) }
func (a gflowAscent) Grad(dst, x []float64) {
	a.f.Grad(dst, x)
	for i := range dst {
		dst[i] = -dst[i]
	}
}

// gflowAscentIntegrate mutates an integrator to the ascent flow θ' = +∇f(θ).
func gflowAscentIntegrate(integrate GradientFlowMethod) GradientFlowMethod {
	return func(f algorithms.Objective, x0 []float64, tau float64, opts algorithms.FlowOptions) (*algorithms.FlowResult, error) {
		return integrate(gflowAscent{f}, x0, tau, opts)
	}
}

// gflowDoubleTimeExact mutates an exact solver to return θ(2t) for each requested t.
func gflowDoubleTimeExact(exact QuadraticFlowMethod) QuadraticFlowMethod {
	return func(vals []float64, vecs *mat.Dense, b, x0, times []float64) [][]float64 {
		doubled := make([]float64, len(times))
		for i, t := range times {
			doubled[i] = 2 * t
		}
		return exact(vals, vecs, b, x0, doubled)
	}
}

// gflowDoubleTimeIntegrate mutates an integrator to integrate to 2τ and report the path with
// its times halved (θ(2t) labelled t).
func gflowDoubleTimeIntegrate(integrate GradientFlowMethod) GradientFlowMethod {
	return func(f algorithms.Objective, x0 []float64, tau float64, opts algorithms.FlowOptions) (*algorithms.FlowResult, error) {
		res, err := integrate(f, x0, 2*tau, opts)
		if err != nil {
			return nil, err
		}
		for i := range res.Times {
			res.Times[i] /= 2
		}
		for i := range res.Trajectory.Steps {
			res.Trajectory.Steps[i] /= 2
		}
		return res, nil
	}
}
