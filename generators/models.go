package generators

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

// DrawLinearModel draws a fixed-design linear model y = Xθ* + ε for the least-squares risk
// theorem: n ∈ [1, maxN], d ∈ [1, maxD], X in 10^j·[−1, 1] ("log10_x_scale"), θ* in
// 10^j'·[−1, 1] ("log10_theta_scale", "theta_star") and the noise level σ = 10^k > 0
// ("log10_sigma", k ∈ [−3, 1]). The noise itself is the theorem's business (the risk has a
// closed form in σ). It returns a *Degenerate error when X = 0 or λ_max(XᵀX)/n is outside
// [1e-100, 1e100].
func DrawLinearModel(t *rapid.T, maxN, maxD int) (X *mat.Dense, thetaStar []float64, sigma float64, err error) {
	n, d := drawDims(t, maxN, maxD)
	X = drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 3))
	thetaStar = DrawVector(t, "theta_star", d, drawPow10(t, "log10_theta_scale", -3, 3))
	sigma = drawPow10(t, "log10_sigma", -3, 1)
	lam, ok := numeric.CertifiedGramMaxEig(X)
	switch {
	case !ok:
		return nil, nil, 0, degenerate("λ_max(XᵀX) not certifiable")
	case lam == 0:
		return nil, nil, 0, degenerate("L = 0 (X = 0): every step size is admissible, nothing to test")
	}
	if err := wellScaled(numeric.DivUp(lam, float64(n))); err != nil {
		return nil, nil, 0, err
	}
	return X, thetaStar, sigma, nil
}

// DrawLogisticModel draws a design and a true parameter for the logistic risk theorem
// (y_i ~ Bernoulli(σ(x_iᵀθ*)) is the theorem's to sample): X as in DrawLinearModel and θ* with
// entries 10^k/R·[−1, 1] ("log10_margin_scale", k ∈ [−2, 2], "theta_star"), so that the
// margins x_iᵀθ* range from nearly deterministic to nearly fair labels. R ≥ max_i ‖x_i‖ is
// certified (rounded up). It returns a *Degenerate error when X = 0 or the smoothness
// λ_max(XᵀX)/(4n) is outside [1e-100, 1e100].
func DrawLogisticModel(t *rapid.T, maxN, maxD int) (X *mat.Dense, thetaStar []float64, R float64, err error) {
	n, d := drawDims(t, maxN, maxD)
	X = drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 3))
	for i := 0; i < n; i++ {
		R = math.Max(R, numeric.MulUp(math.Sqrt(numeric.CertifiedNorm2Sq(X.RawRowView(i))), 1+numeric.Eps))
	}
	ms := drawPow10(t, "log10_margin_scale", -2, 2)
	if !(R > 0) {
		return nil, nil, 0, degenerate("L = 0 (X = 0): every step size is admissible, nothing to test")
	}
	thetaStar = DrawVector(t, "theta_star", d, ms/R)
	lam, ok := numeric.CertifiedGramMaxEig(X)
	if !ok {
		return nil, nil, 0, degenerate("λ_max(XᵀX) not certifiable")
	}
	if err := wellScaled(numeric.DivUp(lam, 4*float64(n))); err != nil {
		return nil, nil, 0, err
	}
	return X, thetaStar, R, nil
}

// DrawGibbsProblem draws a finite hypothesis set of size m ∈ [1, maxH] ("hypotheses") with a
// prior and empirical losses for the Gibbs identity:
//
//   - prior_i ∝ c_i·10^(e_i), c_i ∈ [1, 10] ("prior_mantissa"), e_i ∈ [−300, 0]
//     ("prior_log10_weight"): a distribution (Σ prior = 1 up to rounding) whose entries span
//     up to 300 orders of magnitude, all strictly positive;
//   - losses in 10^k·[0, 1] ("losses", "log10_loss_scale", k ∈ [−3, 3]).
//
// err is a *Degenerate error if normalisation fails (it cannot for these ranges; the result
// is checked rather than assumed).
func DrawGibbsProblem(t *rapid.T, maxH int) (prior []float64, losses []float64, err error) {
	checkMax("maxH", maxH)
	m := rapid.IntRange(1, maxH).Draw(t, "hypotheses")
	e := rapid.SliceOfN(rapid.IntRange(-300, 0), m, m).Draw(t, "prior_log10_weight")
	c := rapid.SliceOfN(rapid.Float64Range(1, 10), m, m).Draw(t, "prior_mantissa")
	prior = make([]float64, m)
	for i := range prior {
		prior[i] = c[i] * math.Pow10(e[i])
	}
	s := numeric.Sum(prior)
	for i := range prior {
		prior[i] /= s
		if !(prior[i] > 0) || math.IsInf(prior[i], 0) {
			return nil, nil, degenerate("prior normalisation under- or overflowed")
		}
	}
	scale := drawPow10(t, "log10_loss_scale", -3, 3)
	losses = rapid.SliceOfN(rapid.Float64Range(0, 1), m, m).Draw(t, "losses")
	for i := range losses {
		losses[i] *= scale
	}
	return prior, losses, nil
}
