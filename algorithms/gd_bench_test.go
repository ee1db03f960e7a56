package algorithms_test

import (
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// BenchmarkGDIterationLeastSquares measures one GD iteration on least squares with n = 1000,
// d = 100: two matrix–vector products and an axpy, with no allocation per iteration.
func BenchmarkGDIterationLeastSquares(b *testing.B) {
	const n, d = 1000, 100
	rng := rand.New(rand.NewPCG(1, 2))
	X := mat.NewDense(n, d, nil)
	y := make([]float64, n)
	for i := 0; i < n; i++ {
		y[i] = rng.NormFloat64()
		for j := 0; j < d; j++ {
			X.Set(i, j, rng.NormFloat64())
		}
	}
	f, err := generators.NewLeastSquares(X, y)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float64, d)
	grad := make([]float64, d)
	steps := []float64{1 / f.Smoothness()}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		algorithms.GradientDescentIterate(f, x, grad, steps, nil)
	}
}
