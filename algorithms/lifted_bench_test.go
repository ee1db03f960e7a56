package algorithms_test

import (
	"math/rand/v2"
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// ltBenchStep runs one lifted GD step (gradient + update) on the paper's perturbed completion.
func ltBenchStep(b *testing.B, n, l int) {
	inst := generators.NewPerturbedCompletion(n, 0.01)
	p, err := algorithms.NewLiftedCompletion(inst.Mask, inst.Target, 1, l)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	w := algorithms.NewSymTensor(n, l)
	w.SetOuterPower(1e-3, x)
	g := algorithms.NewSymTensor(n, l)
	var wk algorithms.LiftedWork
	p.Grad(g, w, &wk) // warm the scratch
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p.Grad(g, w, &wk)
		w.Axpy(-1e-9, g)
	}
	b.ReportMetric(float64(w.Shape.Len()), "sym-entries")
	b.ReportMetric(float64(w.Shape.DenseLen()), "dense-entries")
}

func BenchmarkLiftedStepN12L3(b *testing.B) { ltBenchStep(b, 12, 3) }
func BenchmarkLiftedStepN8L3(b *testing.B)  { ltBenchStep(b, 8, 3) }
func BenchmarkLiftedStepN5L3(b *testing.B)  { ltBenchStep(b, 5, 3) }
