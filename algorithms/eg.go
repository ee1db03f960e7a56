package algorithms

import (
	"github.com/implicitreg/verify/internal/numeric"

	"fmt"
	"math"
)

// EGTrajectory is the trajectory of an exponentiated-gradient method together with the
// log-weights it actually iterates on. θ_t = exp(LogIterates[t]) (for EG±, θ_t = B(w⁺ − w⁻)
// with w = exp(LogIterates[t])), but an entry of θ_t may have underflowed to exactly 0 while
// its log-weight is still finite, say −1e4: KL(z‖θ_T) must then be computed from the
// log-weights (KLLog), where it is finite, and not from θ_T (KL), where it is +Inf.
type EGTrajectory struct {
	*Trajectory
	// LogIterates holds T+1 vectors of normalised log-weights, log Σ_i exp(·) = 0 up to
	// rounding, each a view into one backing array. Entries are −Inf only where the starting
	// point had a zero weight (multiplicative updates never revive it).
	LogIterates [][]float64
}

// egNewLogIterates allocates T+1 vectors of length n in one block.
func egNewLogIterates(T, n int) [][]float64 {
	backing := make([]float64, (T+1)*n)
	its := make([][]float64, T+1)
	for t := range its {
		its[t] = backing[t*n : (t+1)*n : (t+1)*n]
	}
	return its
}

// NormaliseLogWeights subtracts log Σ_i exp(logw_i) from logw in place and writes the
// matching probability vector exp(logw) into x (same length). The log-sum-exp is taken after
// subtracting the maximum, so the largest weight is exp(0) = 1 before normalisation and
// nothing overflows; weights far below the maximum underflow to exactly 0 in x while their
// log-weights stay finite. Entries −Inf are zero weights. If logw contains NaN or +Inf, or
// every entry is −Inf, there is no distribution and both slices are filled with NaN.
// It allocates nothing.
func NormaliseLogWeights(logw, x []float64) {
	if len(x) != len(logw) {
		panic(fmt.Sprintf("algorithms: NormaliseLogWeights: len(x) = %d, len(logw) = %d", len(x), len(logw)))
	}
	m := math.Inf(-1)
	bad := false
	for _, l := range logw {
		if l > m {
			m = l
		}
		if math.IsNaN(l) {
			bad = true
		}
	}
	if bad || math.IsInf(m, 0) {
		for i := range logw {
			logw[i] = math.NaN()
			x[i] = math.NaN()
		}
		return
	}
	var s float64
	for i, l := range logw {
		e := math.Exp(l - m)
		x[i] = e
		s += e
	}
	// s ∈ [1, n]: the maximal term is exactly 1, so log s is well conditioned.
	ls := math.Log(s)
	for i := range logw {
		logw[i] = (logw[i] - m) - ls
		x[i] /= s
	}
}

// ExponentiatedGradientIterate runs exponentiated gradient on the simplex in the log domain:
// for each step, g = ∇f(θ), logw_i −= η g_i, then NormaliseLogWeights(logw, θ). On entry logw
// holds log-weights and x the matching point (NormaliseLogWeights(logw, x) establishes
// that); on exit they hold the final ones. grad is scratch of length d. The gradient is
// always evaluated at the exponentiated point x, whose entries may be exactly 0. Log-weights
// equal to −Inf are left alone (never −Inf + Inf). visit, when non-nil, sees θ_{t+1} and its
// log-weights after each step. It allocates nothing.
//
// Because only differences of log-weights matter and they are renormalised every step, no
// step size is too large: η·g of 1e4 or 1e300 gives a vertex-like point with exact zeros,
// never Inf or NaN (NaN appears only if f's gradient is NaN or infinite).
func ExponentiatedGradientIterate(f Objective, logw, x, grad []float64, steps []float64, visit func(t int, x, logw []float64)) {
	for t, eta := range steps {
		f.Grad(grad, x)
		for i, g := range grad {
			if !math.IsInf(logw[i], -1) {
				logw[i] -= eta * g
			}
		}
		NormaliseLogWeights(logw, x)
		if visit != nil {
			visit(t, x, logw)
		}
	}
}

