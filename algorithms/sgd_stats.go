package algorithms

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// SGDQuantity names a per-path random variable of an SGD run, for SGDStats.Mean, SE and Cov.
// With θ̄_T = Σ_{t<T} η_t θ_t / τ and ĝ_t = ∇f_{i_t}(θ_t), these are what the SGD basic
// inequality is made of:
//
//	E[Σ_t η_t (f(θ_t) − f(z))] + ½E‖θ_T − z‖² ≤ ½‖θ_0 − z‖² + ½Σ_t η_t² E‖ĝ_t‖²   (Regret form)
//	E f(θ̄_T) − f(z) + E‖θ_T − z‖²/(2τ) ≤ ‖θ_0 − z‖²/(2τ) + Σ_t η_t² E‖ĝ_t‖²/(2τ)   (averaged form)
type SGDQuantity int

const (
	// SGDAvgValue is f(θ̄_T), the value at the step-weighted average of θ_0, …, θ_{T−1}.
	SGDAvgValue SGDQuantity = iota
	// SGDFinalValue is f(θ_T).
	SGDFinalValue
	// SGDFinalDist is ‖θ_T − z‖².
	SGDFinalDist
	// SGDStepGradSq is Σ_{t<T} η_t² ‖ĝ_t‖².
	SGDStepGradSq
	// SGDRegret is Σ_{t<T} η_t (f(θ_t) − f(z)), each difference formed before weighting so
	// that nothing cancels when f(θ_t) ≈ f(z).
	SGDRegret
	// NumSGDQuantities is the number of quantities, the length of SGDStats.Mean.
	NumSGDQuantities
)

var sgdQuantityNames = [NumSGDQuantities]string{"avg_value", "final_value", "final_dist", "step_grad_sq", "regret"}

// String returns a snake_case name, stable for reports.
func (q SGDQuantity) String() string {
	if q < 0 || q >= NumSGDQuantities {
		return fmt.Sprintf("SGDQuantity(%d)", int(q))
	}
	return sgdQuantityNames[q]
}

// SGDStats holds expectations over SGD's index randomness (uniform i_t), either exact
// (SGDExpectations: every path enumerated) or estimated (SGDMonteCarlo: sampled paths).
//
// Everything a theorem needs is here, both as the scalar per-path quantities of
// SGDQuantity (with their covariance, so any linear combination of them — such as
// LHS − RHS of the basic inequality — gets a correct standard error, correlations
// included) and per step t, so that each proof step can be checked in expectation:
//
//	Dist[t+1] = Dist[t] − 2η_t Inner[t] + η_t² GradSq[t]      (exact identity)
//	Value[t] − FZ ≤ Inner[t]                                  (convexity, since E[ĝ_t | θ_t] = ∇f(θ_t))
type SGDStats struct {
	// Exact is true when every path was enumerated (then SE is 0 and Cov is the covariance
	// under the uniform distribution over paths).
	Exact bool
	// Paths is n^T when exact, the number of sampled paths otherwise.
	Paths int
	// GradEvals counts stochastic gradients computed: Σ_{k=1}^{T} n^k when exact,
	// Paths·T when sampled.
	GradEvals int
	// Tau is τ = Σ_t η_t (compensated sum), FZ is f(z), Dist0 is ‖θ_0 − z‖² (not random).
	Tau, FZ, Dist0 float64
	// Mean holds E[q] for each SGDQuantity q.
	Mean [NumSGDQuantities]float64
	// SE holds the standard error of Mean (sample standard deviation / √Paths); 0 when Exact.
	SE [NumSGDQuantities]float64
	// Cov is the covariance matrix of the per-path quantities themselves (not of their
	// means): population covariance when Exact, unbiased sample covariance otherwise.
	Cov [NumSGDQuantities][NumSGDQuantities]float64
	// Value[t] = E f(θ_t) and Dist[t] = E‖θ_t − z‖² for t = 0, …, T.
	Value, Dist []float64
	// GradSq[t] = E‖ĝ_t‖² and Inner[t] = E⟨ĝ_t, θ_t − z⟩ for t < T.
	GradSq, Inner []float64
}

