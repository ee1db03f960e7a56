package algorithms_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// ExampleTrainDeepMF completes a rank-1 3×3 matrix from 5 of its 9 entries with a depth-3
// factorisation from a small initialisation: gradient descent fills the 4 unobserved entries
// with the rank-1 completion u·vᵀ, u = (1, 2, −1), v = (1, −1, ½).
func ExampleTrainDeepMF() {
	observedRows, observedCols := []int{0, 0, 0, 1, 2}, []int{0, 1, 2, 0, 0}
	values := []float64{1, -1, 0.5, 2, -1}
	loss, err := algorithms.NewCompletion(3, 3, observedRows, observedCols, values, 1)
	if err != nil {
		panic(err)
	}
	m := algorithms.NewDeepMFSquare(3, 3)
	m.GaussianInit(algorithms.AuthorsInitStd(1e-6, 3, 3), rand.New(rand.NewPCG(5, 6)))
	run := algorithms.TrainDeepMF(m, loss, algorithms.DeepMFOptions{LR: 0.05, MaxIter: 200000, StopLoss: 1e-14})
	fmt.Println(run.Reason, run.GradEvals == run.Iterations+1)
	W := m.Product()
	for i := 0; i < 3; i++ {
		fmt.Printf("%5.2f %5.2f %5.2f\n", W.At(i, 0), W.At(i, 1), W.At(i, 2))
	}
	// Output:
	// converged true
	//  1.00 -1.00  0.50
	//  2.00 -2.00  1.00
	// -1.00  1.00 -0.50
}

// deepmfExtPanics returns the panic message of f ("" if it does not panic).
func deepmfExtPanics(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func deepmfExtCompletion(t *testing.T, rng *rand.Rand, rows, cols, rank, observed int, weight float64) *algorithms.Completion {
	t.Helper()
	M := generators.LowRankTarget(rng, rows, cols, rank)
	I, J := generators.UniformEntries(rng, rows, cols, observed)
	c, err := algorithms.CompletionFrom(M, I, J, weight)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTrainDeepMFRejectsBadInput: programmer errors panic with a message naming the problem.
func TestTrainDeepMFRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	loss := deepmfExtCompletion(t, rng, 4, 4, 1, 8, 1)
	wide := deepmfExtCompletion(t, rng, 4, 5, 1, 8, 1)
	good := algorithms.DeepMFOptions{LR: 0.01, MaxIter: 10}
	for _, c := range []struct {
		name, want string
		f          func()
	}{
		{"LR 0", "LR", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{MaxIter: 1})
		}},
		{"LR < 0", "LR", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: -1, MaxIter: 1})
		}},
		{"LR NaN", "LR", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: math.NaN(), MaxIter: 1})
		}},
		{"LR Inf", "LR", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: math.Inf(1), MaxIter: 1})
		}},
		{"MaxIter < 0", "MaxIter", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: 0.1, MaxIter: -1})
		}},
		{"StopLoss NaN", "StopLoss", func() {
			algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: 0.1, StopLoss: math.NaN()})
		}},
		{"train shape", "4×5", func() { algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 3), wide, good) }},
		{"grad shape", "4×5", func() {
			m := algorithms.NewDeepMFSquare(4, 3)
			algorithms.DeepMFGrad(m, wide, algorithms.NewDeepMFWork(m))
		}},
		{"dense grad shape", "4×5", func() {
			m := algorithms.NewDeepMFSquare(4, 3)
			algorithms.DeepMFDenseGrad(m, wide, algorithms.NewDeepMFWork(m))
		}},
		{"work depth", "depth", func() {
			algorithms.DeepMFGrad(algorithms.NewDeepMFSquare(4, 3), loss, algorithms.NewDeepMFWork(algorithms.NewDeepMFSquare(4, 2)))
		}},
		{"work widths", "layer 1", func() {
			algorithms.DeepMFGrad(algorithms.NewDeepMF(4, 4, 3), loss, algorithms.NewDeepMFWork(algorithms.NewDeepMF(4, 4, 2)))
		}},
		{"entries out of range", "outside", func() {
			m := algorithms.NewDeepMFSquare(4, 2)
			algorithms.DeepMFGrad(m, deepmfExtBadEntries{loss}, algorithms.NewDeepMFWork(m))
		}},
	} {
		if msg := deepmfExtPanics(c.f); !strings.Contains(msg, c.want) {
			t.Errorf("%s: panic %q, want one mentioning %q", c.name, msg, c.want)
		}
	}
	// A negative StopLoss is legitimate (train for MaxIter steps).
	run := algorithms.TrainDeepMF(algorithms.NewDeepMFSquare(4, 2), loss, algorithms.DeepMFOptions{LR: 0.1, MaxIter: 3, StopLoss: -1})
	if run.Reason != algorithms.StopMaxIter || run.Iterations != 3 {
		t.Errorf("StopLoss −1: %+v", run)
	}
}

