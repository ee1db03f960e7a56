package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Scale-invariant problems (Li, Zhang, He, NeurIPS 2024): the loss depends on two blocks of
// variables only through a product, so (αX, Y/α) has the same loss for every α ≠ 0, and the
// balancedness B = ½(‖X‖_F² − ‖Y‖_F²) is what an optimiser's implicit regularisation acts on.
//
//	NOP (non-overparametrised)  min f(XYᵀ),   X ∈ R^{d1×r}, Y ∈ R^{d2×r}, f on d1×d2 matrices
//	OP  (overparametrised)      min f(⟨x, y⟩), x, y ∈ R^d,               f on scalars
//
// r = 1 is the paper's vector problem f(xyᵀ); r > 1 is LoRA's X Yᵀ with Frobenius norms.
// Losses may be finite sums f = (1/K)Σ_k f_k: every step takes the minibatch B (indices in
// [0, K); nil means all K) and uses f_B = (1/|B|)Σ_{k∈B} f_k for every gradient of the step.
//
// Steps update the iterate in place and write what they did into a work record
// (FactorWork, InnerWork) that the caller allocates once: the step functions allocate
// nothing. The record holds the quantities the balancedness identities are written in
// (g_x, g_y, u, x̃, ỹ, f′, f̃′, the update direction) and counts gradient evaluations exactly.

// MatrixLoss is the outer loss f of a NOP problem min f(XYᵀ), a finite sum of K ≥ 1
// components. It sees W = XYᵀ only through its factors, so that it need never form the
// d1×d2 matrices W or G = ∇f_B(W): a squared loss to a low-rank target applies G to a d2×k
// matrix in O((d1 + d2)·r·k) operations.
//
// Implementations keep scratch space, so a MatrixLoss is for one goroutine at a time.
type MatrixLoss interface {
	// Dims returns (d1, d2), the shape of W.
	Dims() (d1, d2 int)
	// Components returns K ≥ 1.
	Components() int
	// Value returns f_B(XYᵀ) (batch nil: all components).
	Value(X, Y *mat.Dense, batch []int) float64
	// GradMul sets GM ← G·M (d1×k, M d2×k) and GtN ← Gᵀ·N (d2×k', N d1×k') with
	// G = ∇f_B(XYᵀ) the gradient of f_B at W = XYᵀ. Either output may be nil (not computed).
	// Outputs must not alias any input. It must not allocate once it has seen the shapes
	// (steps call it with k = k' = r).
	GradMul(GM, GtN, X, Y, M, N *mat.Dense, batch []int)
}

// ScalarLoss is the outer loss f of an OP problem min f(⟨x, y⟩), a finite sum of K ≥ 1
// components of one real variable.
type ScalarLoss interface {
	// Components returns K ≥ 1.
	Components() int
	// Value returns f_B(w) (batch nil: all components).
	Value(w float64, batch []int) float64
	// Deriv returns f_B′(w).
	Deriv(w float64, batch []int) float64
}

// ScalarLoss2 is a ScalarLoss with a second derivative (Lemma 1 of the paper: the sharpness
// at a minimiser is f″(w)(‖x‖² + ‖y‖²)).
type ScalarLoss2 interface {
	ScalarLoss
	// Deriv2 returns f_B″(w).
	Deriv2(w float64, batch []int) float64
}

// DenseGradient returns G = ∇f_B(XYᵀ) as a dense d1×d2 matrix, computed as G·I through
// GradMul. It allocates; it is meant for small instances and tests.
func DenseGradient(f MatrixLoss, X, Y *mat.Dense, batch []int) *mat.Dense {
	d1, d2 := f.Dims()
	id := mat.NewDense(d2, d2, nil)
	for i := 0; i < d2; i++ {
		id.Set(i, i, 1)
	}
	G := mat.NewDense(d1, d2, nil)
	f.GradMul(G, nil, X, Y, id, nil, batch)
	return G
}

// FactorBalancedness returns B = ½(‖X‖_F² − ‖Y‖_F²).
func FactorBalancedness(X, Y *mat.Dense) float64 {
	return (numeric.FrobNorm2(X) - numeric.FrobNorm2(Y)) / 2
}

// InnerBalancedness returns B = ½(‖x‖² − ‖y‖²).
func InnerBalancedness(x, y []float64) float64 {
	return (numeric.Norm2Sq(x) - numeric.Norm2Sq(y)) / 2
}