// Combine returns Σ_q c[q]·Mean[q] (compensated) and its standard error √(cᵀ Cov c / Paths),
// which is 0 when Exact. Use it for the margin of an inequality between expectations, e.g.
// the averaged SGD basic inequality is Combine with c[SGDAvgValue] = 1,
// c[SGDFinalDist] = 1/(2τ), c[SGDStepGradSq] = −1/(2τ) compared with FZ + Dist0/(2τ).
func (s *SGDStats) Combine(c [NumSGDQuantities]float64) (mean, se float64) {
	var m sgdSum
	for q, cq := range c {
		if cq != 0 {
			m.add(cq * s.Mean[q])
		}
	}
	if s.Exact {
		return m.value(), 0
	}
	var v sgdSum
	for a := range c {
		for b := range c {
			if c[a] != 0 && c[b] != 0 {
				v.add(c[a] * c[b] * s.Cov[a][b])
			}
		}
	}
	return m.value(), math.Sqrt(math.Max(0, v.value()) / float64(s.Paths))
}

// SGDExpectations computes SGDStats exactly by enumerating all n^T index paths (see
// EnumerateSGDPaths; it refuses with an error beyond MaxSGDPaths) of SGD on f from x0 with
// steps η_t = steps[t], for the comparison point z.
//
// value is f; when nil, f(x) is computed as the compensated mean of the components' values.
// Pass your own f when you have a more accurate or cheaper one. Both f(θ_t) on every node of
// the tree and f(θ̄_T) on every leaf are evaluated.
//
// Numerical care: every expectation is a compensated (Neumaier) sum of unweighted terms
// divided once by the exact integer count of terms, so its error does not grow with the
// number of paths (up to 10^6); θ̄_T and the per-path sums Σ η_t(f(θ_t) − f(z)) and
// Σ η_t²‖ĝ_t‖² are compensated prefix sums along the path, shared by all paths through a
// node. It returns an error when τ is not finite and positive (θ̄_T is undefined).
// Non-finite iterates (a divergent step schedule) are not an error: they propagate to NaN
// or Inf in the results, which no inequality check accepts.
func SGDExpectations(f FiniteSum, x0, steps, z []float64, value func(x []float64) float64) (*SGDStats, error) {
	a, err := newSGDAccum(f, x0, steps, z, value, "SGDExpectations")
	if err != nil {
		return nil, err
	}
	w, err := newSGDWalker(f, x0, steps, "SGDExpectations")
	if err != nil {
		return nil, err
	}
	a.w = w
	w.enumerate(a.node, a.edge, a.leaf)
	return a.finish(true, w.paths, w.gradEvals), nil
}

// SGDMonteCarlo estimates SGDStats from paths independent SGD runs with uniform indices drawn
// from rng (exactly T calls to rng.IntN(n) per path, in order, so a seed fixes the result).
// Mean is the sample mean of each quantity, SE its standard error and Cov the unbiased sample
// covariance, so a confidence interval for any linear combination comes from Combine. Value,
// Dist, GradSq and Inner are sample means too (without standard errors).
//
// Use it when n^T exceeds MaxSGDPaths; the arguments are those of SGDExpectations. It
// returns an error when paths < 2 (no standard error) or τ is not finite and positive.
func SGDMonteCarlo(f FiniteSum, x0, steps, z []float64, value func(x []float64) float64, paths int, rng *rand.Rand) (*SGDStats, error) {
	if rng == nil {
		panic("algorithms: SGDMonteCarlo: nil rng")
	}
	if paths < 2 {
		return nil, fmt.Errorf("algorithms: SGDMonteCarlo: %d paths, need at least 2 for a standard error", paths)
	}
	a, err := newSGDAccum(f, x0, steps, z, value, "SGDMonteCarlo")
	if err != nil {
		return nil, err
	}
	w := newSGDWalkerNoLimit(f, x0, steps, 0)
	a.w = w
	for range paths {
		w.sample(rng, a.node, a.edge, a.leaf)
	}
	return a.finish(false, paths, w.gradEvals), nil
}

