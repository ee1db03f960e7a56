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

// Shared machinery of the balancedness family (THEOREMS.md §2). The one-step identities are
// checked along short trajectories: the theorem runs the method one step at a time, then
// recomputes, from the paper's definitions and with the loss's own oracle, every quantity the
// identity is written in (g_x, g_y, u, x̃, ỹ, G̃ products, f′, f̃′) and compares them with
// the method's record (so that the record can be trusted by the flow theorems) and with its
// iterate. The identity itself is judged with the paper's u and the method's X⁺, Y⁺, so a
// method that normalises, signs or batches differently fails the claim too, not only a
// bookkeeping step.
//
// Rounding is judged against the magnitudes of the terms: ‖a‖‖b‖ for an inner product
// ⟨a, b⟩, and for a product with the gradient G·M the loss's GradScale S (the magnitude of
// the terms G is computed from; G itself may cancel to ≈ 0 near a fit), so |G·M| counts as
// ‖G·M‖ + S‖M‖. For OP losses f′'s magnitude is DerivScale(w) + L·Σ|x_i y_i| (the rounding of
// w = ⟨x, y⟩ passes through f′ with slope ≤ L).

// Sizes (THEOREMS.md gives no ranges for §2; these keep 100 checks well under a second).
const (
	balMaxD = 5 // d1, d2 (NOP) and d (OP)
	balMaxK = 4 // components of the finite sum
	balMaxR = 3 // LoRA rank r
	balMaxT = 6 // steps per trajectory (each checked)

	balControlMaxD = 3
	balControlMaxK = 3
	balControlMaxR = 2
	balControlMaxT = 3
)

// balTooLarge is where a run is discarded as having blown up: the identities' terms are
// squares of iterates and products of four of them, which overflow near 1e154.
const balTooLarge = 1e60

// balUnderflow bounds the absolute error that underflow adds to one inner product or norm:
// below the normal range every product errs by up to 2⁻¹⁰⁷⁴ whatever its operands, and an
// inner product here sums fewer than 2¹⁴ of them. The relative band cannot see it when the
// result is multiplied afterwards by a large factor (ρu with u = 1/‖g‖ is unbounded on NOP,
// η can be large), so steps add balUnderflow times the factors they apply.
const balUnderflow = 0x1p-1060

// balOPUnderflow is the underflow slack of an OP step: the computed scalars (w = xᵀy, norms,
// inner products) err by at most balUnderflow each, f′ by L times that through w, and the
// step multiplies them by at most (1 + η(1 + F)(1 + ρ|u|))² with F the magnitude of f′.
func balOPUnderflow(eta, F, L, ru float64) float64 {
	a := 1 + eta*(1+F)*(1+math.Abs(ru))
	return balUnderflow * (1 + L) * a * a
}

// Discard reasons (fixed strings, so that reports aggregate them).
const (
	balDiscardBlowUp    = "iterates beyond 1e60: the step is too large for the run (terms would overflow)"
	balDiscardBlowUpSAM = "iterates beyond 1e60, or u or ηρu beyond 1e150 (gradient or ‖(x, y)‖ negligible): terms would overflow"
	balDiscardZeroGrad  = "zero gradient: the SAM normalisation u is undefined (Assumption 1)"
	balDiscardLambda    = "local smoothness Λ_0 outside [1e-100, 1e100] (e.g. X0 = Y0 = 0 with G = 0): no step scale"
)

// balGradScaler is implemented by matrix losses that know the magnitude of the terms their
// gradient is computed from (generators.FactorLoss does).
type balGradScaler interface {
	GradScale(X, Y *mat.Dense, batch []int) float64
}

// balDerivScaler is the same for scalar losses.
type balDerivScaler interface {
	DerivScale(w float64, batch []int) float64
}

