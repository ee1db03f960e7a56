package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

// drawPow10 draws an integer k ∈ [lo, hi] labelled label and returns 10^k.
func drawPow10(t *rapid.T, label string, lo, hi int) float64 {
	return math.Pow10(rapid.IntRange(lo, hi).Draw(t, label))
}

func checkMax(name string, v int) {
	if v < 1 {
		panic(fmt.Sprintf("generators: %s = %d, want ≥ 1", name, v))
	}
}

// drawDims draws n ∈ [1, maxN] ("n") and d ∈ [1, maxD] ("d").
func drawDims(t *rapid.T, maxN, maxD int) (n, d int) {
	checkMax("maxN", maxN)
	checkMax("maxD", maxD)
	n = rapid.IntRange(1, maxN).Draw(t, "n")
	d = rapid.IntRange(1, maxD).Draw(t, "d")
	return n, d
}

// drawMatrix draws an r×c matrix with entries scale·u, u ∈ [−1, 1], as one labelled draw of
// r·c entries in row-major order.
func drawMatrix(t *rapid.T, label string, r, c int, scale float64) *mat.Dense {
	return mat.NewDense(r, c, DrawVector(t, label, r*c, scale))
}

// DrawVector draws a vector of length d with entries scale·u_i, u_i ∈ [−1, 1], as one draw
// labelled label (the counterexample prints the u_i; entries shrink toward 0).
func DrawVector(t *rapid.T, label string, d int, scale float64) []float64 {
	v := rapid.SliceOfN(rapid.Float64Range(-1, 1), d, d).Draw(t, label)
	for i := range v {
		v[i] *= scale
	}
	return v
}

// DrawHorizon draws the number of steps T ∈ [1, maxT], labelled "T".
func DrawHorizon(t *rapid.T, maxT int) int {
	checkMax("maxT", maxT)
	return rapid.IntRange(1, maxT).Draw(t, "T")
}

// DrawLeastSquares draws a least-squares instance: n ∈ [1, maxN], d ∈ [1, maxD], X with
// entries in 10^k·[−1, 1] ("log10_x_scale", k ∈ [−3, 3]) and y in 10^k'·[−1, 1]
// ("log10_y_scale"). It returns a *Degenerate error when X = 0 or L is outside the range
// the theorems can carry ([1e-100, 1e100]).
func DrawLeastSquares(t *rapid.T, maxN, maxD int) (*LeastSquares, error) {
	n, d := drawDims(t, maxN, maxD)
	X := drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 3))
	y := DrawVector(t, "y", n, drawPow10(t, "log10_y_scale", -3, 3))
	f, err := NewLeastSquares(X, y)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// DrawLogistic draws a logistic-regression instance: dimensions and X as DrawLeastSquares,
// labels ±1 ("labels", shrinking toward +1).
func DrawLogistic(t *rapid.T, maxN, maxD int) (*Logistic, error) {
	n, d := drawDims(t, maxN, maxD)
	X := drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 3))
	y := rapid.SliceOfN(rapid.SampledFrom([]float64{1, -1}), n, n).Draw(t, "labels")
	f, err := NewLogistic(X, y)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// DrawHuber draws a Huber-regression instance: X and y as DrawLeastSquares and
// δ = 10^j·(y's scale), j ∈ [−2, 1] ("log10_delta_rel"), so that both the quadratic and the
// linear regime occur.
func DrawHuber(t *rapid.T, maxN, maxD int) (*Huber, error) {
	n, d := drawDims(t, maxN, maxD)
	X := drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 3))
	sy := drawPow10(t, "log10_y_scale", -3, 3)
	y := DrawVector(t, "y", n, sy)
	delta := sy * drawPow10(t, "log10_delta_rel", -2, 1)
	f, err := NewHuber(X, y, delta)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// DrawLogSumExp draws f(θ) = log Σ_{i<k} exp(a_iᵀθ + b_i) with k ∈ [2, max(2, maxN)] ("k";