// ExponentiatedGradient runs exponentiated gradient θ_{t+1,i} ∝ θ_{t,i} exp(−η_t ∇f(θ_t)_i)
// on the simplex Δ_d from x0 ∈ Δ_d (the update is carried out in the log domain; see
// ExponentiatedGradientLog, which also returns the log-weights). Iterates[0] is x0
// renormalised through its logarithm (equal to x0 up to rounding; exactly 1/d for the uniform
// start).
func ExponentiatedGradient(f Objective, x0 []float64, steps []float64) *Trajectory {
	return ExponentiatedGradientLog(f, x0, steps).Trajectory
}

// ExponentiatedGradientLog is ExponentiatedGradient returning the log-weights as well.
// It panics when len(x0) ≠ f.Dim() or x0 is not a probability vector (entries finite and
// ≥ 0, sum within 1e-9 of 1).
func ExponentiatedGradientLog(f Objective, x0 []float64, steps []float64) *EGTrajectory {
	d := f.Dim()
	if len(x0) != d {
		panic(fmt.Sprintf("algorithms: ExponentiatedGradient: len(x0) = %d, f.Dim() = %d", len(x0), d))
	}
	var s float64
	for _, v := range x0 {
		if !(v >= 0) || math.IsInf(v, 1) {
			panic(fmt.Sprintf("algorithms: ExponentiatedGradient: x0 has entry %g, want finite and ≥ 0", v))
		}
		s += v
	}
	if math.Abs(s-1) > 1e-9 {
		panic(fmt.Sprintf("algorithms: ExponentiatedGradient: x0 sums to %g, want 1", s))
	}
	T := len(steps)
	tr := &EGTrajectory{Trajectory: newTrajectory(x0, T), LogIterates: egNewLogIterates(T, d)}
	copy(tr.Steps, steps)
	scratch := make([]float64, 3*d)
	logw, x, grad := scratch[:d:d], scratch[d:2*d:2*d], scratch[2*d:]
	for i, v := range x0 {
		logw[i] = numeric.Log(v) // log 0 = −Inf: a zero weight
	}
	NormaliseLogWeights(logw, x)
	copy(tr.Iterates[0], x)
	copy(tr.LogIterates[0], logw)
	ExponentiatedGradientIterate(f, logw, x, grad, steps, func(t int, x, logw []float64) {
		copy(tr.Iterates[t+1], x)
		copy(tr.LogIterates[t+1], logw)
	})
	tr.GradEvals = T
	return tr
}

// egExpDiff returns e^a − e^b without forming the two exponentials separately:
// e^max(a,b)·(1 − e^{−|a−b|}) through expm1, so w⁺ − w⁻ keeps its relative accuracy when the
// two weights are nearly equal (θ_i near 0) and is exactly 0 when they are equal.
func egExpDiff(a, b float64) float64 {
	switch {
	case a == b:
		return 0
	case a > b:
		return -math.Exp(a) * math.Expm1(b-a)
	default:
		return math.Exp(b) * math.Expm1(a-b)
	}
}

// EGPlusMinusIterate runs EG± on the ℓ1 ball of radius B: the weights w = (w⁺, w⁻) ∈ Δ_{2d}
// are held as log-weights logw (length 2d), θ = B(w⁺ − w⁻) (length d), and the gradient of
// w ↦ f(B(w⁺ − w⁻)) is (B g, −B g) with g = ∇f(θ). On entry theta must match logw (as
// EGPlusMinus sets it up); w (length 2d) and grad (length d) are scratch. visit, when
// non-nil, sees θ_{t+1} and the log-weights after each step. It allocates nothing.
func EGPlusMinusIterate(f Objective, B float64, logw, theta, w, grad []float64, steps []float64, visit func(t int, theta, logw []float64)) {
	d := len(theta)
	for t, eta := range steps {
		f.Grad(grad, theta)
		for i, g := range grad {
			step := eta * (B * g)
			if !math.IsInf(logw[i], -1) {
				logw[i] -= step
			}
			if !math.IsInf(logw[d+i], -1) {
				logw[d+i] += step
			}
		}
		NormaliseLogWeights(logw, w)
		for i := range theta {
			theta[i] = B * egExpDiff(logw[i], logw[d+i])
		}
		if visit != nil {
			visit(t, theta, logw)
		}
	}
}