// balGradScale returns S at (X, Y) on batch: the loss's GradScale, or ‖G‖_F (computed
// densely) for a loss that does not provide it.
func balGradScale(f algorithms.MatrixLoss, X, Y *mat.Dense, batch []int) float64 {
	if s, ok := f.(balGradScaler); ok {
		return s.GradScale(X, Y, batch)
	}
	return numeric.FrobNorm(algorithms.DenseGradient(f, X, Y, batch))
}

// balDerivMag returns the magnitude of f_B′ at w = ⟨x, y⟩ including the rounding of w.
func balDerivMag(f algorithms.ScalarLoss, L float64, x, y []float64, w float64, batch []int) float64 {
	var s float64
	if ds, ok := f.(balDerivScaler); ok {
		s = ds.DerivScale(w, batch)
	} else {
		s = math.Abs(f.Deriv(w, batch))
	}
	var xy float64
	for i, v := range x {
		xy += math.Abs(v * y[i])
	}
	return s + L*xy
}

// balProducts returns (G·M, Gᵀ·N) with G = ∇f_B(XYᵀ), from the loss's oracle.
func balProducts(f algorithms.MatrixLoss, X, Y, M, N *mat.Dense, batch []int) (GM, GtN *mat.Dense) {
	d1, d2 := f.Dims()
	_, k := M.Dims()
	_, k2 := N.Dims()
	GM, GtN = mat.NewDense(d1, k, nil), mat.NewDense(d2, k2, nil)
	f.GradMul(GM, GtN, X, Y, M, N, batch)
	return GM, GtN
}

// balDot returns ⟨A, B⟩_F.
func balDot(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	var s float64
	for i := 0; i < r; i++ {
		s += numeric.Dot(a.RawRowView(i)[:c], b.RawRowView(i)[:c])
	}
	return s
}

// balDist returns ‖A − B‖_F.
func balDist(a, b *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(a, b)
	return numeric.FrobNorm(&d)
}

// balAxpy returns alpha·X + Y (a new matrix).
func balAxpy(alpha float64, x, y *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.Scale(alpha, x)
	out.Add(&out, y)
	return &out
}

func balVecAxpy(alpha float64, x, y []float64) []float64 {
	out := make([]float64, len(x))
	numeric.AxpyTo(out, alpha, x, y)
	return out
}

func balVecDist(a, b []float64) float64 {
	d := make([]float64, len(a))
	numeric.SubTo(d, a, b)
	return numeric.Norm2(d)
}

// balHuge reports whether any value is non-finite or beyond balTooLarge.
func balHuge(vs ...float64) bool {
	for _, v := range vs {
		if !(math.Abs(v) <= balTooLarge) {
			return true
		}
	}
	return false
}

// balRun is what a drawn NOP or OP run has besides its loss and start: the start's kind,
// the minibatches, the step regime, η, ρ, T, the local smoothness Λ_0 and ‖(X_0, Y_0)‖.
type balRun struct {
	start           string
	batches         [][]int
	batchKind       string
	regime          string
	eta, rho        float64
	T               int
	lambda, normXY0 float64
}

// drawSteps completes a draw whose start, minibatches, T, Λ_0 = d.lambda and ‖(X_0, Y_0)‖ =
// d.normXY0 are set: it discards an out-of-range Λ_0, draws η relative to 1/Λ_0 in
// etaRegime, then, unless normCheck(d.normXY0) names a reason to discard, ρ relative to
// ‖(X_0, Y_0)‖ in rhoRegime when sam. It returns the discard reason, or "".
func (d *balRun) drawSteps(t *rapid.T, etaRegime, rhoRegime string, sam bool, normCheck func(float64) string) string {
	if !(d.lambda >= 1e-100 && d.lambda <= 1e100) {
		return balDiscardLambda
	}
	d.eta = generators.DrawScaleInvStep(t, d.lambda, etaRegime)
	if reason := normCheck(d.normXY0); reason != "" {
		return reason
	}
	if sam {
		d.rho = generators.DrawSAMRadius(t, d.normXY0, rhoRegime)
	}
	return ""
}

