package generators

import (
	"math/rand/v2"
	"testing"
)

// TestGradAndValueDoNotAllocate checks the hot-path contract of every instance: Value and
// Grad allocate nothing (testing.AllocsPerRun == 0).
func TestGradAndValueDoNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, ni := range fixedInstances() {
		inst := ni.inst
		x := pointFor(rng, inst)
		g := make([]float64, inst.Dim())
		var sink float64
		allocs := testing.AllocsPerRun(50, func() {
			inst.Grad(g, x)
			sink += inst.Value(x)
		})
		if allocs != 0 {
			t.Errorf("%s: Value+Grad allocate %v times per call", ni.name, allocs)
		}
		_ = sink
	}
	// The largest size the benchmark uses, through blas64's Gemv.
	f := benchLeastSquares(1000, 100)
	x := make([]float64, 100)
	g := make([]float64, 100)
	if a := testing.AllocsPerRun(20, func() { f.Grad(g, x) }); a != 0 {
		t.Errorf("1000×100 least-squares Grad allocates %v times", a)
	}
}

func TestGradMayAliasX(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for _, ni := range fixedInstances() {
		x := pointFor(rng, ni.inst)
		want := gradOf(ni.inst, x)
		ni.inst.Grad(x, x)
		for j := range x {
			if x[j] != want[j] {
				t.Errorf("%s: Grad(x, x) differs from Grad(dst, x)", ni.name)
				break
			}
		}
	}
}

func benchLeastSquares(n, d int) *LeastSquares {
	rng := rand.New(rand.NewPCG(9, 9))
	return must(NewLeastSquares(randMat(rng, n, d, 1), randVec(rng, n, 1)))
}

// BenchmarkLeastSquaresGrad: n = 1000, d = 100; two matrix–vector products, 0 allocs/op.
func BenchmarkLeastSquaresGrad(b *testing.B) {
	f := benchLeastSquares(1000, 100)
	x := make([]float64, 100)
	for i := range x {
		x[i] = 0.01 * float64(i)
	}
	g := make([]float64, 100)
	b.ReportAllocs()
	for b.Loop() {
		f.Grad(g, x)
	}
}

// BenchmarkLogisticGrad: n = 1000, d = 100, with the stable sigmoid per sample.
func BenchmarkLogisticGrad(b *testing.B) {
	rng := rand.New(rand.NewPCG(10, 10))
	f := must(NewLogistic(randMat(rng, 1000, 100, 1), randLabels(rng, 1000)))
	x := randVec(rng, 100, 0.1)
	g := make([]float64, 100)
	b.ReportAllocs()
	for b.Loop() {
		f.Grad(g, x)
	}
}

// BenchmarkQuadraticGrad: d = 50, spectral form (two d×d products).
func BenchmarkQuadraticGrad(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 11))
	vals := randVec(rng, 50, 1)
	for i := range vals {
		vals[i] *= vals[i]
	}
	f := must(NewQuadratic(vals, householderProduct(50, 50, randVec(rng, 2500, 1)), randVec(rng, 50, 1), 0))
	x := randVec(rng, 50, 1)
	g := make([]float64, 50)
	b.ReportAllocs()
	for b.Loop() {
		f.Grad(g, x)
	}
}
