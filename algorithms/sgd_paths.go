package algorithms

import (
	"fmt"
	"math/rand/v2"
)

// MaxSGDPaths is the most index paths EnumerateSGDPaths and SGDExpectations will visit.
// At n^T = 10^6 paths, a small problem (d ≈ 10) takes well under a second per
// enumeration, which keeps exact checks of statistical theorems inside the seconds budget of
// a quick run; beyond it, use SGDMonteCarlo.
const MaxSGDPaths = 1_000_000

// SGDPathCount returns n^T, the number of index paths of T steps of SGD on n components,
// and whether it is at most MaxSGDPaths (count is meaningless when ok is false). It never
// overflows: it stops multiplying as soon as the limit is passed.
func SGDPathCount(n, T int) (count int, ok bool) {
	if n < 1 || T < 0 {
		return 0, false
	}
	count = 1
	for range T {
		if n > 1 && count > MaxSGDPaths/n {
			return 0, false
		}
		count *= n
	}
	return count, count <= MaxSGDPaths
}

// EnumerateSGDPaths visits every one of the n^T index sequences (i_0, …, i_{T−1}) of SGD on
// f from x0 with steps η_t = steps[t], T = len(steps), in lexicographic order, together
// with the trajectory that sequence produces and its probability n^{−T} under uniform
// sampling. Expectations over SGD's randomness are then exact finite sums.
//
// Paths that share a prefix share its computation: the walk is depth-first over the tree
// of prefixes and θ_{k+1} is computed once per node, so the cost is Σ_{k=1}^{T} n^k
// stochastic gradients (about n^T·n/(n−1)), not T·n^T. Each trajectory is bit-for-bit the
// one SGD(f, x0, steps, indices) returns.
//
// visit must not keep indices or tr beyond the call: both are buffers reused for the next
// path (copy what you need). tr.GradEvals is T, the cost of that path on its own.
// prob is 1/n^T rounded once, so the probabilities sum to 1 up to summation error.
//
// It returns an error, without visiting anything, when n^T > MaxSGDPaths.
func EnumerateSGDPaths(f FiniteSum, x0 []float64, steps []float64, visit func(indices []int, tr *Trajectory, prob float64)) error {
	sgdCheckSum(f, "EnumerateSGDPaths")
	sgdCheckLen(f, x0, "EnumerateSGDPaths", "x0")
	if visit == nil {
		panic("algorithms: EnumerateSGDPaths: nil visit")
	}
	w, err := newSGDWalker(f, x0, steps, "EnumerateSGDPaths")
	if err != nil {
		return err
	}
	prob := 1 / float64(w.paths)
	w.enumerate(nil, nil, func() { visit(w.idx, w.tr, prob) })
	return nil
}

// sgdWalker walks SGD index paths, either all of them depth-first (enumerate) or one at a
// time at random (sample). Iterate k of the current path is always tr.Iterates[k]; moving
// to a sibling overwrites the deeper iterates, which is what makes prefixes shared.
type sgdWalker struct {
	f         FiniteSum
	n, T      int
	paths     int // n^T, only when enumerating
	steps     []float64
	tr        *Trajectory
	idx       []int     // i_0, …, i_{T−1} of the current path
	grad      []float64 // ∇f_{i_k}(θ_k) of the last edge taken
	gradEvals int
}

// newSGDWalker prepares a walker. It refuses (error) when enumeration would exceed
// MaxSGDPaths; fn names the caller in messages.
func newSGDWalker(f FiniteSum, x0, steps []float64, fn string) (*sgdWalker, error) {
	n, T := f.N(), len(steps)
	paths, ok := SGDPathCount(n, T)
	if !ok {
		return nil, fmt.Errorf("algorithms: %s: n^T = %d^%d index paths exceed MaxSGDPaths = %d; use SGDMonteCarlo", fn, n, T, MaxSGDPaths)
	}
	return newSGDWalkerNoLimit(f, x0, steps, paths), nil
}

func newSGDWalkerNoLimit(f FiniteSum, x0, steps []float64, paths int) *sgdWalker {
	T := len(steps)
	tr := newTrajectory(x0, T)
	copy(tr.Steps, steps)
	tr.GradEvals = T
	return &sgdWalker{
		f: f, n: f.N(), T: T, paths: paths, steps: tr.Steps, tr: tr,
		idx:  make([]int, T),
		grad: make([]float64, len(x0)),
	}
}

// advance takes the edge i from depth k: grad = ∇f_i(θ_k), θ_{k+1} = θ_k − η_k grad, written
// exactly as SGDIterate writes it.
func (w *sgdWalker) advance(k, i int) {
	w.idx[k] = i
	w.f.Component(i).Grad(w.grad, w.tr.Iterates[k])
	w.gradEvals++
	eta := w.steps[k]
	cur, next := w.tr.Iterates[k], w.tr.Iterates[k+1]
	copy(next, cur)
	for j, g := range w.grad {
		next[j] -= eta * g
	}
}

// enumerate walks the prefix tree depth-first without recursion (T may be large when n = 1).
// node(k) is called on entering each node at depth k (θ_k = tr.Iterates[k] is current),
// edge(k) after each edge from depth k (w.grad holds ∇f_{i_k}(θ_k) and θ_k is still
// intact), leaf() at depth T. node and edge may be nil.
func (w *sgdWalker) enumerate(node, edge func(k int), leaf func()) {
	k := 0
	for {
		if node != nil {
			node(k)
		}
		if k == w.T {
			leaf()
			// Backtrack to the deepest depth that still has an unvisited child.
			for {
				k--
				if k < 0 {
					return
				}
				if w.idx[k]+1 < w.n {
					break
				}
			}
			w.advance(k, w.idx[k]+1)
		} else {
			w.advance(k, 0)
		}
		if edge != nil {
			edge(k)
		}
		k++
	}
}

// sample walks one path with i_k = rng.IntN(n) drawn in order, calling the same hooks as
// enumerate.
func (w *sgdWalker) sample(rng *rand.Rand, node, edge func(k int), leaf func()) {
	for k := range w.T {
		if node != nil {
			node(k)
		}
		w.advance(k, rng.IntN(w.n))
		if edge != nil {
			edge(k)
		}
	}
	if node != nil {
		node(w.T)
	}
	leaf()
}
