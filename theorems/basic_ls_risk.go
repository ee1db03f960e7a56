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

// Sizes of the least-squares risk instances: n ≤ 30 samples, d ≤ 10, T ≤ 100 steps, and 1 to
// 3 noise vectors per instance for the pathwise steps (the expectation is a closed form).
const (
	lsrMaxN     = 30
	lsrMaxD     = 10
	lsrMaxT     = 100
	lsrMaxDraws = 3
)

const lsrStatement = `For y = Xθ* + ε with a fixed design X (n×d), ε_i iid with mean 0 and variance σ², Σ̂ = XᵀX/n,
and GD on f(θ) = ‖y − Xθ‖²/(2n) from θ_0 = 0 with deterministic steps 0 < η_t ≤ 1/λ_max(Σ̂),
τ = Σ_{t<T} η_t:

    E (1/n)‖X(θ_T − θ*)‖²  ≤  4σ² df(1/τ)/n + 2‖θ*‖²/τ,    df(λ) = tr(Σ̂(Σ̂ + λI)⁻¹).

GD is linear in y (θ_T = A_T y), so the left side is (‖X(A_T Xθ* − θ*)‖² + σ² tr(X A_T A_Tᵀ Xᵀ))/n
exactly.`

// lsrSteps are the proof steps of basic-inequality/least-squares-risk in evidence order.
// Steps 1–4 are checked on every drawn noise vector (their names carry "(noise draw k)");
// step 5 and the claim are closed forms, no sampling.
var lsrSteps = []string{
	"step 1 linearity: θ_T = A_T y, A_T = Σ_t η_t Π_{s>t}(I − η_sΣ̂)Xᵀ/n the operator of GD from θ_0 = 0 (exact, on each drawn noise vector)",
	"step 2 basic inequality at z = θ*: (1/(2n))‖XΔ‖² + ‖Δ‖²/(2τ) ≤ ⟨v, Δ⟩ + ‖θ*‖²/(2τ), Δ = θ_T − θ*, v = Xᵀε/n (exact, on each drawn noise vector)",
	"step 3 Young: ⟨v, Δ⟩ ≤ vᵀM⁻¹v + ¼ΔᵀMΔ, M = Σ̂ + I/τ (exact, on each drawn noise vector)",
	"step 4 pathwise risk (2 + 3): ΔᵀMΔ ≤ 4vᵀM⁻¹v + 2‖θ*‖²/τ (exact, on each drawn noise vector)",
	"step 5 in expectation: E ΔᵀMΔ ≤ 4σ² df(1/τ)/n + 2‖θ*‖²/τ, since E vᵀM⁻¹v = σ² tr(M⁻¹Σ̂)/n = σ² df(1/τ)/n (closed form through A_T)",
	"claim: E (1/n)‖XΔ‖² = (‖X(A_T Xθ* − θ*)‖² + σ²‖XA_T‖_F²)/n ≤ 4σ² df(1/τ)/n + 2‖θ*‖²/τ (closed form, (1/n)‖XΔ‖² ≤ ΔᵀMΔ)",
}

// lsrClaim builds the conclusion from the exact risk, σ², df(1/τ), n, ‖θ*‖² and τ.
type lsrClaim func(risk, sigma2, df, n, star2, tau float64) Inequality

func lsrClaimOf(c float64) lsrClaim {
	return func(risk, sigma2, df, n, star2, tau float64) Inequality {
		return Le(ClaimStep, -1, risk, c*sigma2*df/n+2*star2/tau, risk, c*sigma2*df/n, 2*star2/tau)
	}
}