// deepmfExtBadEntries is an EntryLoss whose entries lie outside its shape.
type deepmfExtBadEntries struct{ *algorithms.Completion }

func (b deepmfExtBadEntries) Entries() (rows, cols []int) { return []int{0, 9}, []int{0, 0} }
func (b deepmfExtBadEntries) EntryGrad(g, w []float64) float64 {
	return 0
}

// TestTrainDeepMFStopReasons: each stopping rule and the gradient count.
func TestTrainDeepMFStopReasons(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	loss := deepmfExtCompletion(t, rng, 6, 6, 2, 20, 1)
	fresh := func() *algorithms.DeepMF {
		m := algorithms.NewDeepMFSquare(6, 3)
		m.GaussianInit(0.5, rand.New(rand.NewPCG(35, 36)))
		return m
	}
	if run := algorithms.TrainDeepMF(fresh(), loss, algorithms.DeepMFOptions{LR: 0.01}); run.Reason != algorithms.StopMaxIter || run.Iterations != 0 || run.GradEvals != 1 {
		t.Errorf("MaxIter 0: %+v", run)
	}
	var seen []int
	visit := func(it int, m *algorithms.DeepMF, l float64) bool { seen = append(seen, it); return it < 4 }
	if run := algorithms.TrainDeepMF(fresh(), loss, algorithms.DeepMFOptions{LR: 0.01, MaxIter: 100, Visit: visit}); run.Reason != algorithms.StopVisit || run.Iterations != 4 || len(seen) != 5 {
		t.Errorf("Visit: %+v, visited %v", run, seen)
	}
	if run := algorithms.TrainDeepMF(fresh(), loss, algorithms.DeepMFOptions{LR: 1e6, MaxIter: 1000}); run.Reason != algorithms.StopDiverged || run.Iterations >= 1000 {
		t.Errorf("LR 1e6: %+v, want divergence", run)
	}
	if run := algorithms.TrainDeepMF(fresh(), loss, algorithms.DeepMFOptions{LR: 1e-2, Adaptive: true, MaxIter: 50000, StopLoss: 1e-8}); run.Reason != algorithms.StopConverged || run.Loss > 1e-8 || run.GradEvals != run.Iterations+1 {
		t.Errorf("adaptive: %+v, want convergence", run)
	}
}

// TestTrainDeepMFUsesGivenGradient: a user's gradient stands in for DeepMFGrad, and the dense
// reference traces the same trajectory as the sparse default.
func TestTrainDeepMFUsesGivenGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(37, 38))
	loss := deepmfExtCompletion(t, rng, 7, 5, 2, 20, 0.5)
	init := algorithms.NewDeepMF(7, 5, 6, 4)
	init.GaussianInit(0.4, rng)
	calls := 0
	counting := func(m *algorithms.DeepMF, l algorithms.EndToEndLoss, w *algorithms.DeepMFWork) float64 {
		calls++
		return algorithms.DeepMFDenseGrad(m, l, w)
	}
	sparse, dense := init.Clone(), init.Clone()
	opt := algorithms.DeepMFOptions{LR: 0.02, Adaptive: true, MaxIter: 300}
	rs := algorithms.TrainDeepMF(sparse, loss, opt)
	opt.Gradient = counting
	rd := algorithms.TrainDeepMF(dense, loss, opt)
	if calls != rd.GradEvals || calls != 301 {
		t.Fatalf("the given gradient ran %d times, run %+v", calls, rd)
	}
	if math.Abs(rs.Loss-rd.Loss) > 1e-9*rs.Loss {
		t.Fatalf("sparse run loss %v, dense run loss %v", rs.Loss, rd.Loss)
	}
	if !mat.EqualApprox(sparse.Product(), dense.Product(), 1e-9) {
		t.Fatal("sparse and dense trajectories diverged")
	}
}

