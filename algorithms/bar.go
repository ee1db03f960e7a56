package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// BAR (balancedness-aware regularisation, Li, Zhang, He NeurIPS 2024, Alg. 2 and 3) mimics
// SAM's balancing with one gradient per step: a multiplicative rescaling of the two blocks,
// applied like decoupled weight decay, then the base optimiser's step (here SGD) with the
// gradient computed at the start of the step:
//
//	nBAR  if ‖g_x‖ ≥ ‖g_y‖:  x ← (1 + αη)x, y ← (1 − αη)y;  otherwise the reverse
//	oBAR  if ‖x‖ ≥ ‖y‖:      x ← (1 − αη)x, y ← (1 + αη)y;  otherwise the reverse
//	then  x⁺ = x_rescaled − η·g_x,  y⁺ = y_rescaled − η·g_y
//
// with g_x, g_y the minibatch gradients at the unrescaled (x, y) and α = α_t from an
// AlphaSchedule. Norms are Frobenius norms of the LoRA factors. nBAR follows the NOP analysis
// (Thm 2 with A_t dropped), oBAR the OP analysis (Thm 3); both run on either problem class.

// BAR variants.
const (
	NBAR = "nBAR" // branch on ‖g_x‖ ≥ ‖g_y‖ (Alg. 2)
	OBAR = "oBAR" // branch on ‖x‖ ≥ ‖y‖ (Alg. 3)
)

// α schedules (the paper: α_t decreases from μ_0 on a linear or cosine schedule; constant on
// some GLUE tasks).
const (
	AlphaConstant = "constant" // α_t = μ_0
	AlphaLinear   = "linear"   // α_t = μ_0·(1 − t/T)
	AlphaCosine   = "cosine"   // α_t = μ_0·(1 + cos(πt/T))/2
)

// AlphaSchedule gives BAR's α_t for t = 0, …, T−1.
type AlphaSchedule struct {
	Kind string
	Mu0  float64
	// T is the horizon over which the linear and cosine schedules decay to 0.
	T int
}

// At returns α_t. It panics on an unknown kind or, for a decaying kind, T < 1.
func (s AlphaSchedule) At(t int) float64 {
	switch s.Kind {
	case AlphaConstant:
		return s.Mu0
	case AlphaLinear, AlphaCosine:
		if s.T < 1 {
			panic(fmt.Sprintf("algorithms: AlphaSchedule %s with T = %d", s.Kind, s.T))
		}
		frac := float64(t) / float64(s.T)
		if s.Kind == AlphaLinear {
			return s.Mu0 * (1 - frac)
		}
		return s.Mu0 * (1 + math.Cos(math.Pi*frac)) / 2
	}
	panic(fmt.Sprintf("algorithms: unknown α schedule %q", s.Kind))
}

// barScales returns (ScaleX, ScaleY) for a BAR step whose branch condition is xFirst:
// nBAR's ‖g_x‖ ≥ ‖g_y‖ grows x; oBAR's ‖x‖ ≥ ‖y‖ shrinks x.
func barScales(variant string, cond bool, a float64) (sx, sy float64) {
	switch variant {
	case NBAR:
		if cond {
			return 1 + a, 1 - a
		}
		return 1 - a, 1 + a
	case OBAR:
		if cond {
			return 1 - a, 1 + a
		}
		return 1 + a, 1 - a
	}
	panic(fmt.Sprintf("algorithms: unknown BAR variant %q", variant))
}

// NBARFactorStep is one nBAR step on SGD for f(XYᵀ) with α = alpha: one gradient evaluation.
func NBARFactorStep(f MatrixLoss, X, Y *mat.Dense, eta, alpha float64, batch []int, w *FactorWork) {
	barFactorStep(NBAR, f, X, Y, eta, alpha, batch, w)
}

// OBARFactorStep is one oBAR step on SGD for f(XYᵀ) with α = alpha: one gradient evaluation.
func OBARFactorStep(f MatrixLoss, X, Y *mat.Dense, eta, alpha float64, batch []int, w *FactorWork) {
	barFactorStep(OBAR, f, X, Y, eta, alpha, batch, w)
}

func barFactorStep(variant string, f MatrixLoss, X, Y *mat.Dense, eta, alpha float64, batch []int, w *FactorWork) {
	checkFactorShapes(f, X, Y, w, "BARFactorStep")
	w.begin(batch)
	w.factorGrad(f, X, Y, batch)
	w.setUnperturbed(X, Y)
	w.DX.Copy(w.GX)
	w.DY.Copy(w.GY)
	var cond bool
	if variant == NBAR {
		cond = numeric.FrobNorm(w.GX) >= numeric.FrobNorm(w.GY)
	} else {
		cond = numeric.FrobNorm(X) >= numeric.FrobNorm(Y)
	}
	w.Alpha = alpha
	w.ScaleX, w.ScaleY = barScales(variant, cond, alpha*eta)
	scaleDense(X, w.ScaleX)
	scaleDense(Y, w.ScaleY)
	axpyDense(X, -eta, w.DX)
	axpyDense(Y, -eta, w.DY)
}

// NBARInnerStep is one nBAR step on SGD for f(⟨x, y⟩): ‖g_x‖ = |f′|‖y‖, ‖g_y‖ = |f′|‖x‖.
func NBARInnerStep(f ScalarLoss, x, y []float64, eta, alpha float64, batch []int, w *InnerWork) {
	barInnerStep(NBAR, f, x, y, eta, alpha, batch, w)
}

// OBARInnerStep is one oBAR step on SGD for f(⟨x, y⟩).
func OBARInnerStep(f ScalarLoss, x, y []float64, eta, alpha float64, batch []int, w *InnerWork) {
	barInnerStep(OBAR, f, x, y, eta, alpha, batch, w)
}

func barInnerStep(variant string, f ScalarLoss, x, y []float64, eta, alpha float64, batch []int, w *InnerWork) {
	checkInnerShapes(x, y, w, "BARInnerStep")
	w.begin(batch)
	w.W = numeric.Dot(x, y)
	w.D = w.innerDeriv(f, w.W, batch)
	w.setUnperturbed(x, y)
	numeric.ScaleTo(w.DX, w.D, y)
	numeric.ScaleTo(w.DY, w.D, x)
	var cond bool
	if variant == NBAR {
		cond = numeric.Norm2(w.DX) >= numeric.Norm2(w.DY)
	} else {
		cond = numeric.Norm2(x) >= numeric.Norm2(y)
	}
	w.Alpha = alpha
	w.ScaleX, w.ScaleY = barScales(variant, cond, alpha*eta)
	numeric.ScaleTo(x, w.ScaleX, x)
	numeric.ScaleTo(y, w.ScaleY, y)
	numeric.Axpy(x, -eta, w.DX)
	numeric.Axpy(y, -eta, w.DY)
}