// balSAMNonzero is balDrawFactor's and balDrawInner's normCheck: SAM needs a nonzero start.
func balSAMNonzero(sam bool, start string) func(float64) string {
	return func(norm float64) string {
		if sam && norm == 0 {
			return start + " = 0: the SAM gradient is 0 (Assumption 1)"
		}
		return ""
	}
}

func (d *balRun) batch(t int) []int {
	if d.batches == nil {
		return nil
	}
	return d.batches[t]
}

// describe ends an instance description: T, the minibatches, the regime, η and ρ (start
// names the start's variables, e.g. "(X0, Y0)").
func (d *balRun) describe(start string) string {
	s := fmt.Sprintf("; T = %d, minibatches %s", d.T, d.batchKind)
	if d.batches != nil {
		s += fmt.Sprintf(" %v", d.batches)
	}
	s += fmt.Sprintf("; regime %s, η = %g (ηΛ_0 = %.3g)", d.regime, d.eta, d.eta*d.lambda)
	if d.rho > 0 {
		s += fmt.Sprintf(", ρ = %g (ρ/‖%s‖ = %.3g)", d.rho, start, d.rho/d.normXY0)
	}
	return s
}

// balFactorDraw is a drawn NOP instance and run.
type balFactorDraw struct {
	f      generators.FactorLoss
	X0, Y0 *mat.Dense
	balRun
}

func (d *balFactorDraw) String() string {
	r := d.X0.RawMatrix().Cols
	return fmt.Sprintf("%v; r = %d; start %s X0 = %s, Y0 = %s", d.f, r, d.start, balFmtMat(d.X0), balFmtMat(d.Y0)) +
		d.describe("(X0, Y0)")
}

func balFmtMat(a *mat.Dense) string {
	r, c := a.Dims()
	if r*c > 24 {
		return fmt.Sprintf("(%d×%d, ‖·‖_F = %.4g)", r, c, numeric.FrobNorm(a))
	}
	return fmt.Sprintf("%v", mat.Formatted(a, mat.FormatPython()))
}

// balDrawFactor draws a NOP loss, a rank r, a start, a horizon, minibatches, a regime, η
// relative to the local smoothness Λ_0 = L_max(‖X0‖² + ‖Y0‖²) + S_0 at the start, and (when
// sam) ρ relative to ‖(X0, Y0)‖.
func balDrawFactor(t *rapid.T, maxD, maxK, maxR, maxT int, sam bool) (*balFactorDraw, string) {
	f, err := generators.DrawFactorLoss(t, maxD, maxK)
	if err != nil {
		reason, _ := generators.IsDegenerate(err)
		if reason == "" {
			panic(err)
		}
		return nil, reason
	}
	d1, d2 := f.Dims()
	r := rapid.IntRange(1, maxR).Draw(t, "r")
	X0, Y0, start := generators.DrawFactorStart(t, d1, d2, r)
	T := generators.DrawHorizon(t, maxT)
	batches, bkind := generators.DrawMinibatches(t, f.Components(), T)
	regime := generators.DrawRegime(t)
	dr := &balFactorDraw{f: f, X0: X0, Y0: Y0, balRun: balRun{start: start, batches: batches, batchKind: bkind, regime: regime, T: T,
		lambda:  generators.FactorLocalSmoothness(f.ComponentSmoothness(), X0, Y0, f.GradScale(X0, Y0, nil)),
		normXY0: math.Hypot(numeric.FrobNorm(X0), numeric.FrobNorm(Y0))}}
	if reason := dr.drawSteps(t, regime, regime, sam, balSAMNonzero(sam, "X0 = Y0")); reason != "" {
		return nil, reason
	}
	return dr, ""
}

// balInnerDraw is a drawn OP instance and run.
type balInnerDraw struct {
	f      *generators.ScalarTarget
	x0, y0 []float64
	balRun
}