// deepmfExtPseudoHuber is a user's EntryLoss, ℓ(W) = Σ_Ω (√(1 + (W_ij − M_ij)²) − 1), to check
// that DeepMFGrad's sparse path works for any EntryLoss, not only Completion.
type deepmfExtPseudoHuber struct {
	rows, cols int
	I, J       []int
	M          []float64
}

func (p *deepmfExtPseudoHuber) Dims() (int, int)            { return p.rows, p.cols }
func (p *deepmfExtPseudoHuber) Entries() (rows, cols []int) { return p.I, p.J }
func (p *deepmfExtPseudoHuber) EntryGrad(g, w []float64) float64 {
	var s float64
	for k := range p.M {
		r := w[k] - p.M[k]
		q := math.Sqrt(1 + r*r)
		g[k] = r / q
		s += q - 1
	}
	return s
}
func (p *deepmfExtPseudoHuber) Value(W *mat.Dense) float64 {
	var s float64
	for k := range p.M {
		r := W.At(p.I[k], p.J[k]) - p.M[k]
		s += math.Sqrt(1+r*r) - 1
	}
	return s
}
func (p *deepmfExtPseudoHuber) Grad(dst, W *mat.Dense) float64 {
	dst.Zero()
	w := make([]float64, len(p.I))
	for k := range w {
		w[k] = W.At(p.I[k], p.J[k])
	}
	g := make([]float64, len(p.I))
	l := p.EntryGrad(g, w)
	for k := range g {
		dst.Set(p.I[k], p.J[k], g[k])
	}
	return l
}

// deepmfExtDenseOnly hides the EntryLoss methods, so DeepMFGrad takes the dense path.
type deepmfExtDenseOnly struct{ algorithms.EndToEndLoss }

// TestDeepMFGradPublicAPI: on a user's EntryLoss the sparse gradient equals the dense one and
// the dense one is what DeepMFGrad falls back to for other losses; a work can be reused after
// Close and across losses of the same shape.
func TestDeepMFGradPublicAPI(t *testing.T) {
	rng := rand.New(rand.NewPCG(39, 40))
	for _, hidden := range [][]int{nil, {5}, {8, 3}, {4, 9, 2}} {
		m := algorithms.NewDeepMF(6, 7, hidden...)
		m.GaussianInit(0.6, rng)
		I, J := generators.UniformEntries(rng, 6, 7, 15)
		M := make([]float64, len(I))
		for k := range M {
			M[k] = 2 * rng.NormFloat64()
		}
		huber := &deepmfExtPseudoHuber{rows: 6, cols: 7, I: I, J: J, M: M}
		completion := deepmfExtCompletion(t, rng, 6, 7, 2, 12, 1)
		w, ref := algorithms.NewDeepMFWork(m), algorithms.NewDeepMFWork(m)
		for _, loss := range []algorithms.EndToEndLoss{huber, completion, huber} {
			ls := algorithms.DeepMFGrad(m, loss, w)
			ld := algorithms.DeepMFGrad(m, deepmfExtDenseOnly{loss}, ref)
			if v := loss.Value(m.Product()); math.Abs(ls-v) > 1e-12*(1+v) || math.Abs(ld-v) > 1e-12*(1+v) {
				t.Fatalf("depth %d %T: sparse loss %v, dense %v, Value %v", m.Depth(), loss, ls, ld, v)
			}
			for j := range w.Grads {
				if !mat.EqualApprox(w.Grads[j], ref.Grads[j], 1e-12) {
					t.Fatalf("depth %d %T layer %d: sparse and dense gradients differ", m.Depth(), loss, j+1)
				}
			}
			w.Close()
		}
		if w.GradEvals != 3 || ref.GradEvals != 3 {
			t.Fatalf("GradEvals %d and %d, want 3", w.GradEvals, ref.GradEvals)
		}
	}
}