// FactorWork is the scratch space of the NOP steps and, after a step, its record. Every
// step leaves
//
//	X⁺ = ScaleX·X − η·DX,   Y⁺ = ScaleY·Y − η·DY
//
// with the direction (DX, DY) evaluated at the point (XT, YT):
//
//	method            GX, GY             U                    XT, YT            DX, DY                 ScaleX, ScaleY
//	SGD               GY, GᵀX at (X, Y)  0                    X, Y              GX, GY                 1, 1
//	normalised SGD    GY, GᵀX            1/√(‖g_x‖²+‖g_y‖²)   X, Y              U·GX, U·GY             1, 1
//	SAM               GY, GᵀX            1/√(‖g_x‖²+‖g_y‖²)   X + ρU·GX, …      G̃ỸT, G̃ᵀXT              1, 1
//	m-sharpness SAM   last micro-batch   last micro-batch     last micro-batch  mean over micro-batches 1, 1
//	nBAR, oBAR        GY, GᵀX            0                    X, Y              GX, GY                 1 ± αη
//
// where G = ∇f_B(XYᵀ) and G̃ = ∇f_B(XT·YTᵀ) on the same minibatch B. Matrices are views of
// the work's own storage, overwritten by the next step.
type FactorWork struct {
	// Batch is the minibatch of the step (the caller's slice; nil: all components). For
	// m-sharpness SAM it is nil and Micro holds the micro-batches.
	Batch []int
	Micro [][]int
	// GX, GY are g_x = G·Y (d1×r) and g_y = Gᵀ·X (d2×r) at the step's starting point.
	GX, GY *mat.Dense
	// U is the normalisation 1/√(‖g_x‖_F² + ‖g_y‖_F²) (SAM, normalised SGD), else 0.
	U float64
	// MicroU holds u_j for each micro-batch of an m-sharpness step.
	MicroU []float64
	// XT, YT is the point where the direction was evaluated (x̃, ỹ for SAM).
	XT, YT *mat.Dense
	// DX, DY is the update direction (G̃ỹ, G̃ᵀx̃ for SAM).
	DX, DY *mat.Dense
	// Alpha is BAR's α_t (0 otherwise); ScaleX, ScaleY the rescaling applied to X, Y.
	Alpha, ScaleX, ScaleY float64
	// GradEvals counts the gradient-oracle calls of the step (one minibatch gradient each:
	// SGD, normalised SGD and BAR 1, SAM 2, m-sharpness SAM 2m); ComponentGrads counts the
	// component gradients they cost (Σ|B| over the calls, K for a full batch).
	GradEvals, ComponentGrads int

	accX, accY *mat.Dense // m-sharpness accumulators
}

// NewFactorWork allocates the work space for X ∈ R^{d1×r}, Y ∈ R^{d2×r}.
func NewFactorWork(d1, d2, r int) *FactorWork {
	if d1 < 1 || d2 < 1 || r < 1 {
		panic(fmt.Sprintf("algorithms: NewFactorWork(%d, %d, %d): dimensions must be ≥ 1", d1, d2, r))
	}
	return &FactorWork{
		GX: mat.NewDense(d1, r, nil), GY: mat.NewDense(d2, r, nil),
		XT: mat.NewDense(d1, r, nil), YT: mat.NewDense(d2, r, nil),
		DX: mat.NewDense(d1, r, nil), DY: mat.NewDense(d2, r, nil),
	}
}

// InnerWork is the scratch space of the OP steps and, after a step, its record. Every step
// leaves x⁺ = ScaleX·x − η·DX, y⁺ = ScaleY·y − η·DY:
//
//	method            W, D             U                      XT, YT, WT, DT                DX, DY
//	SGD               xᵀy, f′_B(W)     0                      x, y, W, D                    D·y, D·x
//	normalised SGD    xᵀy, f′_B(W)     sgn(D)/√(‖x‖²+‖y‖²)    x, y, W, D                    U·y, U·x (= g/‖g‖)
//	SAM               xᵀy, f′_B(W)     sgn(D)/√(‖x‖²+‖y‖²)    x+ρU·y, y+ρU·x, x̃ᵀỹ, f′_B(WT)  DT·ỹ, DT·x̃
//	m-sharpness SAM   (per micro-batch in MicroU, MicroD)      last micro-batch              mean of DT_j·(ỹ_j, x̃_j)
//	nBAR, oBAR        xᵀy, f′_B(W)     0                      x, y, W, D                    D·y, D·x
//
// (Normalised SGD divides by ‖∇‖ = |f′|·√(‖x‖² + ‖y‖²), so its direction is U·(y, x).)
type InnerWork struct {
	Batch []int
	Micro [][]int
	// W = ⟨x, y⟩ and D = f_B′(W) at the step's starting point.
	W, D float64
	// U is the SAM (or normalised SGD) factor, 0 otherwise.
	U float64
	// MicroU and MicroD hold u_j and f̃′_j per micro-batch of an m-sharpness step.
	MicroU, MicroD []float64
	// XT, YT, WT = ⟨XT, YT⟩ and DT = f_B′(WT): the point where the derivative of the update
	// was evaluated.
	XT, YT []float64
	WT, DT float64
	// DX, DY is the update direction.
	DX, DY []float64
	// Alpha is BAR's α_t; ScaleX, ScaleY the rescaling applied to x, y.
	Alpha, ScaleX, ScaleY float64
	// GradEvals and ComponentGrads count derivative-oracle calls and the component
	// derivatives they cost, as in FactorWork.
	GradEvals, ComponentGrads int
}

