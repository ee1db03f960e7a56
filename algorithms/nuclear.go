package algorithms

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Minimum-nuclear-norm matrix completion, the convex baseline of THEOREMS.md §3
// (low-rank/depth):
//
//	OPT = min ‖X‖_*  subject to  X_ij = M_ij for (i, j) ∈ Ω.
//
// The solver is ADMM on the split min ‖X‖_* + ι(Z_Ω = M_Ω) s.t. X = Z, with the scaled
// multiplier U and over-relaxation α (Boyd et al. 2011, §3.4.3):
//
//	X ← SVT_{1/ρ}(Z − U)          (singular value thresholding: the prox of ‖·‖_*/ρ)
//	X̂ ← αX + (1 − α)Z
//	Z ← X̂ + U off Ω, M on Ω       (projection onto the affine set)
//	U ← U + X̂ − Z.
//
// U stays exactly zero off Ω (there Z = X̂ + U), so Y = −U is supported on Ω at every
// iteration; at a fixed point −ρU ∈ ∂‖X‖_* is an optimal dual solution (for α = 1, −ρU is at
// every iteration the restriction to Ω of the subgradient that the thresholding produces).
// Weak duality turns any such Y into a lower bound, with no assumption on convergence: for
// every feasible X,
//
//	⟨Y, M⟩_Ω = ⟨Y, X⟩ ≤ ‖Y‖₂‖X‖_*,  hence  ⟨Y, M⟩_Ω / ‖Y‖₂ ≤ OPT.
//
// The upper bound is the nuclear norm of Z, which is exactly feasible. Both bounds are
// certified against rounding (see nuclearNormUpper and nuclearDualLower), so Primal − Dual
// bounds the suboptimality of the returned X whatever the iterates did.

// NuclearOptions configures MinNuclearCompletion.
type NuclearOptions struct {
	MaxIter int     // ADMM iterations; default 5000 when 0
	GapTol  float64 // stop when the certified relative gap (Primal−Dual)/Primal ≤ GapTol; default 1e-6
	// Rho is the ADMM penalty in the units of 1/X. 0 = automatic: ρ starts at 1/(0.05·σ_1(P_Ω M))
	// and is then adapted by residual balancing (Boyd et al. 2011, §3.4.1); a positive Rho is
	// used as given, without adaptation.
	Rho float64
	// CheckEvery is the number of iterations between certifications (two values-only SVDs,
	// about a third of an iteration at 100×100); default 10 when 0. The last iteration is
	// always certified.
	CheckEvery int
	// Visit, if set, is called after every certification with the iteration count and the
	// best certified bounds so far; returning false stops the solver.
	Visit func(iter int, primal, dual float64) bool
}

// NuclearResult is a certified minimum-nuclear-norm completion.
type NuclearResult struct {
	X          *mat.Dense // feasible: X_Ω = M_Ω exactly
	Primal     float64    // certified upper bound on ‖X‖_* (hence on OPT)
	Dual       float64    // certified lower bound on OPT
	Gap        float64    // Primal − Dual ≥ 0 rounded up: certified bound on ‖X‖_* − OPT
	RelGap     float64    // Gap/Primal rounded up (0 when Primal = 0)
	Iterations int        // ADMM iterations run
	// Certified: Dual is a valid lower bound from an evaluated dual certificate. Always true
	// in a returned result (the last iteration is always certified and nothing uncertified
	// is returned); kept so that callers can assert it.
	Certified bool
	Rho       float64 // the final ADMM penalty, in the units of 1/X
}