// BasicInequalityLeastSquaresRisk builds `basic-inequality/least-squares-risk` on the given
// gradient-descent implementation, with its explicit example and negative controls.
func BasicInequalityLeastSquaresRisk(gd GDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/least-squares-risk",
		Title:  "Early-stopped GD risk bound for least squares",
		Kind:   Statistical,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"y = Xθ* + ε with X fixed (n×d), ε_i iid, mean 0, variance σ² (pathwise steps: any ε; drawn ε_i = √3σu_i, u_i ∈ [−1, 1])",
			"GD on ‖y − Xθ‖²/(2n) from θ_0 = 0 with deterministic steps 0 < η_t ≤ 1/λ_max(Σ̂), Σ̂ = XᵀX/n (λ_max certified)",
			"df(1/τ) from certified eigenvalues of Σ̂ (each raised by its backward-error bound, so the bound is never understated)",
			fmt.Sprintf("n ≤ %d, d ≤ %d, T ≤ %d; expectations in closed form (no sampling), pathwise steps on 1 to %d noise vectors", lsrMaxN, lsrMaxD, lsrMaxT, lsrMaxDraws),
		},
		Statement:  lsrStatement,
		ProofSteps: lsrSteps,
		Tolerance:  DefaultTolerance,
		Property:   lsrProperty(gd, lsrClaimOf(4), lsrDrawSchedule),
		Examples: []Example{{
			Name:        "scalar-Young-tight",
			Description: "n = d = 1, X = 1, θ* = 1, σ = 1, η_0 = 1 = 1/λ_max, T = 1, noise ±1: A_T = 1, Young's step holds with equality, risk 1 against the bound 4σ²·df(1)/n + 2‖θ*‖²/τ = 4",
			Run: func() Evidence {
				return lsrFixed(gd, mat.NewDense(1, 1, []float64{1}), []float64{1}, 1, []float64{1}, [][]float64{{1}, {-1}}, lsrClaimOf(4))
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "steps-in-(1,2]/λmax",
			Breaks:      BreaksHypothesis,
			Description: "steps drawn with η_t·λ_max in (1, 2] (GD still converges, but the descent step of the basic inequality fails along the top eigenvector); a data-dependent schedule is not used as the control because the pathwise steps hold for every schedule and the closed-form expectation presumes a fixed one",
			Property: lsrProperty(gd, lsrClaimOf(4), func(t *rapid.T, T int, L float64) ([]float64, string) {
				return generators.DrawStepsInRange(t, T, L, 1, 2), "η·L in (1, 2]"
			}),
		},
		{
			Name:        "claim-with-σ²",
			Breaks:      BreaksConstant,
			Description: "the bound with σ² df(1/τ)/n instead of 4σ² df(1/τ)/n: GD's variance (1 − Π(1 − η_ts_j))² exceeds s_j/(s_j + 1/τ) once τs_j is large",
			Examples: []Example{{
				Name:        "scalar-noisy",
				Description: "n = d = 1, X = 1, θ* = 1, σ = 10, η_0 = 1, T = 1: the risk σ² = 100 exceeds σ²·df(1)/n + 2‖θ*‖²/τ = 52",
				Run: func() Evidence {
					return lsrFixed(gd, mat.NewDense(1, 1, []float64{1}), []float64{1}, 10, []float64{1}, [][]float64{{10}}, lsrClaimOf(1))
				},
			}},
			Property: lsrProperty(gd, lsrClaimOf(1), lsrDrawSchedule),
		},
		{
			Name:        "gd-with-momentum",
			Breaks:      BreaksAlgorithm,
			Description: "GD mutated into heavy ball, θ_{t+1} = θ_t − η_t∇f(θ_t) + ½(θ_t − θ_{t−1}): still linear in y, but not GD's operator A_T",
			Property:    lsrProperty(lsrHeavyBall, lsrClaimOf(4), lsrDrawSchedule),
		},
	}
	return th
}

func init() { Register(BasicInequalityLeastSquaresRisk(algorithms.GradientDescent)) }

// lsrHeavyBall is the algorithm mutant: heavy-ball momentum ½ on top of the given steps.
func lsrHeavyBall(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
	d := len(x0)
	tr := &algorithms.Trajectory{Iterates: make([][]float64, len(steps)+1), Steps: append([]float64(nil), steps...), GradEvals: len(steps)}
	tr.Iterates[0] = append([]float64(nil), x0...)
	g := make([]float64, d)
	for t, eta := range steps {
		cur := tr.Iterates[t]
		prev := cur
		if t > 0 {
			prev = tr.Iterates[t-1]
		}
		f.Grad(g, cur)
		next := make([]float64, d)
		for j := range next {
			next[j] = cur[j] - eta*g[j] + 0.5*(cur[j]-prev[j])
		}
		tr.Iterates[t+1] = next
	}
	return tr
}

// lsrDrawSchedule draws the theorem's steps: every kind of DrawSchedule, η_t ≤ 1/L.
func lsrDrawSchedule(t *rapid.T, T int, L float64) ([]float64, string) {
	return generators.DrawSchedule(t, T, L)
}

