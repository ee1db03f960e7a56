package algorithms

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// deepmfTestCompletion observes each entry of a random rows×cols target with probability p.
func deepmfTestCompletion(rng *rand.Rand, rows, cols int, p float64) *Completion {
	var I, J []int
	var v []float64
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.Float64() < p {
				I, J, v = append(I, i), append(J, j), append(v, rng.NormFloat64())
			}
		}
	}
	c, err := NewCompletion(rows, cols, I, J, v, 0.5)
	if err != nil {
		panic(err)
	}
	return c
}

// TestDeepMFGradMatchesDenseAndFiniteDifferences checks the sparse gradient against the dense
// reference and both against central differences of ℓ(W_N⋯W_1), for depths 1 to 4 and
// uneven widths.
func TestDeepMFGradMatchesDenseAndFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, hidden := range [][]int{nil, {3}, {4, 2}, {2, 5, 3}} {
		m := NewDeepMF(4, 5, hidden...)
		m.GaussianInit(0.7, rng)
		loss := deepmfTestCompletion(rng, 4, 5, 0.5)
		ws, wd := NewDeepMFWork(m), NewDeepMFWork(m)
		ls, ld := DeepMFGrad(m, loss, ws), DeepMFDenseGrad(m, loss, wd)
		if math.Abs(ls-ld) > 1e-12*(1+ld) {
			t.Fatalf("depth %d: sparse loss %v, dense %v", m.Depth(), ls, ld)
		}
		if got := loss.Value(m.Product()); math.Abs(got-ls) > 1e-12*(1+ls) {
			t.Fatalf("depth %d: Value %v, gradient's loss %v", m.Depth(), got, ls)
		}
		for j := range m.Layers {
			if !mat.EqualApprox(ws.Grads[j], wd.Grads[j], 1e-12) {
				t.Fatalf("depth %d layer %d: sparse %v dense %v", m.Depth(), j+1, mat.Formatted(ws.Grads[j]), mat.Formatted(wd.Grads[j]))
			}
			r, c := m.Layers[j].Dims()
			for a := 0; a < r; a++ {
				for b := 0; b < c; b++ {
					x := m.Layers[j].At(a, b)
					const h = 1e-6
					m.Layers[j].Set(a, b, x+h)
					fp := loss.Value(m.Product())
					m.Layers[j].Set(a, b, x-h)
					fm := loss.Value(m.Product())
					m.Layers[j].Set(a, b, x)
					if fd := (fp - fm) / (2 * h); math.Abs(fd-ws.Grads[j].At(a, b)) > 1e-6 {
						t.Fatalf("depth %d layer %d (%d, %d): gradient %v, central difference %v", m.Depth(), j+1, a, b, ws.Grads[j].At(a, b), fd)
					}
				}
			}
		}
	}
}

// TestBalancedDeepMF checks the product and the balance W_{j+1}ᵀW_{j+1} = W_jW_jᵀ.
func TestBalancedDeepMF(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	W0 := mat.NewDense(3, 4, nil)
	for i := 0; i < 3; i++ {
		for j := 0; j < 4; j++ {
			W0.Set(i, j, rng.NormFloat64())
		}
	}
	for depth := 1; depth <= 4; depth++ {
		m, ok := BalancedDeepMF(W0, depth, 5)
		if !ok {
			t.Fatal("SVD failed")
		}
		if !mat.EqualApprox(m.Product(), W0, 1e-12) {
			t.Fatalf("depth %d: product %v, want %v", depth, mat.Formatted(m.Product()), mat.Formatted(W0))
		}
		for j := 0; j+1 < depth; j++ {
			var a, b mat.Dense
			a.Mul(m.Layers[j+1].T(), m.Layers[j+1])
			b.Mul(m.Layers[j], m.Layers[j].T())
			if !mat.EqualApprox(&a, &b, 1e-12) {
				t.Fatalf("depth %d: layers %d, %d unbalanced", depth, j+1, j+2)
			}
		}
	}
}

// TestTrainDeepMFCompletesRankOne trains a depth-3 factorisation on a rank-1 3×3 target with
// a connected spanning pattern of 5 entries; small-init GD recovers the unique rank-1
// completion (within 1e-3: the gap shrinks with the init scale; at init 1e-3 it is 0.06).
func TestTrainDeepMFCompletesRankOne(t *testing.T) {
	u, v := []float64{1, 2, -1}, []float64{1, -1, 0.5}
	M := mat.NewDense(3, 3, nil)
	M.Outer(1, mat.NewVecDense(3, u), mat.NewVecDense(3, v))
	I, J := []int{0, 0, 0, 1, 2}, []int{0, 1, 2, 0, 0}
	loss, err := CompletionFrom(M, I, J, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, adaptive := range []bool{false, true} {
		m := NewDeepMFSquare(3, 3)
		m.GaussianInit(AuthorsInitStd(1e-6, 3, 3), rand.New(rand.NewPCG(5, 6)))
		run := TrainDeepMF(m, loss, DeepMFOptions{LR: 0.05, Adaptive: adaptive, MaxIter: 200000, StopLoss: 1e-14})
		if run.Reason != StopConverged {
			t.Fatalf("adaptive=%v: %+v", adaptive, run)
		}
		if !mat.EqualApprox(m.Product(), M, 1e-3) {
			t.Fatalf("adaptive=%v: learned %v, want %v", adaptive, mat.Formatted(m.Product()), mat.Formatted(M))
		}
	}
}
