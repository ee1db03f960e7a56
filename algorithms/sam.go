package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// SAM (sharpness-aware minimisation, Foret et al. 2021) exactly as Li, Zhang, He (NeurIPS
// 2024, Alg. 1, eqs. (4) and (7)) analyse it: the ascent perturbation is the minibatch
// gradient normalised JOINTLY over both blocks, ε = ρ·∇h_B(w)/‖∇h_B(w)‖ with w = (x, y), and
// the descent gradient is taken at w + ε on the SAME minibatch:
//
//	NOP  u = 1/√(‖g_x‖² + ‖g_y‖²), x̃ = x + ρu·g_x, ỹ = y + ρu·g_y, G̃ = ∇f_B(x̃ỹᵀ),
//	     x⁺ = x − η·G̃ỹ, y⁺ = y − η·G̃ᵀx̃
//	OP   u = sgn(f′)/√(‖x‖² + ‖y‖²), x̃ = x + ρu·y, ỹ = y + ρu·x, f̃′ = f_B′(⟨x̃, ỹ⟩),
//	     x⁺ = x − η·f̃′ỹ, y⁺ = y − η·f̃′x̃
//
// (for OP, ∇h = f′·(y, x) has norm |f′|·√(‖x‖² + ‖y‖²), hence the sign in u). Two gradient
// evaluations per step. A zero minibatch gradient leaves the direction undefined (the
// paper's Assumption 1 excludes it): U and the iterate become non-finite.

// SAMFactorStep is one SAM step on f(XYᵀ) (matrix form: Frobenius norms; r = 1 is the
// paper's eq. (4)). It records g_x, g_y, u, (x̃, ỹ) in (XT, YT) and (G̃ỹ, G̃ᵀx̃) in (DX, DY),
// and allocates nothing.
func SAMFactorStep(f MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *FactorWork) {
	checkFactorShapes(f, X, Y, w, "SAMFactorStep")
	w.begin(batch)
	w.samPerturb(f, X, Y, rho, batch)
	f.GradMul(w.DX, w.DY, w.XT, w.YT, w.YT, w.XT, batch)
	w.GradEvals++
	w.ComponentGrads += batchCost(f.Components(), batch)
	axpyDense(X, -eta, w.DX)
	axpyDense(Y, -eta, w.DY)
}

// samPerturb computes g_x, g_y on batch, u, and the perturbed point (XT, YT).
func (w *FactorWork) samPerturb(f MatrixLoss, X, Y *mat.Dense, rho float64, batch []int) {
	w.factorGrad(f, X, Y, batch)
	w.U = 1 / math.Hypot(numeric.FrobNorm(w.GX), numeric.FrobNorm(w.GY))
	axpyToDense(w.XT, rho*w.U, w.GX, X)
	axpyToDense(w.YT, rho*w.U, w.GY, Y)
}

// MSAMFactorStep is one m-sharpness SAM step on f(XYᵀ): the minibatch is split into the
// micro-batches micro[0..m−1]; each gets its own normalised perturbation and perturbed
// gradient, and the update uses their mean,
//
//	X⁺ = X − (η/m)·Σ_j G̃_j·Ỹ_j,   Y⁺ = Y − (η/m)·Σ_j G̃_jᵀ·X̃_j.
//
// 2m gradient evaluations. With one micro-batch it is SAMFactorStep. It records u_j in
// MicroU and the last micro-batch's g_x, g_y, x̃, ỹ; the first m-sharpness step on a work
// allocates its two accumulators (and MicroU grows to m), later ones allocate nothing.
func MSAMFactorStep(f MatrixLoss, X, Y *mat.Dense, eta, rho float64, micro [][]int, w *FactorWork) {
	checkFactorShapes(f, X, Y, w, "MSAMFactorStep")
	if len(micro) == 0 {
		panic("algorithms: MSAMFactorStep: no micro-batches")
	}
	w.begin(nil)
	w.Micro = micro
	if w.accX == nil {
		w.accX = mat.NewDense(w.DX.RawMatrix().Rows, w.DX.RawMatrix().Cols, nil)
		w.accY = mat.NewDense(w.DY.RawMatrix().Rows, w.DY.RawMatrix().Cols, nil)
	}
	w.accX.Zero()
	w.accY.Zero()
	for _, mb := range micro {
		w.samPerturb(f, X, Y, rho, mb)
		w.MicroU = append(w.MicroU, w.U)
		f.GradMul(w.DX, w.DY, w.XT, w.YT, w.YT, w.XT, mb)
		w.GradEvals++
		w.ComponentGrads += batchCost(f.Components(), mb)
		axpyDense(w.accX, 1, w.DX)
		axpyDense(w.accY, 1, w.DY)
	}
	m := float64(len(micro))
	w.DX.Scale(1/m, w.accX)
	w.DY.Scale(1/m, w.accY)
	axpyDense(X, -eta, w.DX)
	axpyDense(Y, -eta, w.DY)
}

