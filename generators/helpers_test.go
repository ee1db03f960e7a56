package generators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// randMat returns an r×c matrix with N(0, 1)·scale entries from a fixed-seed source.
func randMat(rng *rand.Rand, r, c int, scale float64) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m.Set(i, j, rng.NormFloat64()*scale)
		}
	}
	return m
}

func randVec(rng *rand.Rand, n int, scale float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64() * scale
	}
	return v
}

func randLabels(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
		if rng.IntN(2) == 0 {
			v[i] = -1
		}
	}
	return v
}

type namedInstance struct {
	name string
	inst Instance
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// fixedInstances returns deterministic instances of every family over shapes (n = 1, d = 1,
// n < d, n > d) and scales, for the gradient, smoothness and allocation tests.
func fixedInstances() []namedInstance {
	rng := rand.New(rand.NewPCG(2025, 12))
	var out []namedInstance
	add := func(name string, inst Instance) { out = append(out, namedInstance{name, inst}) }
	for _, sh := range [][2]int{{1, 1}, {3, 1}, {1, 4}, {5, 8}, {40, 6}} {
		n, d := sh[0], sh[1]
		for _, s := range []float64{1e-2, 1, 30} {
			tag := fmt.Sprintf("n=%d,d=%d,s=%g", n, d, s)
			X := randMat(rng, n, d, s)
			y := randVec(rng, n, 1)
			add("least-squares/"+tag, must(NewLeastSquares(X, y)))
			add("logistic/"+tag, must(NewLogistic(X, randLabels(rng, n))))
			add("huber/"+tag, must(NewHuber(X, y, 0.3)))
			counts := make([]float64, n)
			for i := range counts {
				counts[i] = float64(rng.IntN(6))
			}
			add("poisson/"+tag, must(NewPoisson(X, counts, make([]float64, d), 1/maxRowNorm(X))))
			if n >= 2 {
				add("log-sum-exp/"+tag, must(NewLogSumExp(X, randVec(rng, n, 1))))
			}
			ls := must(NewLeastSquares(X, y))
			add("least-squares-component/"+tag, ls.Component(n-1))
			lg := must(NewLogistic(X, randLabels(rng, n)))
			add("logistic-component/"+tag, lg.Component(0))
		}
	}
	for _, d := range []int{1, 2, 7} {
		q := householderProduct(d, d, randVec(rng, d*d, 1))
		vals := make([]float64, d)
		for i := range vals {
			vals[i] = math.Abs(rng.NormFloat64())
		}
		vals[0] = 0
		if d == 1 {
			vals[0] = 2
		}
		add(fmt.Sprintf("quadratic/d=%d", d), must(NewQuadratic(vals, q, randVec(rng, d, 1), 0.5)))
		add(fmt.Sprintf("double-well/d=%d", d), NewDoubleWell(d, 2))
	}
	add("scalar-quadratic", NewScalarQuadratic(1))
	return out
}

// pointFor returns a point where inst's constants are valid, at its natural scale.
func pointFor(rng *rand.Rand, inst Instance) []float64 {
	d := inst.Dim()
	switch f := inst.(type) {
	case *Poisson:
		x := randVec(rng, d, 1)
		s := f.Radius() / (2 * numeric.Norm2(x))
		for j := range x {
			x[j] = x[j]*s + f.center[j]
		}
		return x
	case *DoubleWell:
		x := randVec(rng, d, 0.5)
		for j := range x {
			x[j] = math.Max(-1.5, math.Min(1.5, x[j]))
		}
		return x
	}
	return randVec(rng, d, ThetaScale(inst))
}

func unitVec(rng *rand.Rand, d int) []float64 {
	v := randVec(rng, d, 1)
	n := numeric.Norm2(v)
	for j := range v {
		v[j] /= n
	}
	return v
}

func axpy(alpha float64, x, y []float64) []float64 {
	out := make([]float64, len(x))
	numeric.AxpyTo(out, alpha, x, y)
	return out
}

func gradOf(inst Instance, x []float64) []float64 {
	g := make([]float64, inst.Dim())
	inst.Grad(g, x)
	return g
}

func fatalIf(t *testing.T, cond bool, format string, args ...any) {
	t.Helper()
	if cond {
		t.Fatalf(format, args...)
	}
}

func matOf(r, c int, data ...float64) *mat.Dense { return mat.NewDense(r, c, data) }

// gradErr returns the instance's own bound on the rounding error of Grad at x, or a generic
// 1e3·Eps·‖∇f(x)‖ for instances without one.
func gradErr(inst Instance, x []float64) float64 {
	if ge, ok := inst.(gradErrBounder); ok {
		return ge.gradErrBound(x)
	}
	return 1e3 * numeric.Eps * numeric.Norm2(gradOf(inst, x))
}