// lsrProperty draws a linear model, a horizon, a schedule and 1 to 3 noise vectors, runs gd
// and returns the evidence.
func lsrProperty(gd GDMethod, claim lsrClaim, schedule func(*rapid.T, int, float64) ([]float64, string)) Property {
	return func(t *rapid.T) Evidence {
		X, star, sigma, err := generators.DrawLinearModel(t, lsrMaxN, lsrMaxD)
		if err != nil {
			return discard(err)
		}
		n, _ := X.Dims()
		// The smoothness of ‖y − Xθ‖²/(2n) is λ_max(Σ̂) whatever y is: certified here.
		base, err := generators.NewLeastSquares(X, make([]float64, n))
		if err != nil {
			return discard(err)
		}
		T := generators.DrawHorizon(t, lsrMaxT)
		steps, kind := schedule(t, T, base.Smoothness())
		K := rapid.IntRange(1, lsrMaxDraws).Draw(t, "noise_draws")
		noise := make([][]float64, K)
		for k := range noise {
			noise[k] = generators.DrawVector(t, "noise", n, math.Sqrt(3)*sigma)
		}
		ev := lsrEvidence(gd, X, star, sigma, steps, noise, claim)
		if ev.Discard == "" {
			ev.Instance = fmt.Sprintf("%s; θ* = %v; σ = %g; T = %d; schedule %s; steps %s; noise %v", lsrDescribe(X), star, sigma, T, kind, lsrSteps3(steps), noise)
		}
		return ev
	}
}

// lsrFixed builds evidence on a fixed instance (explicit examples).
func lsrFixed(gd GDMethod, X *mat.Dense, star []float64, sigma float64, steps []float64, noise [][]float64, claim lsrClaim) Evidence {
	ev := lsrEvidence(gd, X, star, sigma, steps, noise, claim)
	ev.Instance = fmt.Sprintf("%s; θ* = %v; σ = %g; steps %v; noise %v", lsrDescribe(X), star, sigma, steps, noise)
	return ev
}

func lsrDescribe(X *mat.Dense) string {
	n, d := X.Dims()
	if n*d <= 32 {
		return fmt.Sprintf("X = %v (n=%d, d=%d)", mat.Formatted(X, mat.FormatPython()), n, d)
	}
	return fmt.Sprintf("X %d×%d, max|X_ij| = %g (not printed)", n, d, mat.Max(lsrAbs(X)))
}

func lsrSteps3(steps []float64) string {
	if len(steps) <= 3 {
		return fmt.Sprint(steps)
	}
	return fmt.Sprintf("[%g %g … %g]", steps[0], steps[1], steps[len(steps)-1])
}

func lsrAbs(a *mat.Dense) *mat.Dense {
	var b mat.Dense
	b.Apply(func(_, _ int, v float64) float64 { return math.Abs(v) }, a)
	return &b
}

// lsrDF returns a certified upper bound on df(λ) = Σ_j s_j/(s_j + λ): each computed
// eigenvalue s_j of fl(XᵀX/n) is raised by the eigensolver's backward error
// (8d+4)·ε·‖Σ̂‖₂ and by the error of forming XᵀX/n, (n+2)·ε·‖X‖_F²/n; df is increasing in
// every s_j, so the bound is never below the true df. ok is false if the spectrum fails.
func lsrDF(X *mat.Dense, lambda float64) (float64, bool) {
	n, d := X.Dims()
	sig := mat.NewSymDense(d, nil)
	sig.SymOuterK(1/float64(n), X.T())
	vals, _, ok := numeric.EigSym(sig)
	if !ok {
		return math.NaN(), false
	}
	top := math.Max(math.Abs(vals[0]), math.Abs(vals[d-1]))
	frob2 := numeric.FrobNorm2(X)
	form := numeric.MulUp(float64(n+2)*numeric.Eps, numeric.DivUp(frob2, float64(n)))
	terms := make([]float64, d)
	for j, s := range vals {
		// −CertifyLower(−s, top, d) = s + (8d+4)ε·max(|s|, top), rounded up.
		hi := -numeric.CertifyLower(-s, top, d) + form
		hi = math.Max(0, math.Nextafter(hi, math.Inf(1)))
		terms[j] = hi / (hi + lambda)
	}
	return numeric.Sum(terms) * (1 + float64(d+2)*numeric.Eps), true
}

