package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"
)

// Draws for scale-invariant problems. As elsewhere, every draw is labelled, entries are
// drawn in [−1, 1] times a separately drawn power of ten, and shrinking goes toward small,
// simple instances (one component, d = 1, the first listed kind).

// Families of FactorLoss drawn by DrawFactorLoss.
const (
	FactorFamilySquared  = "squared"
	FactorFamilySoftplus = "softplus"
)

// DrawFactorLoss draws a NOP outer loss ("loss_family": squared, softplus) on d1×d2 matrices
// with d1, d2 ∈ [1, maxD] ("d1", "d2") and K ∈ [1, maxK] components:
//
//   - squared: c = 10^j ("log10_curvature", j ∈ [−1, 1]), a low-rank target UVᵀ of rank
//     s ∈ [0, min(d1, d2)] ("target_rank", "U", "V", "log10_target_scale" ∈ [−1, 1]), and
//     noise ("noisy"): K matrices N_k with entries in [−1, 1] ("noise") at level
//     α = 10^j ("log10_noise", j ∈ [−2, 0]) — or no noise and K = 1;
//   - softplus: K measurement matrices A_k ("A", "log10_a_scale" ∈ [−1, 1]) and offsets b_k
//     ("b", "log10_b_scale" ∈ [−1, 1]).
//
// It returns a *Degenerate error when L is 0 or outside [1e-100, 1e100].
func DrawFactorLoss(t *rapid.T, maxD, maxK int) (FactorLoss, error) {
	checkMax("maxD", maxD)
	checkMax("maxK", maxK)
	family := rapid.SampledFrom([]string{FactorFamilySquared, FactorFamilySoftplus}).Draw(t, "loss_family")
	d1 := rapid.IntRange(1, maxD).Draw(t, "d1")
	d2 := rapid.IntRange(1, maxD).Draw(t, "d2")
	var (
		f   FactorLoss
		err error
	)
	switch family {
	case FactorFamilySquared:
		c := drawPow10(t, "log10_curvature", -1, 1)
		s := rapid.IntRange(0, min(d1, d2)).Draw(t, "target_rank")
		ts := drawPow10(t, "log10_target_scale", -1, 1)
		var U, V *mat.Dense
		if s > 0 {
			U = drawMatrix(t, "U", d1, s, ts)
			V = drawMatrix(t, "V", d2, s, 1)
		}
		var (
			alpha float64
			noise []*mat.Dense
		)
		if rapid.Bool().Draw(t, "noisy") {
			K := rapid.IntRange(1, maxK).Draw(t, "K")
			alpha = drawPow10(t, "log10_noise", -2, 0)
			raw := DrawVector(t, "noise", K*d1*d2, 1)
			for k := 0; k < K; k++ {
				noise = append(noise, mat.NewDense(d1, d2, raw[k*d1*d2:(k+1)*d1*d2]))
			}
		}
		if s > 0 {
			f, err = NewFactorSquared(c, U, V, alpha, noise)
		} else {
			f, err = NewFactorSquaredDims(d1, d2, c, alpha, noise)
		}
	case FactorFamilySoftplus:
		K := rapid.IntRange(1, maxK).Draw(t, "K")
		as := drawPow10(t, "log10_a_scale", -1, 1)
		raw := DrawVector(t, "A", K*d1*d2, as)
		b := DrawVector(t, "b", K, drawPow10(t, "log10_b_scale", -1, 1))
		A := make([]*mat.Dense, K)
		for k := range A {
			A[k] = mat.NewDense(d1, d2, raw[k*d1*d2:(k+1)*d1*d2])
		}
		f, err = NewFactorSoftplus(A, b)
	}
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.ComponentSmoothness()); err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// DrawScalarTarget draws an OP outer loss ("loss_family": squared, log-cosh, logistic) with
// c = 10^j ("log10_curvature", j ∈ [−1, 1]), K ∈ [1, maxK] ("K") targets
// a_k = a + α·n_k around a ∈ 10^i·[−1, 1] ("target_center", "log10_target_scale",
// i ∈ [−1, 1]) with noise n_k ∈ [−1, 1] ("noise") of level α = 10^m ("noisy",
// "log10_noise", m ∈ [−2, 0]; no noise: α = 0) and, for logistic, labels ±1 ("labels").
func DrawScalarTarget(t *rapid.T, maxK int) (*ScalarTarget, error) {
	checkMax("maxK", maxK)
	kind := rapid.SampledFrom([]string{ScalarSquared, ScalarLogCosh, ScalarLogistic}).Draw(t, "loss_family")
	c := drawPow10(t, "log10_curvature", -1, 1)
	K := rapid.IntRange(1, maxK).Draw(t, "K")
	a := rapid.Float64Range(-1, 1).Draw(t, "target_center") * drawPow10(t, "log10_target_scale", -1, 1)
	targets := make([]float64, K)
	for k := range targets {
		targets[k] = a
	}
	if rapid.Bool().Draw(t, "noisy") {
		alpha := drawPow10(t, "log10_noise", -2, 0)
		n := DrawVector(t, "noise", K, 1)
		for k := range targets {
			targets[k] += alpha * n[k]
		}
	}
	var labels []float64
	if kind == ScalarLogistic {
		labels = rapid.SliceOfN(rapid.SampledFrom([]float64{1, -1}), K, K).Draw(t, "labels")
	}
	f, err := NewScalarTarget(kind, c, targets, labels)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// Start kinds drawn by DrawFactorStart and DrawInnerStart.
const (
	StartRandom     = "random"     // independent entries
	StartBalanced   = "balanced"   // the same entries (signs drawn) in X and Y: B = 0 exactly
	StartUnbalanced = "unbalanced" // random, then (10^k·X, Y/10^k), k ∈ [1, 2]
	StartYZero      = "y-zero"     // LoRA's initialisation: X random, Y = 0
	StartMinus3X    = "y=-3x"      // the paper's y_0 = −3x_0 (needs d1 = d2)
	StartPaper      = "paper-x0"   // x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0 (OP with d = 3 only)
)

// DrawFactorStart draws a start (X, Y), X ∈ R^{d1×r}, Y ∈ R^{d2×r}, of a kind ("start"):
// StartRandom, StartBalanced, StartUnbalanced ("log10_unbalance"), StartYZero and, when
// d1 = d2, StartMinus3X. Entries are 10^j·[−1, 1] with j ∈ [−1, 0] ("log10_start_scale").
func DrawFactorStart(t *rapid.T, d1, d2, r int) (X, Y *mat.Dense, kind string) {
	kinds := []string{StartRandom, StartBalanced, StartUnbalanced, StartYZero}
	if d1 == d2 {
		kinds = append(kinds, StartMinus3X)
	}
	kind = rapid.SampledFrom(kinds).Draw(t, "start")
	scale := drawPow10(t, "log10_start_scale", -1, 0)
	switch kind {
	case StartBalanced:
		m := min(d1, d2)
		v := DrawVector(t, "start_entries", m*r, scale)
		signs := rapid.SliceOfN(rapid.Bool(), m*r, m*r).Draw(t, "start_signs")
		X, Y = mat.NewDense(d1, r, nil), mat.NewDense(d2, r, nil)
		for i := 0; i < m; i++ {
			for j := 0; j < r; j++ {
				e := v[i*r+j]
				X.Set(i, j, e)
				if signs[i*r+j] {
					e = -e
				}
				Y.Set(i, j, e)
			}
		}
		return X, Y, kind
	case StartYZero:
		return drawMatrix(t, "X", d1, r, scale), mat.NewDense(d2, r, nil), kind
	case StartMinus3X:
		X = drawMatrix(t, "X", d1, r, scale)
		Y = mat.NewDense(d2, r, nil)
		Y.Scale(-3, X)
		return X, Y, kind
	}
	X = drawMatrix(t, "X", d1, r, scale)
	Y = drawMatrix(t, "Y", d2, r, scale)
	if kind == StartUnbalanced {
		u := drawPow10(t, "log10_unbalance", 1, 2)
		X.Scale(u, X)
		Y.Scale(1/u, Y)
	}
	return X, Y, kind
}

// DrawInnerStart draws a start (x, y) ∈ R^d × R^d of a kind ("start"): StartRandom,
// StartBalanced (y_i = ±x_i), StartUnbalanced, StartYZero, StartMinus3X and, when d = 3,
// StartPaper; scales as DrawFactorStart.
func DrawInnerStart(t *rapid.T, d int) (x, y []float64, kind string) {
	kinds := []string{StartRandom, StartBalanced, StartUnbalanced, StartYZero, StartMinus3X}
	if d == 3 {
		kinds = append(kinds, StartPaper)
	}
	kind = rapid.SampledFrom(kinds).Draw(t, "start")
	if kind == StartPaper {
		x, y = PaperStart()
		return x, y, kind
	}
	scale := drawPow10(t, "log10_start_scale", -1, 0)
	x = DrawVector(t, "x", d, scale)
	switch kind {
	case StartBalanced:
		signs := rapid.SliceOfN(rapid.Bool(), d, d).Draw(t, "start_signs")
		y = make([]float64, d)
		for i, v := range x {
			if signs[i] {
				v = -v
			}
			y[i] = v
		}
	case StartYZero:
		y = make([]float64, d)
	case StartMinus3X:
		y = make([]float64, d)
		for i, v := range x {
			y[i] = -3 * v
		}
	default:
		y = DrawVector(t, "y", d, scale)
		if kind == StartUnbalanced {
			u := drawPow10(t, "log10_unbalance", 1, 2)
			for i := range x {
				x[i] *= u
				y[i] /= u
			}
		}
	}
	return x, y, kind
}

// Minibatch kinds drawn by DrawMinibatches.
const (
	BatchFull   = "full"   // nil: every component at every step
	BatchSingle = "single" // one component per step ("components")
	BatchSubset = "subset" // a non-empty subset per step ("batch_masks", bit k = component k)
)

// DrawMinibatches draws T minibatches of a finite sum with K components ("batches"). For
// K = 1 it returns nil (full batch) without drawing.
func DrawMinibatches(t *rapid.T, K, T int) (batches [][]int, kind string) {
	checkMax("K", K)
	if K == 1 {
		return nil, BatchFull
	}
	kind = rapid.SampledFrom([]string{BatchFull, BatchSingle, BatchSubset}).Draw(t, "batches")
	switch kind {
	case BatchSingle:
		idx := rapid.SliceOfN(rapid.IntRange(0, K-1), T, T).Draw(t, "components")
		batches = make([][]int, T)
		for i, k := range idx {
			batches[i] = []int{k}
		}
	case BatchSubset:
		masks := rapid.SliceOfN(rapid.IntRange(1, 1<<K-1), T, T).Draw(t, "batch_masks")
		batches = make([][]int, T)
		for i, m := range masks {
			for k := 0; k < K; k++ {
				if m&(1<<k) != 0 {
					batches[i] = append(batches[i], k)
				}
			}
		}
	}
	return batches, kind
}

// Step-size regimes for scale-invariant problems, relative to the local smoothness Λ of
// h = f(XYᵀ) (FactorLocalSmoothness, InnerLocalSmoothness) and to ‖(X, Y)‖ for ρ:
const (
	RegimeFlow     = "flow"     // ηΛ ∈ [1e-6, 1e-3], ρ/‖(X, Y)‖ ∈ [1e-4, 1e-2]: the flow statements' regime
	RegimeModerate = "moderate" // ηΛ ∈ [1e-3, 1],    ρ/‖(X, Y)‖ ∈ [1e-2, 1]
	RegimeLarge    = "large"    // ηΛ ∈ [1, 10],      ρ/‖(X, Y)‖ ∈ [1, 10]: beyond them (controls)
)

// DrawRegime draws one of RegimeFlow, RegimeModerate, RegimeLarge ("regime").
func DrawRegime(t *rapid.T) string {
	return rapid.SampledFrom([]string{RegimeModerate, RegimeFlow, RegimeLarge}).Draw(t, "regime")
}

// siDrawRelative draws v ∈ [10^lo, 10^hi) by decade and mantissa ("log10_<label>" and
// "<label>_mantissa").
func siDrawRelative(t *rapid.T, label string, lo, hi int) float64 {
	j := rapid.IntRange(lo, hi-1).Draw(t, "log10_"+label)
	m := rapid.Float64Range(1, 10).Draw(t, label+"_mantissa")
	return m * math.Pow10(j)
}

// DrawScaleInvStep draws η for a problem with local smoothness lambda in the regime
// ("log10_eta_times_lambda", "eta_times_lambda_mantissa"): η = (ηΛ)/Λ with ηΛ in the regime's
// range. It panics unless lambda is in [1e-100, 1e100] (callers discard other instances).
func DrawScaleInvStep(t *rapid.T, lambda float64, regime string) float64 {
	if !(lambda >= minDrawnL && lambda <= maxDrawnL) {
		panic(fmt.Sprintf("generators: DrawScaleInvStep: Λ = %g outside [%g, %g]", lambda, minDrawnL, maxDrawnL))
	}
	var v float64
	switch regime {
	case RegimeFlow:
		v = siDrawRelative(t, "eta_times_lambda", -6, -3)
	case RegimeModerate:
		v = siDrawRelative(t, "eta_times_lambda", -3, 0)
	case RegimeLarge:
		v = siDrawRelative(t, "eta_times_lambda", 0, 1)
	default:
		panic("generators: unknown regime " + regime)
	}
	return v / lambda
}

// DrawSAMRadius draws ρ = v·norm with v in the regime's range ("rho_rel"), norm = ‖(X, Y)‖.
func DrawSAMRadius(t *rapid.T, norm float64, regime string) float64 {
	var v float64
	switch regime {
	case RegimeFlow:
		v = siDrawRelative(t, "rho_rel", -4, -2)
	case RegimeModerate:
		v = siDrawRelative(t, "rho_rel", -2, 0)
	case RegimeLarge:
		v = siDrawRelative(t, "rho_rel", 0, 1)
	default:
		panic("generators: unknown regime " + regime)
	}
	return v * norm
}