// MinNuclearCompletion minimises ‖X‖_* subject to X_Ω = M_Ω for the observed entries of c
// (c.Weight is ignored) and returns the best feasible X found with certified bounds: Primal
// is the smallest certified ‖Z‖_* over the certified iterates (nuclearNormUpper), Dual the
// largest weak-duality bound (nuclearDualLower), possibly from different iterations.
// Not reaching GapTol within MaxIter is not an error: the gap reached is reported.
//
// Errors: a nil or empty completion, malformed or repeated entries, non-finite values or
// options, a failed SVD, and bounds that contradict each other (Primal < Dual, which the
// rounding model rules out). When the failure comes after a successful certification the
// result certified so far is returned beside the error.
func MinNuclearCompletion(c *Completion, opt NuclearOptions) (*NuclearResult, error) {
	if err := nuclearValidate(c, opt); err != nil {
		return nil, err
	}
	maxIter, tol, every := opt.MaxIter, opt.GapTol, opt.CheckEvery
	if maxIter == 0 {
		maxIter = 5000
	}
	if tol == 0 {
		tol = 1e-6
	}
	if every == 0 {
		every = 10
	}
	a := newNuclearADMM(c, opt.Rho)
	res := &NuclearResult{}
	certified := false // a certification has succeeded
	xOrig := mat.NewDense(a.rows, a.cols, nil)
	yBuf := mat.NewDense(a.rows, a.cols, nil)
	y := make([]float64, len(a.u))
	partial := func() *NuclearResult {
		if certified {
			return res
		}
		return nil
	}
	for it := 1; it <= maxIter; it++ {
		if !a.step() {
			return partial(), fmt.Errorf("nuclear: SVD failed at iteration %d; %s", it, nuclearSoFar(res, certified))
		}
		if it%every != 0 && it != maxIter {
			continue
		}
		// Certify in the caller's units: X = 2^e·Z off Ω and M itself on Ω.
		zd, xd := a.Z.RawMatrix().Data, xOrig.RawMatrix().Data
		for p, v := range zd {
			xd[p] = math.Ldexp(v, a.exp)
		}
		for k, p := range a.idx {
			xd[p] = c.M[k]
		}
		primal, ok := nuclearNormUpper(xOrig)
		if !ok {
			return partial(), fmt.Errorf("nuclear: SVD of the feasible iterate failed at iteration %d; %s", it, nuclearSoFar(res, certified))
		}
		for k, v := range a.u {
			y[k] = -v
		}
		dual, ok := nuclearDualLower(a.idx, y, c.M, yBuf)
		if !ok {
			return partial(), fmt.Errorf("nuclear: spectral norm of the dual certificate failed at iteration %d; %s", it, nuclearSoFar(res, certified))
		}
		if !certified || primal < res.Primal {
			if res.X == nil {
				res.X = mat.NewDense(a.rows, a.cols, nil)
			}
			res.X.Copy(xOrig)
			res.Primal = primal
		}
		if !certified || dual > res.Dual {
			res.Dual = dual
		}
		certified = true
		res.Certified = true
		res.Iterations = it
		res.Rho = math.Ldexp(a.rho, -a.exp)
		res.Gap = nuclearSubUp(res.Primal, res.Dual)
		if res.Gap < 0 {
			return res, fmt.Errorf("nuclear: inconsistent certificate at iteration %d: primal bound %v below dual bound %v", it, res.Primal, res.Dual)
		}
		res.RelGap = 0
		if res.Primal > 0 {
			res.RelGap = numeric.DivUp(res.Gap, res.Primal)
		}
		if opt.Visit != nil && !opt.Visit(it, res.Primal, res.Dual) {
			break
		}
		if res.RelGap <= tol {
			break
		}
	}
	return res, nil
}

// nuclearSoFar describes the bounds certified before a failure.
func nuclearSoFar(res *NuclearResult, certified bool) string {
	if !certified {
		return "nothing certified yet"
	}
	return fmt.Sprintf("certified so far: primal %v, dual %v, gap %v after %d iterations", res.Primal, res.Dual, res.Gap, res.Iterations)
}