// lsrOperator returns A_T (d×n) by the recursion A_{t+1} = (I − η_tΣ̂)A_t + η_tXᵀ/n, A_0 = 0,
// and, for each y in ys, the magnitude Σ_t (‖|A_t||y|‖ + η_t‖(|Σ̂||A_t| + |X|ᵀ/n)|y|‖) of
// the terms that applying the recursion to y rounds.
func lsrOperator(X *mat.Dense, steps []float64, ys [][]float64) (*mat.Dense, []float64) {
	n, d := X.Dims()
	sig := mat.NewDense(d, d, nil)
	sig.Mul(X.T(), X)
	sig.Scale(1/float64(n), sig)
	xt := mat.DenseCopyOf(X.T())
	xt.Scale(1/float64(n), xt)
	absSig, absXt := lsrAbs(sig), lsrAbs(xt)
	A := mat.NewDense(d, n, nil)
	var tmp mat.Dense
	mags := make([]float64, len(ys))
	for _, eta := range steps {
		absA := lsrAbs(A)
		for k, y := range ys {
			yv := mat.NewVecDense(n, lsrAbsVec(y))
			var ay, say, xy mat.VecDense
			ay.MulVec(absA, yv)
			say.MulVec(absSig, &ay)
			xy.MulVec(absXt, yv)
			say.AddVec(&say, &xy)
			mags[k] += mat.Norm(&ay, 2) + eta*mat.Norm(&say, 2)
		}
		tmp.Mul(sig, A)
		tmp.Sub(&tmp, xt)
		tmp.Scale(eta, &tmp)
		A.Sub(A, &tmp)
	}
	return A, mags
}

func lsrAbsVec(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Abs(x)
	}
	return out
}

