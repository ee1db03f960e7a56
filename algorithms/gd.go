package algorithms

// GradientDescentIterate runs θ_{t+1} = θ_t − η_t ∇f(θ_t) for t < len(steps), starting from x
// (overwritten with θ_T), using grad as scratch (len d). visit, when non-nil, sees θ_{t+1}
// after each step. It allocates nothing, so it is the hot loop that benchmarks measure.
func GradientDescentIterate(f Objective, x, grad []float64, steps []float64, visit func(t int, x []float64)) {
	for t, eta := range steps {
		f.Grad(grad, x)
		for i, g := range grad {
			x[i] -= eta * g
		}
		if visit != nil {
			visit(t, x)
		}
	}
}

// GradientDescent runs gradient descent with the given step schedule (one step size per
// iteration, any values) from x0 and records the whole trajectory.
func GradientDescent(f Objective, x0 []float64, steps []float64) *Trajectory {
	tr := newTrajectory(x0, len(steps))
	copy(tr.Steps, steps)
	x := make([]float64, len(x0))
	copy(x, x0)
	grad := make([]float64, len(x0))
	GradientDescentIterate(f, x, grad, steps, func(t int, x []float64) {
		copy(tr.Iterates[t+1], x)
	})
	tr.GradEvals = len(steps)
	return tr
}