// nuclearValidate rejects inputs the solver cannot certify.
func nuclearValidate(c *Completion, opt NuclearOptions) error {
	if c == nil {
		return errors.New("nuclear: nil completion")
	}
	rows, cols := c.Dims()
	if rows < 1 || cols < 1 {
		return fmt.Errorf("nuclear: shape %d×%d must be at least 1×1", rows, cols)
	}
	if len(c.I) == 0 {
		return errors.New("nuclear: no observed entries")
	}
	if len(c.I) != len(c.J) || len(c.I) != len(c.M) {
		return fmt.Errorf("nuclear: %d rows, %d columns and %d values for the observed entries", len(c.I), len(c.J), len(c.M))
	}
	seen := make(map[int]bool, len(c.I))
	for k := range c.I {
		i, j := c.I[k], c.J[k]
		if i < 0 || i >= rows || j < 0 || j >= cols {
			return fmt.Errorf("nuclear: entry (%d, %d) outside %d×%d", i, j, rows, cols)
		}
		if seen[i*cols+j] {
			return fmt.Errorf("nuclear: entry (%d, %d) observed twice", i, j)
		}
		seen[i*cols+j] = true
		if math.IsNaN(c.M[k]) || math.IsInf(c.M[k], 0) {
			return fmt.Errorf("nuclear: value %v at (%d, %d) is not finite", c.M[k], i, j)
		}
	}
	if opt.MaxIter < 0 {
		return fmt.Errorf("nuclear: MaxIter %d must be non-negative", opt.MaxIter)
	}
	if opt.CheckEvery < 0 {
		return fmt.Errorf("nuclear: CheckEvery %d must be non-negative", opt.CheckEvery)
	}
	if !(opt.GapTol >= 0) || math.IsInf(opt.GapTol, 0) {
		return fmt.Errorf("nuclear: GapTol %v must be finite and non-negative", opt.GapTol)
	}
	if !(opt.Rho >= 0) || math.IsInf(opt.Rho, 0) {
		return fmt.Errorf("nuclear: Rho %v must be finite and non-negative", opt.Rho)
	}
	return nil
}

// The factorisations, as variables so that tests can make them fail.
var (
	nuclearSVD            = (*numeric.SVDWork).SVD
	nuclearSingularValues = numeric.SingularValues
)

// nuclearADMM is the ADMM state, in units rescaled by 2^−exp so that the largest observed
// |M_ij| lies in [½, 1) (exact, and far from overflow and underflow whatever the caller's
// scale).
type nuclearADMM struct {
	rows, cols int
	exp        int
	idx        []int     // row-major flat index of each observed entry
	m          []float64 // observed values, rescaled
	omega      []bool    // omega[p]: flat index p is observed
	Z, X, W    *mat.Dense
	u          []float64 // the scaled multiplier U on Ω (U is zero off Ω)
	rho        float64
	autoRho    bool // choose ρ from the first SVD, then balance residuals
	primalRes  float64
	dualRes    float64
	svd        numeric.SVDWork // the step's SVD workspace: an iteration allocates nothing
}

const (
	// Residual balancing (Boyd et al. 2011, eq. 3.13): multiply or divide ρ by
	// nuclearRhoScale when one residual exceeds nuclearBalance times the other.
	nuclearBalance  = 10
	nuclearRhoScale = 2
	// nuclearTauFrac sets the automatic starting threshold 1/ρ = nuclearTauFrac·σ_1(P_Ω M).
	nuclearTauFrac = 0.05
	// nuclearAlpha is the over-relaxation factor (Boyd et al. 2011, §3.4.3; 1.5–1.8 is the
	// usual range): it cut iterations 2–2.5× against α = 1 on 100×100 and 30×30 instances.
	nuclearAlpha = 1.6
)

func newNuclearADMM(c *Completion, rho float64) *nuclearADMM {
	rows, cols := c.Dims()
	a := &nuclearADMM{rows: rows, cols: cols,
		idx: make([]int, len(c.I)), m: make([]float64, len(c.I)), omega: make([]bool, rows*cols),
		Z: mat.NewDense(rows, cols, nil), X: mat.NewDense(rows, cols, nil), W: mat.NewDense(rows, cols, nil),
		u: make([]float64, len(c.I))}
	maxAbs := numeric.NormInf(c.M)
	if maxAbs > 0 {
		_, a.exp = math.Frexp(maxAbs)
	}
	zd := a.Z.RawMatrix().Data
	for k := range c.I {
		p := c.I[k]*cols + c.J[k]
		a.idx[k], a.omega[p] = p, true
		a.m[k] = math.Ldexp(c.M[k], -a.exp)
		zd[p] = a.m[k]
	}
	if rho > 0 {
		a.rho = math.Ldexp(rho, a.exp)
	} else {
		a.autoRho = true
	}
	return a
}