// lsrEvidence checks every proof step: pathwise on each noise vector (running gd on
// y = Xθ* + ε), then the closed-form expectation.
func lsrEvidence(gd GDMethod, X *mat.Dense, star []float64, sigma float64, steps []float64, noise [][]float64, claim lsrClaim) Evidence {
	n, d := X.Dims()
	T := len(steps)
	nf := float64(n)
	tau := numeric.Sum(steps)
	if !(tau > 0) || math.IsInf(tau, 0) {
		return Discarded("τ not positive and finite")
	}
	ev := Evidence{Horizon: T}
	sigma2 := sigma * sigma
	star2 := numeric.Norm2Sq(star)
	xs := mat.NewVecDense(n, nil)
	xs.MulVec(X, mat.NewVecDense(d, star))

	ys := make([][]float64, len(noise))
	for k, e := range noise {
		ys[k] = make([]float64, n)
		for i := range e {
			ys[k][i] = xs.AtVec(i) + e[i]
		}
	}
	A, opMags := lsrOperator(X, steps, ys)

	// M = Σ̂ + I/τ, for vᵀM⁻¹v by Cholesky (M ⪰ I/τ is well conditioned: κ ≤ 1 + τλ_max ≤ 1 + T).
	M := mat.NewSymDense(d, nil)
	M.SymOuterK(1/nf, X.T())
	for j := 0; j < d; j++ {
		M.SetSym(j, j, M.At(j, j)+1/tau)
	}
	var chol mat.Cholesky
	if !chol.Factorize(M) {
		return Discarded("Σ̂ + I/τ not numerically positive definite")
	}
	absX := lsrAbs(X)

	for k, e := range noise {
		label := fmt.Sprintf(" (noise draw %d)", k)
		y := ys[k]
		f, err := generators.NewLeastSquares(X, y)
		if err != nil {
			return discard(err)
		}
		tr := gd(f, make([]float64, d), steps)
		if q, bad := lengthMismatch(tr.T(), T); bad {
			ev.Add(q)
			return ev
		}
		thT := tr.Final()
		// Step 1: θ_T = A_T y. Both GD and the recursion contract (η_t ≤ 1/λ_max), so their
		// rounding errors add up to a small multiple of the terms they sum.
		var ay mat.VecDense
		ay.MulVec(A, mat.NewVecDense(n, y))
		diff := make([]float64, d)
		numeric.SubTo(diff, thT, ay.RawVector().Data)
		scale1 := opMags[k] + numeric.Norm2(thT)
		absY := mat.NewVecDense(n, lsrAbsVec(y))
		for t := 0; t < T; t++ {
			th := tr.Iterates[t]
			var m, g mat.VecDense
			m.MulVec(absX, mat.NewVecDense(d, lsrAbsVec(th)))
			m.AddVec(&m, absY)
			g.MulVec(absX.T(), &m)
			scale1 += numeric.Norm2(th) + steps[t]*mat.Norm(&g, 2)/nf
		}
		ev.Add(Eq("step 1 linearity"+label, -1, numeric.Norm2(diff), 0, scale1))

		// Steps 2–4 on this draw.
		delta := make([]float64, d)
		numeric.SubTo(delta, thT, star)
		var xd mat.VecDense
		xd.MulVec(X, mat.NewVecDense(d, delta))
		xdd := numeric.Norm2Sq(xd.RawVector().Data)
		dd := numeric.Norm2Sq(delta)
		var vv mat.VecDense
		vv.MulVec(X.T(), mat.NewVecDense(n, e))
		vv.ScaleVec(1/nf, &vv)
		v := vv.RawVector().Data
		vd, vdS := dotDiff(v, thT, star)
		var w mat.VecDense
		if err := chol.SolveVecTo(&w, &vv); err != nil {
			return Discarded("Σ̂ + I/τ solve failed: " + err.Error())
		}
		vmv := numeric.Dot(v, w.RawVector().Data)
		dmd := xdd/nf + dd/tau
		// v = Xᵀε/n and θ_T (a sum of such products) may cancel to far below their terms, so
		// their rounding is relative to the magnitudes of those terms: vMag = ‖|X|ᵀ|ε|‖/n, and
		// scale1 (step 1's magnitude of everything GD summed) for θ_T.
		var vm mat.VecDense
		vm.MulVec(absX.T(), mat.NewVecDense(n, lsrAbsVec(e)))
		vMag := mat.Norm(&vm, 2) / nf
		thMag := scale1 + numeric.Norm2(star)
		xMag := mat.Norm(absX, 2) // Frobenius of |X|: a magnitude, not a certified constant
		rep := 2*math.Sqrt(xdd)*xMag*thMag/nf + 2*math.Sqrt(dd)*thMag/tau
		vdS += vMag * thMag
		vmvS := math.Abs(vmv) + 2*vMag*mat.Norm(&w, 2)
		ev.Add(
			Le("step 2 basic inequality at z = θ*"+label, -1, xdd/(2*nf)+dd/(2*tau), vd+star2/(2*tau), xdd/(2*nf), dd/(2*tau), vdS, star2/(2*tau), rep/2),
			Le("step 3 Young"+label, -1, vd, vmv+dmd/4, vdS, vmvS, dmd/4, rep/4),
			Le("step 4 pathwise risk"+label, -1, dmd, 4*vmv+2*star2/tau, dmd, 4*vmvS, 2*star2/tau, rep),
		)
	}

	// Closed-form expectations through A_T: b = A_T Xθ* − θ* (the bias), and the variance
	// σ² tr(A_Tᵀ(·)A_T).
	var axs mat.VecDense
	axs.MulVec(A, xs)
	b := make([]float64, d)
	numeric.SubTo(b, axs.RawVector().Data, star)
	var xb mat.VecDense
	xb.MulVec(X, mat.NewVecDense(d, b))
	bias := numeric.Norm2Sq(xb.RawVector().Data) / nf
	var xa mat.Dense
	xa.Mul(X, A)
	xaF := lsrFrob2(&xa)
	aF := lsrFrob2(A)
	risk := bias + sigma2*xaF/nf
	mnorm := bias + numeric.Norm2Sq(b)/tau + sigma2*(xaF/nf+aF/tau)
	df, ok := lsrDF(X, 1/tau)
	if !ok {
		return Discarded("spectrum of Σ̂ not computable")
	}
	bound := 4*sigma2*df/nf + 2*star2/tau
	ev.Add(Le("step 5 in expectation", -1, mnorm, bound, mnorm, 4*sigma2*df/nf, 2*star2/tau))
	c := claim(risk, sigma2, df, nf, star2, tau)
	ev.Add(c)
	if reason := underflowDecides(&ev, n*d+T, riskAmplification(tau)); reason != "" {
		return Discarded(reason)
	}
	ev.Metrics = map[string]float64{
		"risk":       risk,
		"bound":      c.RHS,
		"risk_ratio": risk / c.RHS,
		"df":         df,
		"tau":        tau,
	}
	return ev
}

func lsrFrob2(a *mat.Dense) float64 {
	r, _ := a.Dims()
	terms := make([]float64, r)
	for i := 0; i < r; i++ {
		terms[i] = numeric.Norm2Sq(a.RawRowView(i))
	}
	return numeric.Sum(terms)
}
