package algorithms_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// The deep factorisation benchmarks time one full GD step, DeepMFGrad (or DeepMFDenseGrad)
// followed by Apply, at Arora et al.'s completion scale: a 100×100 full-width factorisation,
// a rank-5 target (generators.LowRankTarget) and 2000 uniformly observed entries
// (generators.UniformEntries), Weight 1/|Ω|. Run with -cpu 1,2 to see the parallel speedup.
//
// Measured on 2 cores (AMD EPYC) shared with other jobs, so as process CPU time per step at
// -cpu 1 (the best of 3 runs; wall time on a loaded machine is meaningless), before → after
// this engine (before: gonum's Dgemm, the sparse passes scattering along strided columns):
//
//	depth 2  sparse  729 → 175 µs   dense   799 →  668 µs   sparse/dense 0.26
//	depth 3  sparse 1766 → 870 µs   dense  1883 → 1501 µs   sparse/dense 0.58
//	depth 4  sparse 2848 → 1590 µs  dense  2818 → 2470 µs   sparse/dense 0.64
//	Razin–Cohen 2×2 depth 3: 370 → 353 ns; sensing depth 3, d = 10: 13.6 → 8.1 µs,
//	d = 30: 274 → 142 µs.
//
// Allocations per step: 0 (before: 10 per 100×100 product that gonum ran in parallel, e.g.
// 30 for the depth-3 sparse step and 70 for the dense one). At -cpu 2 the split jobs cost
// 10–35% more CPU time in all (hand-offs to the parked helpers, the scheduler's spinning).

// deepmfBenchStep times grad + Apply on m for loss.
func deepmfBenchStep(b *testing.B, m *algorithms.DeepMF, loss algorithms.EndToEndLoss, grad algorithms.DeepMFGradient) {
	w := algorithms.NewDeepMFWork(m)
	defer w.Close()
	grad(m, loss, w) // warm-up: lazily started helpers and scratch
	// A tiny step keeps the factors (and so the timing) where they started.
	const eta = 1e-12
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		grad(m, loss, w)
		w.Apply(m, eta)
	}
}

// deepmfBenchCompletion is the 100×100 rank-5 completion with 2000 observed entries and a
// depth-N factorisation at the authors' initialisation (scale 1e-3).
func deepmfBenchCompletion(b *testing.B, depth int) (*algorithms.DeepMF, *algorithms.Completion) {
	const d, rank, observed = 100, 5, 2000
	rng := rand.New(rand.NewPCG(21, 22))
	M := generators.LowRankTarget(rng, d, d, rank)
	I, J := generators.UniformEntries(rng, d, d, observed)
	loss, err := algorithms.CompletionFrom(M, I, J, 1.0/observed)
	if err != nil {
		b.Fatal(err)
	}
	m := algorithms.NewDeepMFSquare(d, depth)
	m.GaussianInit(algorithms.AuthorsInitStd(1e-3, depth, d), rng)
	return m, loss
}

// BenchmarkDeepMFCompletionStep: sparse (DeepMFGrad) against dense (DeepMFDenseGrad) steps
// at depths 2, 3, 4.
func BenchmarkDeepMFCompletionStep(b *testing.B) {
	for _, depth := range []int{2, 3, 4} {
		for _, g := range []struct {
			name string
			grad algorithms.DeepMFGradient
		}{{"sparse", algorithms.DeepMFGrad}, {"dense", algorithms.DeepMFDenseGrad}} {
			b.Run(fmt.Sprintf("depth=%d/%s", depth, g.name), func(b *testing.B) {
				m, loss := deepmfBenchCompletion(b, depth)
				deepmfBenchStep(b, m, loss, g.grad)
			})
		}
	}
}

// BenchmarkDeepMFSparseOverDense alternates a sparse and a dense step on the same instance
// and reports the ratio of their times (sparse/dense), which a loaded machine distorts less
// than two separate benchmarks; ns/op is the time of the pair.
func BenchmarkDeepMFSparseOverDense(b *testing.B) {
	for _, depth := range []int{2, 3, 4} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			m, loss := deepmfBenchCompletion(b, depth)
			ws, wd := algorithms.NewDeepMFWork(m), algorithms.NewDeepMFWork(m)
			defer ws.Close()
			defer wd.Close()
			algorithms.DeepMFGrad(m, loss, ws)
			algorithms.DeepMFDenseGrad(m, loss, wd)
			var sparse, dense time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				algorithms.DeepMFGrad(m, loss, ws)
				ws.Apply(m, 1e-12)
				t1 := time.Now()
				algorithms.DeepMFDenseGrad(m, loss, wd)
				wd.Apply(m, 1e-12)
				sparse, dense = sparse+t1.Sub(t0), dense+time.Since(t1)
			}
			b.ReportMetric(float64(sparse)/float64(dense), "sparse/dense")
		})
	}
}

// BenchmarkDeepMFRazinCohenStep: the generic engine on Razin–Cohen's 2×2 depth-3 completion
// (Ω = {(0,1), (1,0), (1,1)}, values 1, 1, 0, Weight 1), millions of steps per run there.
func BenchmarkDeepMFRazinCohenStep(b *testing.B) {
	loss, err := algorithms.NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1)
	if err != nil {
		b.Fatal(err)
	}
	m := algorithms.NewDeepMFSquare(2, 3)
	m.GaussianInit(8e-3, rand.New(rand.NewPCG(23, 24)))
	deepmfBenchStep(b, m, loss, algorithms.DeepMFGrad)
}

// BenchmarkDeepMFSensingStep: depth-3 sensing steps with 3·d·rank Gaussian measurements
// (N(0, 1/d²) entries, as in the authors' code) for small d.
func BenchmarkDeepMFSensingStep(b *testing.B) {
	for _, d := range []int{10, 30} {
		b.Run(fmt.Sprintf("d=%d", d), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(25, uint64(d)))
			M := generators.LowRankTarget(rng, d, d, 2)
			n := 3 * d * 2
			A := make([]*mat.Dense, n)
			y := make([]float64, n)
			for k := range A {
				A[k] = mat.NewDense(d, d, nil)
				a := A[k].RawMatrix().Data
				for i := range a {
					a[i] = rng.NormFloat64() / float64(d)
				}
				y[k] = mat.Sum(deepmfBenchHadamard(A[k], M))
			}
			loss, err := algorithms.NewSensing(A, y, 1.0/float64(n))
			if err != nil {
				b.Fatal(err)
			}
			m := algorithms.NewDeepMFSquare(d, 3)
			m.GaussianInit(algorithms.AuthorsInitStd(1e-3, 3, d), rng)
			deepmfBenchStep(b, m, loss, algorithms.DeepMFGrad)
		})
	}
}

func deepmfBenchHadamard(a, b *mat.Dense) *mat.Dense {
	var h mat.Dense
	h.MulElem(a, b)
	return &h
}