// step runs one ADMM iteration; false if the SVD failed.
func (a *nuclearADMM) step() bool {
	zd, wd, xd := a.Z.RawMatrix().Data, a.W.RawMatrix().Data, a.X.RawMatrix().Data
	copy(wd, zd)
	for k, p := range a.idx {
		wd[p] -= a.u[k]
	}
	U, s, V, ok := nuclearSVD(&a.svd, a.W)
	if !ok {
		return false
	}
	if a.autoRho && a.rho == 0 { // automatic start: threshold a fixed fraction of the top singular value
		a.rho = 1
		if s[0] > 0 {
			a.rho = 1 / (nuclearTauFrac * s[0])
		}
	}
	tau := 1 / a.rho
	r := 0
	for r < len(s) && s[r] > tau {
		r++
	}
	if r == 0 {
		a.X.Zero()
	} else {
		// X = Σ_{l<r} (σ_l − τ)·u_l v_lᵀ by rows: rows·cols·r multiply-adds, with no
		// allocation (gonum's Mul would start its parallel Dgemm for these sizes).
		ud, vd := U.RawMatrix(), V.RawMatrix()
		for i := 0; i < a.rows; i++ {
			urow := ud.Data[i*ud.Stride : i*ud.Stride+r]
			for l := range urow {
				urow[l] *= s[l] - tau
			}
			xrow := xd[i*a.cols : (i+1)*a.cols]
			for j := range xrow {
				vrow := vd.Data[j*vd.Stride : j*vd.Stride+r]
				var sum float64
				for l, v := range vrow {
					sum += urow[l] * v
				}
				xrow[j] = sum
			}
		}
	}
	// Over-relaxation X̂ = αX + (1 − α)Z; Z⁺ = X̂ off Ω (U is zero there), M on Ω;
	// U⁺ = U + X̂ − Z⁺ changes on Ω only. Residuals: primal ‖X − Z⁺‖_F, dual ρ‖Z⁺ − Z‖_F.
	const alpha = nuclearAlpha
	var r2, s2 float64
	for p, x := range xd {
		if !a.omega[p] {
			d := x - zd[p]
			s2 += alpha * alpha * d * d
			r2 += (1 - alpha) * (1 - alpha) * d * d
			zd[p] += alpha * d
		}
	}
	for k, p := range a.idx {
		d := xd[p] - a.m[k]
		r2 += d * d
		a.u[k] += alpha * d
	}
	a.primalRes, a.dualRes = math.Sqrt(r2), a.rho*math.Sqrt(s2)
	if a.autoRho {
		// Keep Λ = ρU fixed while ρ changes.
		switch {
		case a.primalRes > nuclearBalance*a.dualRes:
			a.rho *= nuclearRhoScale
			numeric.ScaleTo(a.u, 1.0/nuclearRhoScale, a.u)
		case a.dualRes > nuclearBalance*a.primalRes:
			a.rho /= nuclearRhoScale
			numeric.ScaleTo(a.u, nuclearRhoScale, a.u)
		}
	}
	return true
}

