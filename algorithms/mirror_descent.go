package algorithms

import "fmt"

// MirrorDescentIterate runs mirror descent
//
//	θ_{t+1} = Project(MirrorStep(θ_t, ∇f(θ_t), η_t)),
//
// i.e. θ_{t+1} = argmin_{θ∈C} η_t⟨∇f(θ_t), θ⟩ + D_ψ(θ, θ_t), for t < len(steps), starting
// from x (overwritten with θ_T). grad and y are caller-provided scratch of length d: grad
// receives ∇f(θ_t) and y the unconstrained point ∇ψ⁻¹(∇ψ(θ_t) − η_t∇f(θ_t)). visit, when
// non-nil, sees θ_{t+1} after each step. It allocates nothing (as long as f and psi do not),
// so it is the hot loop the benchmarks measure.
//
// The step and the projection are two separate calls on purpose: the projection is the half
// of the update that keeps θ in C, and a variant without it must remain expressible (and be
// caught by the mirror-descent theorem, whose projection-optimality step fails without it).
func MirrorDescentIterate(f Objective, psi MirrorMap, x, grad, y []float64, steps []float64, visit func(t int, x []float64)) {
	for t, eta := range steps {
		f.Grad(grad, x)
		psi.MirrorStep(y, x, grad, eta)
		psi.Project(x, y)
		if visit != nil {
			visit(t, x)
		}
	}
}

// MirrorDescent runs mirror descent with the map psi and the given step schedule (one step
// size per iteration) from x0 and records the whole trajectory. x0 should lie in C ∩ dom ψ;
// it is recorded as given and not projected, so that θ_0 is exactly the caller's point in
// D_ψ(z, θ_0). With NewEuclidean it reproduces GradientDescent bit for bit.
func MirrorDescent(f Objective, psi MirrorMap, x0 []float64, steps []float64) *Trajectory {
	if len(x0) != f.Dim() {
		panic(fmt.Sprintf("algorithms: MirrorDescent: len(x0) = %d, f.Dim() = %d", len(x0), f.Dim()))
	}
	tr := newTrajectory(x0, len(steps))
	copy(tr.Steps, steps)
	d := len(x0)
	scratch := make([]float64, 3*d)
	x, grad, y := scratch[:d:d], scratch[d:2*d:2*d], scratch[2*d:]
	copy(x, x0)
	MirrorDescentIterate(f, psi, x, grad, y, steps, func(t int, x []float64) {
		copy(tr.Iterates[t+1], x)
	})
	tr.GradEvals = len(steps)
	return tr
}
