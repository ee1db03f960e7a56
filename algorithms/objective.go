package algorithms

// Objective is a differentiable function on R^d, the only thing the first-order methods of
// this package may ask about a problem. Instances in package generators satisfy it
// structurally, and so can a user's own problem.
type Objective interface {
	// Dim is d, the length of every point.
	Dim() int
	// Value returns f(x).
	Value(x []float64) float64
	// Grad writes ∇f(x) into dst (len d). It must not allocate and must not keep dst or x.
	Grad(dst, x []float64)
}

// Trajectory is what a method returns: every iterate θ_0, …, θ_T and the step η_t it used to
// go from θ_t to θ_{t+1}. Theorems recompute gradients and values from the iterates
// themselves; they never trust a method's own bookkeeping beyond GradEvals.
type Trajectory struct {
	// Iterates holds T+1 points; each is a view into one backing array.
	Iterates [][]float64
	// Steps holds the T step sizes actually used.
	Steps []float64
	// GradEvals counts gradient (or stochastic-gradient) evaluations.
	GradEvals int
}

// T is the number of steps taken.
func (tr *Trajectory) T() int { return len(tr.Iterates) - 1 }

// Final returns θ_T.
func (tr *Trajectory) Final() []float64 { return tr.Iterates[len(tr.Iterates)-1] }

// newTrajectory allocates room for T+1 iterates of dimension d in one block and copies x0 in.
func newTrajectory(x0 []float64, T int) *Trajectory {
	d := len(x0)
	backing := make([]float64, (T+1)*d)
	its := make([][]float64, T+1)
	for t := range its {
		its[t] = backing[t*d : (t+1)*d : (t+1)*d]
	}
	copy(its[0], x0)
	return &Trajectory{Iterates: its, Steps: make([]float64, T)}
}