// nuclearNormUpper returns a certified upper bound on ‖A‖_* = Σσ_i(A) (A finite, not empty).
//
// Model (the one internal/numeric states for its SVD-based routines): the computed σ̂_i are
// the exact singular values of A + E with ‖E‖₂ ≤ p·Eps·‖A‖₂, p = 8n + 4, n = max(rows, cols)
// (backward stability of Householder bidiagonalisation and implicit QR). Then
//
//	‖A‖_* ≤ ‖A + E‖_* + ‖E‖_* ≤ Σσ̂_i + k·‖E‖₂            (rank E ≤ k = min(rows, cols)),
//	‖E‖₂ ≤ p·Eps·(σ̂_1 + ‖E‖₂) ⇒ ‖E‖₂ ≤ (p + 1)·Eps·σ̂_1   (p(p + 1)·Eps < 1),
//
// and numeric.SVD factors a power-of-two rescaled copy whose largest entry, at most σ_1, lies
// in [½, 1): absolute underflow errors near 2⁻¹⁰²² there are below 2⁻¹⁰⁰⁰·Eps·σ_1, covered by
// one more unit of p. The computed left-to-right sum of k non-negative terms is at least
// (1 − γ_{k−1}) times the exact one, so the exact Σσ̂_i ≤ fl(Σσ̂_i)·(1 + k·Eps). The result,
// every operation rounded up, is
//
//	fl(Σσ̂_i)·(1 + k·Eps) + k·(8n + 6)·Eps·σ̂_1,
//
// about 2e-11·σ_1 above Σσ̂_i at 100×100.
func nuclearNormUpper(a *mat.Dense) (float64, bool) {
	s, ok := nuclearSingularValues(a)
	if !ok {
		return math.NaN(), false
	}
	r, c := a.Dims()
	n, k := max(r, c), len(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	if sum == 0 {
		return 0, true // numeric.SVD returns exact zeros for the zero matrix only
	}
	kk := float64(k)
	body := numeric.MulUp(sum, 1+kk*numeric.Eps)
	slack := numeric.MulUp(kk, numeric.MulUp(float64(8*n+6)*numeric.Eps, s[0]))
	return math.Nextafter(body+slack, math.Inf(1)), true
}

// nuclearDualLower returns a certified lower bound on OPT from the certificate Y supported
// on Ω with Y_{idx[k]} = y[k] (buf, rows×cols, is overwritten). By weak duality
// ⟨Y, M⟩_Ω/‖Y‖₂ ≤ OPT for every Y ≠ 0 on Ω; OPT ≥ 0 covers the rest.
//
// Y is first rescaled by a power of two so that max|y| ∈ [½, 1) (the bound is
// scale-invariant, and the rescaled values are used throughout, so underflow in the rescaling
// only changes which certificate is evaluated). The inner product of n = |Ω| terms, summed
// left to right, satisfies |fl(Σy_k m_k) − Σy_k m_k| ≤ γ_n·Σ|y_k m_k| (Higham, Accuracy and
// Stability, eq. 3.5), and fl(Σ|y_k m_k|) ≥ (1 − γ_n)·Σ|y_k m_k|, so the error is at most
// γ_n/(1 − γ_n)·fl(Σ|y_k m_k|) = nu/(1 − 2nu)·fl(…) ≤ n·Eps·fl(Σ|y_k m_k|) (u = Eps/2,
// nu ≤ ¼); products that underflow add at most 2⁻¹⁰⁷⁵ each, bounded by n·2⁻¹⁰⁷⁴. ‖Y‖₂ is
// bounded above by numeric.SpectralNorm followed by numeric.CertifyUpper(·, max(rows, cols))
// (the backward-error model above). Numerator rounded down, denominator up, quotient down.
func nuclearDualLower(idx []int, y, m []float64, buf *mat.Dense) (float64, bool) {
	maxAbs := numeric.NormInf(y)
	if maxAbs == 0 {
		return 0, true
	}
	if math.IsNaN(maxAbs) || math.IsInf(maxAbs, 0) {
		return math.NaN(), false
	}
	_, e := math.Frexp(maxAbs)
	buf.Zero()
	bd := buf.RawMatrix().Data
	var dot, abs float64
	for k, p := range idx {
		v := math.Ldexp(y[k], -e)
		bd[p] = v
		t := v * m[k]
		dot += t
		abs += math.Abs(t)
	}
	if math.IsInf(abs, 0) {
		return math.NaN(), false
	}
	n := float64(len(idx))
	err := math.Nextafter(numeric.MulUp(n*numeric.Eps, abs)+n*0x1p-1074, math.Inf(1))
	num := math.Nextafter(dot-err, math.Inf(-1))
	if !(num > 0) {
		return 0, true
	}
	r, c := buf.Dims()
	norm, ok := numeric.SpectralNorm(buf)
	if !ok {
		return math.NaN(), false
	}
	norm = numeric.CertifyUpper(norm, max(r, c))
	if !(norm > 0) || math.IsInf(norm, 0) {
		return math.NaN(), false
	}
	return numeric.DivDown(num, norm), true
}

// nuclearSubUp returns a double ≥ a − b (exact difference) for finite a, b: the difference
// rounded to nearest, moved up one ulp when the exact rounding error (Knuth's TwoSum) shows
// it was rounded down.
func nuclearSubUp(a, b float64) float64 {
	s := a - b
	bb := s - a
	if e := (a - (s - bb)) + (-b - bb); e > 0 {
		s = math.Nextafter(s, math.Inf(1))
	}
	return s
}