// NewInnerWork allocates the work space for x, y ∈ R^d.
func NewInnerWork(d int) *InnerWork {
	if d < 1 {
		panic(fmt.Sprintf("algorithms: NewInnerWork(%d): dimension must be ≥ 1", d))
	}
	return &InnerWork{
		XT: make([]float64, d), YT: make([]float64, d),
		DX: make([]float64, d), DY: make([]float64, d),
	}
}

// FactorSGDMethod is the signature of one SGD-type step on a NOP problem: update X, Y in
// place with step η on minibatch batch and record it in w. SGDFactorStep is ours; a user's
// implementation with this signature can be checked by the balancedness theorems.
type FactorSGDMethod func(f MatrixLoss, X, Y *mat.Dense, eta float64, batch []int, w *FactorWork)

// FactorSAMMethod is the signature of one SAM step on a NOP problem (SAMFactorStep).
type FactorSAMMethod func(f MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *FactorWork)

// InnerSGDMethod is the signature of one SGD-type step on an OP problem (SGDInnerStep).
type InnerSGDMethod func(f ScalarLoss, x, y []float64, eta float64, batch []int, w *InnerWork)

// InnerSAMMethod is the signature of one SAM step on an OP problem (SAMInnerStep).
type InnerSAMMethod func(f ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *InnerWork)

// batchCost is the number of component gradients one oracle call on batch costs.
func batchCost(nComponents int, batch []int) int {
	if batch == nil {
		return nComponents
	}
	return len(batch)
}

func (w *FactorWork) begin(batch []int) {
	w.Batch, w.Micro = batch, nil
	w.U, w.Alpha, w.ScaleX, w.ScaleY = 0, 0, 1, 1
	w.MicroU = w.MicroU[:0]
	w.GradEvals, w.ComponentGrads = 0, 0
}

func (w *InnerWork) begin(batch []int) {
	w.Batch, w.Micro = batch, nil
	w.U, w.Alpha, w.ScaleX, w.ScaleY = 0, 0, 1, 1
	w.MicroU, w.MicroD = w.MicroU[:0], w.MicroD[:0]
	w.GradEvals, w.ComponentGrads = 0, 0
}

// factorGrad records g_x = G·Y, g_y = Gᵀ·X at (X, Y) on batch: one oracle call.
func (w *FactorWork) factorGrad(f MatrixLoss, X, Y *mat.Dense, batch []int) {
	f.GradMul(w.GX, w.GY, X, Y, Y, X, batch)
	w.GradEvals++
	w.ComponentGrads += batchCost(f.Components(), batch)
}

// innerDeriv returns f_B′(w): one oracle call.
func (w *InnerWork) innerDeriv(f ScalarLoss, v float64, batch []int) float64 {
	w.GradEvals++
	w.ComponentGrads += batchCost(f.Components(), batch)
	return f.Deriv(v, batch)
}

func checkFactorShapes(f MatrixLoss, X, Y *mat.Dense, w *FactorWork, fn string) {
	d1, d2 := f.Dims()
	xr, xc := X.Dims()
	yr, yc := Y.Dims()
	wr, wc := w.GX.Dims()
	if xr != d1 || yr != d2 || xc != yc || wr != d1 || wc != xc {
		panic(fmt.Sprintf("algorithms: %s: X %d×%d, Y %d×%d, work %d×r=%d for a %d×%d loss", fn, xr, xc, yr, yc, wr, wc, d1, d2))
	}
}

func checkInnerShapes(x, y []float64, w *InnerWork, fn string) {
	if len(x) != len(y) || len(w.XT) != len(x) {
		panic(fmt.Sprintf("algorithms: %s: len(x) = %d, len(y) = %d, work for d = %d", fn, len(x), len(y), len(w.XT)))
	}
}

// SGDFactorStep is one (minibatch) gradient step on f(XYᵀ): X⁺ = X − η·G·Y, Y⁺ = Y − η·Gᵀ·X
// with G = ∇f_B(XYᵀ) — both blocks from the same point and the same minibatch (batch nil is
// full-batch GD). One gradient evaluation.
func SGDFactorStep(f MatrixLoss, X, Y *mat.Dense, eta float64, batch []int, w *FactorWork) {
	checkFactorShapes(f, X, Y, w, "SGDFactorStep")
	w.begin(batch)
	w.factorGrad(f, X, Y, batch)
	w.setUnperturbed(X, Y)
	w.DX.Copy(w.GX)
	w.DY.Copy(w.GY)
	axpyDense(X, -eta, w.DX)
	axpyDense(Y, -eta, w.DY)
}