// k = 1 would be affine), d ∈ [1, maxD], A in 10^j·[−1, 1] ("log10_a_scale") and b in
// 10^j'·[−1, 1] ("log10_b_scale").
func DrawLogSumExp(t *rapid.T, maxN, maxD int) (*LogSumExp, error) {
	checkMax("maxN", maxN)
	checkMax("maxD", maxD)
	k := rapid.IntRange(2, max(2, maxN)).Draw(t, "k")
	d := rapid.IntRange(1, maxD).Draw(t, "d")
	A := drawMatrix(t, "A", k, d, drawPow10(t, "log10_a_scale", -3, 3))
	b := DrawVector(t, "b", k, drawPow10(t, "log10_b_scale", -3, 3))
	f, err := NewLogSumExp(A, b)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// DrawPoisson draws a Poisson-regression instance: X in 10^j·[−1, 1] with j ∈ [−3, 0]
// ("log10_x_scale"), counts y_i ∈ {0, …, 20} ("y"), and the ball B(0, ρ/max_i‖x_i‖) with
// ρ ∈ {1, 0.5, 2, 4} ("ball_exponent"), on which L = λ_max(XᵀX)/n·e^ρ at most. Start inside
// the ball (Poisson.DrawStart) and discard runs that leave it (Poisson.InBall).
func DrawPoisson(t *rapid.T, maxN, maxD int) (*Poisson, error) {
	n, d := drawDims(t, maxN, maxD)
	X := drawMatrix(t, "X", n, d, drawPow10(t, "log10_x_scale", -3, 0))
	counts := rapid.SliceOfN(rapid.IntRange(0, 20), n, n).Draw(t, "y")
	rho := rapid.SampledFrom([]float64{1, 0.5, 2, 4}).Draw(t, "ball_exponent")
	y := make([]float64, n)
	for i, c := range counts {
		y[i] = float64(c)
	}
	r := maxRowNorm(X)
	if !(r > 0) {
		return nil, degenerate("L = 0 (X = 0): every step size is admissible, nothing to test")
	}
	radius := rho / r
	if math.IsInf(radius, 0) {
		return nil, degenerate("X negligible (max_i‖x_i‖ = " + fmtG(r) + "): the ball radius ρ/max_i‖x_i‖ overflows")
	}
	f, err := NewPoisson(X, y, make([]float64, d), radius)
	if err != nil {
		return nil, err
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// Spectrum kinds drawn by DrawQuadratic.
const (
	SpectrumWell     = "well-conditioned" // λ_i ∈ λ_max·[0.1, 1]: κ ≤ 10
	SpectrumIll      = "ill-conditioned"  // λ_i = λ_max·10^(−j·v_i), κ = 10^j, j ∈ [1, 6]
	SpectrumSingular = "singular"         // 1 ≤ z ≤ d−1 eigenvalues exactly 0, the rest in λ_max·[1e-3, 1]
)

// DrawQuadratic draws f(θ) = ½θᵀQΛQᵀθ − bᵀθ with d ∈ [1, maxD] ("d"), a spectrum kind
// ("spectrum": SpectrumWell, SpectrumIll, SpectrumSingular), λ_max = 10^k ("log10_lambda_max",
// k ∈ [−3, 3]), Q a product of m ∈ [0, d] Householder reflections I − 2vvᵀ/vᵀv from drawn
// vectors ("reflections", "householder"; m = 0 gives Q = I), and b ("b_kind"): "zero",
// "in-range" (b = Hw, so a minimiser exists) or "general" (b arbitrary: for a singular H, f
// is then unbounded below — the basic inequality still holds for every z).
//
// A singular spectrum needs d ≥ 2 (a singular 1×1 PSD Hessian is 0): for d = 1 it returns a
// *Degenerate error.
func DrawQuadratic(t *rapid.T, maxD int) (*Quadratic, error) {
	checkMax("maxD", maxD)
	d := rapid.IntRange(1, maxD).Draw(t, "d")
	kind := rapid.SampledFrom([]string{SpectrumWell, SpectrumIll, SpectrumSingular}).Draw(t, "spectrum")
	top := drawPow10(t, "log10_lambda_max", -3, 3)
	vals := make([]float64, d)
	switch kind {
	case SpectrumWell:
		u := rapid.SliceOfN(rapid.Float64Range(0.1, 1), d, d).Draw(t, "lambda_rel")
		for i := range vals {
			vals[i] = top * u[i]
		}
	case SpectrumIll:
		j := rapid.IntRange(1, 6).Draw(t, "log10_condition")
		v := rapid.SliceOfN(rapid.Float64Range(0, 1), d, d).Draw(t, "lambda_log_rel")
		for i := range vals {
			vals[i] = top * math.Pow(10, -float64(j)*v[i])
		}
		if d >= 2 { // attain κ = 10^j exactly
			vals[0], vals[1] = top, top*math.Pow10(-j)
		}
	case SpectrumSingular:
		if d == 1 {
			return nil, degenerate("singular spectrum with d = 1 means H = 0: nothing to test")
		}
		z := rapid.IntRange(1, d-1).Draw(t, "zero_eigenvalues")
		v := rapid.SliceOfN(rapid.Float64Range(0, 1), d-z, d-z).Draw(t, "lambda_log_rel")
		for i := range v {
			vals[z+i] = top * math.Pow(10, -3*v[i])
		}
	}
	m := rapid.IntRange(0, d).Draw(t, "reflections")
	hv := DrawVector(t, "householder", m*d, 1)
	q := householderProduct(d, m, hv)
	f, err := NewQuadratic(vals, q, nil, 0)
	if err != nil {
		return nil, err
	}
	f.spectrum = kind
	switch rapid.SampledFrom([]string{"zero", "in-range", "general"}).Draw(t, "b_kind") {
	case "in-range":
		w := DrawVector(t, "w", d, drawPow10(t, "log10_w_scale", -3, 3))
		f.Grad(f.b, w) // b = 0 here, so this is b = Hw
	case "general":
		copy(f.b, DrawVector(t, "b", d, drawPow10(t, "log10_b_scale", -3, 3)))
	}
	if !numeric.VecFinite(f.b) {
		return nil, degenerate("non-finite data")
	}
	if err := wellScaled(f.Smoothness()); err != nil {
		return nil, err
	}
	return f, nil
}

// householderProduct returns H_1⋯H_m, H_r = I − 2v_rv_rᵀ/(v_rᵀv_r) with v_r = hv[r·d:(r+1)·d].
// Each v_r is first rescaled by a power of two (exact) so that v_rᵀv_r neither underflows nor
// overflows; zero vectors are skipped (H_r = I).
func householderProduct(d, m int, hv []float64) *mat.Dense {
	q := mat.NewDense(d, d, nil)
	for i := 0; i < d; i++ {
		q.Set(i, i, 1)
	}
	u := mat.NewVecDense(d, nil)
	qu := mat.NewVecDense(d, nil)
	for r := 0; r < m; r++ {
		v := hv[r*d : (r+1)*d]
		mx := numeric.NormInf(v)
		if mx == 0 {
			continue
		}
		_, e := math.Frexp(mx)
		for j, x := range v {
			u.SetVec(j, math.Ldexp(x, -e))
		}
		uu := numeric.Norm2Sq(u.RawVector().Data)
		qu.MulVec(q, u)
		q.RankOne(q, -2/uu, qu, u)
	}
	return q
}

// DrawDoubleWell draws the non-convex double well (negative controls only) with d ∈ [1, maxD]
// ("d") and smoothness box B ∈ {2, 1.5, 3} ("box").
func DrawDoubleWell(t *rapid.T, maxD int) *DoubleWell {
	checkMax("maxD", maxD)
	d := rapid.IntRange(1, maxD).Draw(t, "d")
	box := rapid.SampledFrom([]float64{2, 1.5, 3}).Draw(t, "box")
	return NewDoubleWell(d, box)
}

var convexFamilies = []string{"least-squares", "logistic", "quadratic", "huber", "log-sum-exp"}

// ConvexFamilies returns the families DrawConvex picks from, in its shrinking order.
func ConvexFamilies() []string { return append([]string(nil), convexFamilies...) }

// DrawConvex draws a family from ConvexFamilies() ("family") and then an instance of it
// (maxN bounds n, or k for log-sum-exp; quadratics use maxD only). Poisson is excluded (it is
// only locally smooth); draw it with DrawPoisson where the theorem checks the ball.
func DrawConvex(t *rapid.T, maxN, maxD int) (Instance, error) {
	var (
		inst Instance
		err  error
	)
	switch rapid.SampledFrom(convexFamilies).Draw(t, "family") {
	case "least-squares":
		var f *LeastSquares
		if f, err = DrawLeastSquares(t, maxN, maxD); err == nil {
			inst = f
		}
	case "logistic":
		var f *Logistic
		if f, err = DrawLogistic(t, maxN, maxD); err == nil {
			inst = f
		}
	case "quadratic":
		var f *Quadratic
		if f, err = DrawQuadratic(t, maxD); err == nil {
			inst = f
		}
	case "huber":
		var f *Huber
		if f, err = DrawHuber(t, maxN, maxD); err == nil {
			inst = f
		}
	case "log-sum-exp":
		var f *LogSumExp
		if f, err = DrawLogSumExp(t, maxN, maxD); err == nil {
			inst = f
		}
	}
	if err != nil {
		return nil, err
	}
	return inst, nil
}
