package algorithms

import (
	"fmt"
	"math/rand/v2"
)

// FiniteSum is an objective of the form f = (1/n) Σ_{i<n} f_i on R^d, the setting of SGD
// with uniform sampling.
//
// Component returns f_i as an Objective rather than exposing ComponentGrad(i, dst, x) so that
// each f_i is a full Objective: a theorem can evaluate its value and gradient, and any code
// written for an Objective (gradient descent, a user's optimiser, a test suite) works on it
// unchanged. The price is one interface call per stochastic gradient, which is negligible
// against the O(d) gradient itself.
//
// Implementations should build their components once and return stored values from
// Component: SGD calls it once per step, and its hot loop (SGDIterate) allocates nothing only
// if Component does not either (a struct converted to an interface on each call allocates).
type FiniteSum interface {
	// Dim is d, the length of every point; every component has this dimension.
	Dim() int
	// N is n ≥ 1, the number of components.
	N() int
	// Component returns f_i for 0 ≤ i < N(). It must be cheap and must not allocate.
	Component(i int) Objective
}

// SGDIterate runs θ_{t+1} = θ_t − η_t ∇f_{i_t}(θ_t) for t < len(steps) with i_t =
// indices[t], starting from x (overwritten with θ_T) and using grad as scratch (len d).
// visit, when non-nil, sees θ_{t+1} after each step; it must not keep x.
//
// The caller chooses the indices, so a run is deterministic and can be replayed from its
// index sequence alone. It allocates nothing when f.Component does not, which makes it the
// loop benchmarks measure. The update is written exactly as in GradientDescentIterate, so a
// one-component sum reproduces gradient descent bit for bit.
//
// It panics if len(indices) != len(steps), if an index is outside [0, f.N()), or if x or
// grad do not have length f.Dim(): those are programming errors, not numerical failures.
func SGDIterate(f FiniteSum, x, grad []float64, steps []float64, indices []int, visit func(t int, x []float64)) {
	n := f.N()
	if len(indices) != len(steps) {
		panic(fmt.Sprintf("algorithms: SGDIterate: %d indices for %d steps", len(indices), len(steps)))
	}
	if len(x) != f.Dim() || len(grad) != f.Dim() {
		panic(fmt.Sprintf("algorithms: SGDIterate: len(x) = %d, len(grad) = %d, want Dim() = %d", len(x), len(grad), f.Dim()))
	}
	for t, eta := range steps {
		i := indices[t]
		if i < 0 || i >= n {
			panic(fmt.Sprintf("algorithms: SGDIterate: index %d at step %d outside [0, %d)", i, t, n))
		}
		f.Component(i).Grad(grad, x)
		for j, g := range grad {
			x[j] -= eta * g
		}
		if visit != nil {
			visit(t, x)
		}
	}
}

// SGD runs stochastic gradient descent on f from x0 with step η_t = steps[t] and sampled
// component i_t = indices[t], and records the whole trajectory. GradEvals counts stochastic
// gradients (one per step). The index sequence is the caller's so that the run is
// replayable: draw it with SGDRandom, enumerate all of them with EnumerateSGDPaths, or
// construct adversarial ones.
func SGD(f FiniteSum, x0 []float64, steps []float64, indices []int) *Trajectory {
	sgdCheckSum(f, "SGD")
	sgdCheckLen(f, x0, "SGD", "x0")
	tr := newTrajectory(x0, len(steps))
	copy(tr.Steps, steps)
	x := make([]float64, len(x0))
	copy(x, x0)
	grad := make([]float64, len(x0))
	SGDIterate(f, x, grad, steps, indices, func(t int, x []float64) {
		copy(tr.Iterates[t+1], x)
	})
	tr.GradEvals = len(steps)
	return tr
}

// SGDRandom runs SGD with i_t drawn independently and uniformly from {0, …, n−1}: exactly
// one rng.IntN(n) per step, drawn in order before the run, so the same seed gives the same
// path. It returns the trajectory and the indices it drew (to replay with SGD).
func SGDRandom(f FiniteSum, x0 []float64, steps []float64, rng *rand.Rand) (*Trajectory, []int) {
	sgdCheckSum(f, "SGDRandom")
	if rng == nil {
		panic("algorithms: SGDRandom: nil rng")
	}
	n := f.N()
	indices := make([]int, len(steps))
	for t := range indices {
		indices[t] = rng.IntN(n)
	}
	return SGD(f, x0, steps, indices), indices
}

// sgdCheckSum panics on a finite sum without components: uniform sampling over nothing is a
// programming error.
func sgdCheckSum(f FiniteSum, fn string) {
	if f.N() < 1 {
		panic(fmt.Sprintf("algorithms: %s: finite sum with N() = %d < 1", fn, f.N()))
	}
	if f.Dim() < 0 {
		panic(fmt.Sprintf("algorithms: %s: Dim() = %d < 0", fn, f.Dim()))
	}
}

// sgdCheckLen panics unless len(x) == f.Dim().
func sgdCheckLen(f FiniteSum, x []float64, fn, name string) {
	if len(x) != f.Dim() {
		panic(fmt.Sprintf("algorithms: %s: len(%s) = %d, want Dim() = %d", fn, name, len(x), f.Dim()))
	}
}