// sgdAccum accumulates SGDStats over the paths a walker visits. Per-depth state (index k
// holds the value for the current path's prefix of length k) makes the per-path sums
// incremental: a node computes its contribution once for every path below it.
type sgdAccum struct {
	w     *sgdWalker
	value func([]float64) float64
	z     []float64
	tau   float64
	fz    float64
	dist0 float64

	// Current path, per depth k = 0..T.
	nodeValue []float64  // f(θ_k)
	nodeDist  []float64  // ‖θ_k − z‖²
	wsum      [][]sgdSum // Σ_{t<k} η_t θ_t, coordinatewise
	regret    []sgdSum   // Σ_{t<k} η_t (f(θ_t) − f(z))
	gradSq    []sgdSum   // Σ_{t<k} η_t² ‖ĝ_t‖²
	bar       []float64  // θ̄_T scratch

	// Totals over nodes (per depth) and over paths.
	sumValue, sumDist    []sgdSum // t = 0..T, n^t terms each when exact
	sumGradSq, sumInner  []sgdSum // t < T, n^{t+1} terms each when exact
	countNode, countEdge []int
	sumQ                 [NumSGDQuantities]sgdSum
	cov                  sgdCov
}

func newSGDAccum(f FiniteSum, x0, steps, z []float64, value func([]float64) float64, fn string) (*sgdAccum, error) {
	sgdCheckSum(f, fn)
	sgdCheckLen(f, x0, fn, "x0")
	sgdCheckLen(f, z, fn, "z")
	var tau sgdSum
	for _, eta := range steps {
		tau.add(eta)
	}
	if t := tau.value(); !(t > 0) || math.IsInf(t, 0) {
		return nil, fmt.Errorf("algorithms: %s: τ = Σ η_t = %g, must be finite and positive", fn, t)
	}
	for _, v := range x0 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.New("algorithms: " + fn + ": x0 is not finite")
		}
	}
	if value == nil {
		value = sgdMeanValue(f)
	}
	T, d := len(steps), f.Dim()
	a := &sgdAccum{
		value: value, z: z, tau: tau.value(),
		nodeValue: make([]float64, T+1), nodeDist: make([]float64, T+1),
		wsum:   make([][]sgdSum, T+1),
		regret: make([]sgdSum, T+1), gradSq: make([]sgdSum, T+1),
		bar:      make([]float64, d),
		sumValue: make([]sgdSum, T+1), sumDist: make([]sgdSum, T+1),
		sumGradSq: make([]sgdSum, T), sumInner: make([]sgdSum, T),
		countNode: make([]int, T+1), countEdge: make([]int, T),
	}
	backing := make([]sgdSum, (T+1)*d)
	for k := range a.wsum {
		a.wsum[k] = backing[k*d : (k+1)*d : (k+1)*d]
	}
	a.fz = value(z)
	a.dist0 = sgdDist2(x0, z)
	return a, nil
}

// sgdMeanValue returns x ↦ (1/n) Σ_i f_i(x), summed with compensation.
func sgdMeanValue(f FiniteSum) func([]float64) float64 {
	n := f.N()
	return func(x []float64) float64 {
		var s sgdSum
		for i := range n {
			s.add(f.Component(i).Value(x))
		}
		return s.value() / float64(n)
	}
}

// node is called on entering θ_k of the current path.
func (a *sgdAccum) node(k int) {
	x := a.w.tr.Iterates[k]
	v := a.value(x)
	dd := sgdDist2(x, a.z)
	a.nodeValue[k], a.nodeDist[k] = v, dd
	a.sumValue[k].add(v)
	a.sumDist[k].add(dd)
	a.countNode[k]++
	if k == a.w.T {
		return
	}
	// Prefix sums for depth k+1 are the same for every child: compute them here, once.
	eta := a.w.steps[k]
	next, cur := a.wsum[k+1], a.wsum[k]
	for j, xj := range x {
		next[j] = cur[j]
		next[j].add(eta * xj)
	}
	a.regret[k+1] = a.regret[k]
	a.regret[k+1].add(eta * (v - a.fz))
}

// edge is called after the step from θ_k with ĝ_k in w.grad.
func (a *sgdAccum) edge(k int) {
	x, g := a.w.tr.Iterates[k], a.w.grad
	var gg, inner float64
	for j, gj := range g {
		gg += gj * gj
		inner += gj * (x[j] - a.z[j])
	}
	a.sumGradSq[k].add(gg)
	a.sumInner[k].add(inner)
	a.countEdge[k]++
	eta := a.w.steps[k]
	a.gradSq[k+1] = a.gradSq[k]
	a.gradSq[k+1].add(eta * eta * gg)
}