// SAMInnerStep is one SAM step on f(⟨x, y⟩) (the paper's eq. (7)). It records W, D = f′, u,
// x̃, ỹ, WT = ⟨x̃, ỹ⟩, DT = f̃′ and the direction (f̃′ỹ, f̃′x̃), and allocates nothing.
func SAMInnerStep(f ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *InnerWork) {
	checkInnerShapes(x, y, w, "SAMInnerStep")
	w.begin(batch)
	w.samPerturb(f, x, y, rho, batch)
	numeric.ScaleTo(w.DX, w.DT, w.YT)
	numeric.ScaleTo(w.DY, w.DT, w.XT)
	numeric.Axpy(x, -eta, w.DX)
	numeric.Axpy(y, -eta, w.DY)
}

// samPerturb computes W, D, u, the perturbed point and DT = f_B′(⟨x̃, ỹ⟩) on batch.
func (w *InnerWork) samPerturb(f ScalarLoss, x, y []float64, rho float64, batch []int) {
	w.W = numeric.Dot(x, y)
	w.D = w.innerDeriv(f, w.W, batch)
	w.U = numeric.Sign(w.D) / math.Hypot(numeric.Norm2(x), numeric.Norm2(y))
	numeric.AxpyTo(w.XT, rho*w.U, y, x)
	numeric.AxpyTo(w.YT, rho*w.U, x, y)
	w.WT = numeric.Dot(w.XT, w.YT)
	w.DT = w.innerDeriv(f, w.WT, batch)
}

// MSAMInnerStep is one m-sharpness SAM step on f(⟨x, y⟩) (the paper's Lemma 3): per
// micro-batch j, u_j = sgn(f_j′)/√(‖x‖² + ‖y‖²), x̃_j = x + ρu_j·y, ỹ_j = y + ρu_j·x,
// f̃_j′ = f_j′(⟨x̃_j, ỹ_j⟩); then x⁺ = x − (η/m)Σ_j f̃_j′ỹ_j, y⁺ = y − (η/m)Σ_j f̃_j′x̃_j.
// 2m gradient evaluations; u_j and f̃_j′ are recorded in MicroU and MicroD (which grow to m
// on the first call and are reused after).
func MSAMInnerStep(f ScalarLoss, x, y []float64, eta, rho float64, micro [][]int, w *InnerWork) {
	checkInnerShapes(x, y, w, "MSAMInnerStep")
	if len(micro) == 0 {
		panic("algorithms: MSAMInnerStep: no micro-batches")
	}
	w.begin(nil)
	w.Micro = micro
	for i := range w.DX {
		w.DX[i], w.DY[i] = 0, 0
	}
	for _, mb := range micro {
		w.samPerturb(f, x, y, rho, mb)
		w.MicroU = append(w.MicroU, w.U)
		w.MicroD = append(w.MicroD, w.DT)
		numeric.Axpy(w.DX, w.DT, w.YT)
		numeric.Axpy(w.DY, w.DT, w.XT)
	}
	m := float64(len(micro))
	numeric.ScaleTo(w.DX, 1/m, w.DX)
	numeric.ScaleTo(w.DY, 1/m, w.DY)
	numeric.Axpy(x, -eta, w.DX)
	numeric.Axpy(y, -eta, w.DY)
}

// SplitMicroBatches splits batch (nil: 0..K−1) into m contiguous micro-batches of sizes
// differing by at most one, for m-sharpness. It panics unless 1 ≤ m ≤ the batch size.
func SplitMicroBatches(batch []int, K, m int) [][]int {
	if batch == nil {
		batch = make([]int, K)
		for i := range batch {
			batch[i] = i
		}
	}
	if m < 1 || m > len(batch) {
		panic(fmt.Sprintf("algorithms: SplitMicroBatches: m = %d for a batch of %d", m, len(batch)))
	}
	out := make([][]int, m)
	n := len(batch)
	for j := range out {
		out[j] = batch[j*n/m : (j+1)*n/m]
	}
	return out
}