func (d *balInnerDraw) String() string {
	return fmt.Sprintf("%v; start %s x0 = %v, y0 = %v", d.f, d.start, d.x0, d.y0) + d.describe("(x0, y0)")
}

// balDrawInner draws an OP loss, d, a start, a horizon, minibatches, a regime, η relative to
// Λ_0 = L(‖x0‖² + ‖y0‖²) + |f′| at the start and (when sam) ρ relative to ‖(x0, y0)‖.
func balDrawInner(t *rapid.T, maxD, maxK, maxT int, sam bool) (*balInnerDraw, string) {
	f, err := generators.DrawScalarTarget(t, maxK)
	if err != nil {
		reason, _ := generators.IsDegenerate(err)
		if reason == "" {
			panic(err)
		}
		return nil, reason
	}
	d := rapid.IntRange(1, maxD).Draw(t, "d")
	x0, y0, start := generators.DrawInnerStart(t, d)
	T := generators.DrawHorizon(t, maxT)
	batches, bkind := generators.DrawMinibatches(t, f.Components(), T)
	regime := generators.DrawRegime(t)
	dr := &balInnerDraw{f: f, x0: x0, y0: y0, balRun: balRun{start: start, batches: batches, batchKind: bkind, regime: regime, T: T,
		lambda:  generators.InnerLocalSmoothness(f.Smoothness(), x0, y0, f.DerivScale(numeric.Dot(x0, y0), nil)),
		normXY0: math.Hypot(numeric.Norm2(x0), numeric.Norm2(y0))}}
	if reason := dr.drawSteps(t, regime, regime, sam, balSAMNonzero(sam, "x0 = y0")); reason != "" {
		return nil, reason
	}
	return dr, ""
}

// balOtherBatch is the minibatch a "different minibatches" mutant uses for its second
// gradient: every index shifted by one (mod K), or component 0 alone for the full batch.
func balOtherBatch(K int, batch []int) []int {
	if batch == nil {
		return []int{0}
	}
	out := make([]int, len(batch))
	for i, k := range batch {
		out[i] = (k + 1) % K
	}
	return out
}

// balNonQuadratic is a metric: 1 for a non-quadratic loss, so that reports show the share of
// checks run on non-quadratic losses.
func balNonQuadratic(quadratic bool) float64 {
	if quadratic {
		return 0
	}
	return 1
}

// balPaperNOP and balPaperOP are the paper's noiseless toy problems (App. A.4): the NOP
// target diag(0.5, 0, 0) and the OP target 0.5, from x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, full
// batch, η = 1e-4, for T steps with SAM radius rho (0 for the SGD-type theorems).
func balPaperNOP(T int, rho float64) *balFactorDraw {
	f, err := generators.PaperNOP(0, nil)
	if err != nil {
		panic(err)
	}
	x0, y0 := generators.PaperStart()
	return &balFactorDraw{f: f, X0: mat.NewDense(3, 1, x0), Y0: mat.NewDense(3, 1, y0), balRun: balRun{start: generators.StartPaper,
		batchKind: generators.BatchFull, regime: "paper", eta: 1e-4, rho: rho, T: T, lambda: 1,
		normXY0: math.Hypot(numeric.Norm2(x0), numeric.Norm2(y0))}}
}

func balPaperOP(T int, rho float64) *balInnerDraw {
	f, err := generators.PaperOP(0, nil)
	if err != nil {
		panic(err)
	}
	x0, y0 := generators.PaperStart()
	return &balInnerDraw{f: f, x0: x0, y0: y0, balRun: balRun{start: generators.StartPaper, batchKind: generators.BatchFull,
		regime: "paper", eta: 1e-4, rho: rho, T: T, lambda: 1, normXY0: math.Hypot(numeric.Norm2(x0), numeric.Norm2(y0))}}
}