// leaf is called at the end of each path.
func (a *sgdAccum) leaf() {
	T := a.w.T
	for j, s := range a.wsum[T] {
		a.bar[j] = s.value() / a.tau
	}
	var q [NumSGDQuantities]float64
	q[SGDAvgValue] = a.value(a.bar)
	q[SGDFinalValue] = a.nodeValue[T]
	q[SGDFinalDist] = a.nodeDist[T]
	q[SGDStepGradSq] = a.gradSq[T].value()
	q[SGDRegret] = a.regret[T].value()
	for i, v := range q {
		a.sumQ[i].add(v)
	}
	a.cov.add(&q)
}

func (a *sgdAccum) finish(exact bool, paths, gradEvals int) *SGDStats {
	T := a.w.T
	s := &SGDStats{
		Exact: exact, Paths: paths, GradEvals: gradEvals,
		Tau: a.tau, FZ: a.fz, Dist0: a.dist0,
		Value: make([]float64, T+1), Dist: make([]float64, T+1),
		GradSq: make([]float64, T), Inner: make([]float64, T),
	}
	for k := range s.Value {
		c := float64(a.countNode[k])
		s.Value[k] = a.sumValue[k].value() / c
		s.Dist[k] = a.sumDist[k].value() / c
	}
	for k := range s.GradSq {
		c := float64(a.countEdge[k])
		s.GradSq[k] = a.sumGradSq[k].value() / c
		s.Inner[k] = a.sumInner[k].value() / c
	}
	for i := range s.Mean {
		s.Mean[i] = a.sumQ[i].value() / float64(paths)
	}
	div := float64(paths - 1)
	if exact {
		div = float64(paths)
	}
	for i := range s.Cov {
		for j := range s.Cov[i] {
			if div > 0 {
				// Welford's co-moments are symmetric only up to rounding: symmetrise.
				s.Cov[i][j] = (a.cov.m2[i][j] + a.cov.m2[j][i]) / (2 * div)
			}
		}
	}
	if !exact {
		for i := range s.SE {
			s.SE[i] = math.Sqrt(s.Cov[i][i] / float64(paths))
		}
	}
	return s
}

// sgdDist2 is ‖x − z‖². A sum of d non-negative terms has relative error at most d·ε, so
// plain summation is enough here.
func sgdDist2(x, z []float64) float64 {
	var s float64
	for j, xj := range x {
		r := xj - z[j]
		s += r * r
	}
	return s
}

// sgdSum is a Neumaier (improved Kahan) compensated sum: the error of Σ x_i is about
// ε·|Σ x_i| + n·ε²·Σ|x_i| instead of n·ε·Σ|x_i|, which is what keeps exact expectations over
// 10^6 paths exact to working precision. The zero value is an empty sum.
type sgdSum struct{ sum, c float64 }

func (s *sgdSum) add(x float64) {
	t := s.sum + x
	if math.Abs(s.sum) >= math.Abs(x) {
		s.c += (s.sum - t) + x
	} else {
		s.c += (x - t) + s.sum
	}
	s.sum = t
}

// value returns the compensated sum. Once the running sum is infinite or NaN the
// compensation is meaningless (Inf − Inf), so the raw sum is returned and Inf stays Inf.
func (s sgdSum) value() float64 {
	if math.IsInf(s.sum, 0) || math.IsNaN(s.sum) {
		return s.sum
	}
	return s.sum + s.c
}

// sgdCov accumulates co-moments with Welford's update, which, unlike Σxy − n·x̄ȳ, does not
// cancel catastrophically when the variance is small relative to the mean.
type sgdCov struct {
	n    int
	mean [NumSGDQuantities]float64
	m2   [NumSGDQuantities][NumSGDQuantities]float64
}

func (c *sgdCov) add(x *[NumSGDQuantities]float64) {
	c.n++
	var before [NumSGDQuantities]float64
	for i := range x {
		before[i] = x[i] - c.mean[i]
		c.mean[i] += before[i] / float64(c.n)
	}
	for i := range x {
		after := x[i] - c.mean[i]
		for j := range x {
			c.m2[j][i] += before[j] * after
		}
	}
}