// NormalizedSGDFactorStep is one stochastic normalised gradient step (the paper's SNGD,
// Thm 4): (X, Y)⁺ = (X, Y) − η·(g_x, g_y)/√(‖g_x‖_F² + ‖g_y‖_F²). One gradient evaluation.
// A zero gradient gives a non-finite U and iterate (the direction is undefined).
func NormalizedSGDFactorStep(f MatrixLoss, X, Y *mat.Dense, eta float64, batch []int, w *FactorWork) {
	checkFactorShapes(f, X, Y, w, "NormalizedSGDFactorStep")
	w.begin(batch)
	w.factorGrad(f, X, Y, batch)
	w.U = 1 / math.Hypot(numeric.FrobNorm(w.GX), numeric.FrobNorm(w.GY))
	w.setUnperturbed(X, Y)
	w.DX.Scale(w.U, w.GX)
	w.DY.Scale(w.U, w.GY)
	axpyDense(X, -eta, w.DX)
	axpyDense(Y, -eta, w.DY)
}

// SGDInnerStep is one (minibatch) gradient step on f(⟨x, y⟩): x⁺ = x − η·f′·y,
// y⁺ = y − η·f′·x with f′ = f_B′(⟨x, y⟩). One gradient evaluation.
func SGDInnerStep(f ScalarLoss, x, y []float64, eta float64, batch []int, w *InnerWork) {
	checkInnerShapes(x, y, w, "SGDInnerStep")
	w.begin(batch)
	w.W = numeric.Dot(x, y)
	w.D = w.innerDeriv(f, w.W, batch)
	w.setUnperturbed(x, y)
	numeric.ScaleTo(w.DX, w.D, y)
	numeric.ScaleTo(w.DY, w.D, x)
	numeric.Axpy(x, -eta, w.DX)
	numeric.Axpy(y, -eta, w.DY)
}

// NormalizedSGDInnerStep is one stochastic normalised gradient step on f(⟨x, y⟩):
// (x, y)⁺ = (x, y) − η·∇/‖∇‖, ∇ = f′·(y, x), i.e. the direction sgn(f′)·(y, x)/√(‖x‖² + ‖y‖²).
// One gradient evaluation.
func NormalizedSGDInnerStep(f ScalarLoss, x, y []float64, eta float64, batch []int, w *InnerWork) {
	checkInnerShapes(x, y, w, "NormalizedSGDInnerStep")
	w.begin(batch)
	w.W = numeric.Dot(x, y)
	w.D = w.innerDeriv(f, w.W, batch)
	w.U = numeric.Sign(w.D) / math.Hypot(numeric.Norm2(x), numeric.Norm2(y))
	w.setUnperturbed(x, y)
	numeric.ScaleTo(w.DX, w.U, y)
	numeric.ScaleTo(w.DY, w.U, x)
	numeric.Axpy(x, -eta, w.DX)
	numeric.Axpy(y, -eta, w.DY)
}

// setUnperturbed records the point the step starts from (XT, YT).
func (w *FactorWork) setUnperturbed(X, Y *mat.Dense) {
	w.XT.Copy(X)
	w.YT.Copy(Y)
}

// setUnperturbed records the point the step starts from (XT, YT, WT, DT).
func (w *InnerWork) setUnperturbed(x, y []float64) {
	copy(w.XT, x)
	copy(w.YT, y)
	w.WT, w.DT = w.W, w.D
}

// axpyDense sets dst ← dst + alpha·x (same shapes), row by row, without allocating.
func axpyDense(dst *mat.Dense, alpha float64, x *mat.Dense) {
	r, c := dst.Dims()
	for i := 0; i < r; i++ {
		numeric.Axpy(dst.RawRowView(i)[:c], alpha, x.RawRowView(i)[:c])
	}
}

// axpyToDense sets dst ← alpha·x + y (same shapes), row by row.
func axpyToDense(dst *mat.Dense, alpha float64, x, y *mat.Dense) {
	r, c := dst.Dims()
	for i := 0; i < r; i++ {
		numeric.AxpyTo(dst.RawRowView(i)[:c], alpha, x.RawRowView(i)[:c], y.RawRowView(i)[:c])
	}
}

// scaleDense sets dst ← alpha·dst.
func scaleDense(dst *mat.Dense, alpha float64) {
	r, c := dst.Dims()
	for i := 0; i < r; i++ {
		row := dst.RawRowView(i)[:c]
		numeric.ScaleTo(row, alpha, row)
	}
}