// EGPlusMinus runs EG± on the ℓ1 ball {‖θ‖₁ ≤ B} from the uniform weights on Δ_{2d}
// (θ_0 = 0). Iterates are θ (dimension d); LogIterates are the log-weights of (w⁺, w⁻)
// (dimension 2d), with KL(w_z‖w_0) ≤ log 2d for any representation w_z of a point z of the
// ball. It panics unless 0 < B < ∞.
func EGPlusMinus(f Objective, B float64, steps []float64) *EGTrajectory {
	if !(B > 0) || math.IsInf(B, 1) {
		panic(fmt.Sprintf("algorithms: EGPlusMinus: radius B = %g, want finite and > 0", B))
	}
	d := f.Dim()
	T := len(steps)
	tr := &EGTrajectory{Trajectory: newTrajectory(make([]float64, d), T), LogIterates: egNewLogIterates(T, 2*d)}
	copy(tr.Steps, steps)
	scratch := make([]float64, 6*d)
	logw, w := scratch[:2*d:2*d], scratch[2*d:4*d:4*d]
	theta, grad := scratch[4*d:5*d:5*d], scratch[5*d:]
	u := -math.Log(float64(2 * d))
	for i := range logw {
		logw[i] = u
	}
	NormaliseLogWeights(logw, w)
	copy(tr.LogIterates[0], logw)
	EGPlusMinusIterate(f, B, logw, theta, w, grad, steps, func(t int, theta, logw []float64) {
		copy(tr.Iterates[t+1], theta)
		copy(tr.LogIterates[t+1], logw)
	})
	tr.GradEvals = T
	return tr
}

// KL returns the Kullback–Leibler divergence KL(p‖q) of probability vectors, with
// 0·log(0/q) = 0 and +Inf when p_i > 0 = q_i. It is computed as the Bregman divergence of the
// negative entropy, Σ_i [p_i log(p_i/q_i) − p_i + q_i], which equals Σ p_i log(p_i/q_i) when
// both sum to 1 but is a sum of non-negative terms, each evaluated without cancellation (see
// mdEntropyBregman): KL(p‖p) is exactly 0 and nearby p, q keep full relative accuracy. For
// vectors that do not sum to 1 it is the generalised KL divergence. Negative or NaN entries
// give NaN; it panics when the lengths differ.
func KL(p, q []float64) float64 {
	if len(p) != len(q) {
		panic(fmt.Sprintf("algorithms: KL: len(p) = %d, len(q) = %d", len(p), len(q)))
	}
	var s float64
	for i := range p {
		s += mdEntropyBregman(p[i], q[i])
	}
	return s
}

// KLLog returns KL(p‖q) with q given by its logarithms, logq_i = log q_i (−Inf for q_i = 0),
// so that it stays finite and accurate when some q_i underflow: with θ_T from
// ExponentiatedGradientLog, use KLLog(z, LogIterates[T]) rather than KL(z, θ_T). Same
// conventions as KL (0·log 0 = 0; +Inf when p_i > 0 and logq_i = −Inf; generalised form
// Σ [p_i log(p_i/q_i) − p_i + q_i]; see mdEntropyBregmanLog for the per-term numerics).
func KLLog(p, logq []float64) float64 {
	if len(p) != len(logq) {
		panic(fmt.Sprintf("algorithms: KLLog: len(p) = %d, len(logq) = %d", len(p), len(logq)))
	}
	var s float64
	for i := range p {
		s += mdEntropyBregmanLog(p[i], logq[i])
	}
	return s
}
