package algorithms

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// FactorTrajectory is a run on a NOP problem: the balancedness B_t at every iterate, the
// iterates themselves when kept, and the exact gradient counts.
type FactorTrajectory struct {
	// X, Y hold the T+1 iterates when the run kept them (nil otherwise).
	X, Y []*mat.Dense
	// B holds B_t = ½(‖X_t‖_F² − ‖Y_t‖_F²) for t = 0, …, T.
	B []float64
	// GradEvals and ComponentGrads are the sums of the steps' counts.
	GradEvals, ComponentGrads int
}

// InnerTrajectory is a run on an OP problem, as FactorTrajectory.
type InnerTrajectory struct {
	X, Y                      [][]float64
	B                         []float64
	GradEvals, ComponentGrads int
}

// RunFactor runs T steps from copies of (X0, Y0): step(t, X, Y, w) must update X and Y in
// place (e.g. by calling SAMFactorStep with the t-th step size and minibatch). keep records
// every iterate; B_t and the gradient counts are always recorded. Only the records
// allocate; the steps reuse one FactorWork.
func RunFactor(X0, Y0 *mat.Dense, T int, keep bool, step func(t int, X, Y *mat.Dense, w *FactorWork)) *FactorTrajectory {
	d1, r := X0.Dims()
	d2, _ := Y0.Dims()
	X, Y := mat.DenseCopyOf(X0), mat.DenseCopyOf(Y0)
	w := NewFactorWork(d1, d2, r)
	tr := &FactorTrajectory{B: make([]float64, 0, T+1)}
	record := func() {
		tr.B = append(tr.B, FactorBalancedness(X, Y))
		if keep {
			tr.X = append(tr.X, mat.DenseCopyOf(X))
			tr.Y = append(tr.Y, mat.DenseCopyOf(Y))
		}
	}
	record()
	for t := 0; t < T; t++ {
		step(t, X, Y, w)
		tr.GradEvals += w.GradEvals
		tr.ComponentGrads += w.ComponentGrads
		record()
	}
	return tr
}

// RunInner runs T steps on an OP problem from copies of (x0, y0), as RunFactor.
func RunInner(x0, y0 []float64, T int, keep bool, step func(t int, x, y []float64, w *InnerWork)) *InnerTrajectory {
	x := append([]float64(nil), x0...)
	y := append([]float64(nil), y0...)
	w := NewInnerWork(len(x0))
	tr := &InnerTrajectory{B: make([]float64, 0, T+1)}
	record := func() {
		tr.B = append(tr.B, InnerBalancedness(x, y))
		if keep {
			tr.X = append(tr.X, append([]float64(nil), x...))
			tr.Y = append(tr.Y, append([]float64(nil), y...))
		}
	}
	record()
	for t := 0; t < T; t++ {
		step(t, x, y, w)
		tr.GradEvals += w.GradEvals
		tr.ComponentGrads += w.ComponentGrads
		record()
	}
	return tr
}

// batchAt returns batches[t], or nil (full batch) when batches is nil.
func batchAt(batches [][]int, t, T int, fn string) []int {
	if batches == nil {
		return nil
	}
	if len(batches) != T {
		panic(fmt.Sprintf("algorithms: %s: %d minibatches for %d steps", fn, len(batches), T))
	}
	return batches[t]
}

// SGDFactor runs SGD on f(XYᵀ) with steps[t] and minibatches[t] (nil: full-batch GD).
func SGDFactor(f MatrixLoss, X0, Y0 *mat.Dense, steps []float64, batches [][]int, keep bool) *FactorTrajectory {
	T := len(steps)
	return RunFactor(X0, Y0, T, keep, func(t int, X, Y *mat.Dense, w *FactorWork) {
		SGDFactorStep(f, X, Y, steps[t], batchAt(batches, t, T, "SGDFactor"), w)
	})
}

// SAMFactor runs SAM on f(XYᵀ) with steps[t], radius rho and minibatches[t] (nil: full batch).
func SAMFactor(f MatrixLoss, X0, Y0 *mat.Dense, steps []float64, rho float64, batches [][]int, keep bool) *FactorTrajectory {
	T := len(steps)
	return RunFactor(X0, Y0, T, keep, func(t int, X, Y *mat.Dense, w *FactorWork) {
		SAMFactorStep(f, X, Y, steps[t], rho, batchAt(batches, t, T, "SAMFactor"), w)
	})
}

// BARFactor runs nBAR or oBAR (variant NBAR or OBAR) on SGD for f(XYᵀ) with α_t =
// alpha.At(t).
func BARFactor(variant string, f MatrixLoss, X0, Y0 *mat.Dense, steps []float64, alpha AlphaSchedule, batches [][]int, keep bool) *FactorTrajectory {
	T := len(steps)
	return RunFactor(X0, Y0, T, keep, func(t int, X, Y *mat.Dense, w *FactorWork) {
		barFactorStep(variant, f, X, Y, steps[t], alpha.At(t), batchAt(batches, t, T, "BARFactor"), w)
	})
}

// SGDInner runs SGD on f(⟨x, y⟩).
func SGDInner(f ScalarLoss, x0, y0 []float64, steps []float64, batches [][]int, keep bool) *InnerTrajectory {
	T := len(steps)
	return RunInner(x0, y0, T, keep, func(t int, x, y []float64, w *InnerWork) {
		SGDInnerStep(f, x, y, steps[t], batchAt(batches, t, T, "SGDInner"), w)
	})
}

// SAMInner runs SAM on f(⟨x, y⟩).
func SAMInner(f ScalarLoss, x0, y0 []float64, steps []float64, rho float64, batches [][]int, keep bool) *InnerTrajectory {
	T := len(steps)
	return RunInner(x0, y0, T, keep, func(t int, x, y []float64, w *InnerWork) {
		SAMInnerStep(f, x, y, steps[t], rho, batchAt(batches, t, T, "SAMInner"), w)
	})
}

// BARInner runs nBAR or oBAR on SGD for f(⟨x, y⟩).
func BARInner(variant string, f ScalarLoss, x0, y0 []float64, steps []float64, alpha AlphaSchedule, batches [][]int, keep bool) *InnerTrajectory {
	T := len(steps)
	return RunInner(x0, y0, T, keep, func(t int, x, y []float64, w *InnerWork) {
		barInnerStep(variant, f, x, y, steps[t], alpha.At(t), batchAt(batches, t, T, "BARInner"), w)
	})
}
