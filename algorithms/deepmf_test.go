package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

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

// deepmfTestSensing draws n Gaussian measurement matrices of shape rows×cols and measurements
// of a random matrix.
func deepmfTestSensing(rng *rand.Rand, rows, cols, n int) *Sensing {
	A := make([]*mat.Dense, n)
	y := make([]float64, n)
	for k := range A {
		A[k] = mat.NewDense(rows, cols, nil)
		d := A[k].RawMatrix().Data
		for i := range d {
			d[i] = rng.NormFloat64()
		}
		y[k] = rng.NormFloat64()
	}
	s, err := NewSensing(A, y, 0.3)
	if err != nil {
		panic(err)
	}
	return s
}

// deepmfTestCheckFD checks every entry of w.Grads (computed at m) against central differences
// of loss.Value(W_N⋯W_1), to 1e-6 absolute plus 1e-6 relative.
func deepmfTestCheckFD(t *testing.T, name string, m *DeepMF, loss EndToEndLoss, w *DeepMFWork) {
	t.Helper()
	const h = 1e-6
	for j := range m.Layers {
		r, c := m.Layers[j].Dims()
		for a := 0; a < r; a++ {
			for b := 0; b < c; b++ {
				x := m.Layers[j].At(a, b)
				m.Layers[j].Set(a, b, x+h)
				fp := loss.Value(m.Product())
				m.Layers[j].Set(a, b, x-h)
				fm := loss.Value(m.Product())
				m.Layers[j].Set(a, b, x)
				g := w.Grads[j].At(a, b)
				if fd := (fp - fm) / (2 * h); math.Abs(fd-g) > 1e-6*(1+math.Abs(fd)) {
					t.Fatalf("%s layer %d (%d, %d): gradient %v, central difference %v", name, j+1, a, b, g, fd)
				}
			}
		}
	}
}

// deepmfTestRelDiff is max |a − b| / max |b| over all gradients (|b| floored at 1e-300).
func deepmfTestRelDiff(a, b []*mat.Dense) float64 {
	var d, s float64
	for j := range a {
		ad, bd := a[j].RawMatrix().Data, b[j].RawMatrix().Data
		for i := range ad {
			d = math.Max(d, math.Abs(ad[i]-bd[i]))
			s = math.Max(s, math.Abs(bd[i]))
		}
	}
	if math.IsNaN(d) {
		return math.Inf(1)
	}
	return d / math.Max(s, 1e-300)
}

// TestDeepMFGradRectangularUneven covers both orientations of the middle gradients (rows ≤
// cols: S_jᵀ·(E·P_jᵀ); rows > cols: (Eᵀ·S_j)ᵀ·P_jᵀ), uneven widths and sensing: sparse and
// dense gradients agree with each other and with central differences.
func TestDeepMFGradRectangularUneven(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, shape := range []struct {
		rows, cols int
		hidden     []int
	}{{3, 6, []int{4, 2, 5}}, {6, 3, []int{2, 7, 4}}, {5, 2, []int{1}}, {2, 5, []int{3, 1, 2, 4}}, {1, 4, []int{3, 2}}} {
		m := NewDeepMF(shape.rows, shape.cols, shape.hidden...)
		m.GaussianInit(0.8, rng)
		name := fmt.Sprintf("%d×%d hidden %v", shape.rows, shape.cols, shape.hidden)
		completion := deepmfTestCompletion(rng, shape.rows, shape.cols, 0.6)
		ws, wd := NewDeepMFWork(m), NewDeepMFWork(m)
		ls, ld := DeepMFGrad(m, completion, ws), DeepMFDenseGrad(m, completion, wd)
		if math.Abs(ls-ld) > 1e-12*(1+ld) {
			t.Fatalf("%s: sparse loss %v, dense %v", name, ls, ld)
		}
		if d := deepmfTestRelDiff(ws.Grads, wd.Grads); d > 1e-12 {
			t.Fatalf("%s: sparse and dense gradients differ by %v (relative)", name, d)
		}
		deepmfTestCheckFD(t, name+" completion", m, completion, ws)

		sensing := deepmfTestSensing(rng, shape.rows, shape.cols, 4)
		w := NewDeepMFWork(m)
		l := DeepMFGrad(m, sensing, w)
		if v := sensing.Value(m.Product()); math.Abs(v-l) > 1e-12*(1+v) {
			t.Fatalf("%s sensing: Value %v, gradient's loss %v", name, v, l)
		}
		deepmfTestCheckFD(t, name+" sensing", m, sensing, w)
	}
}

// TestDeepMFParallelMatchesSerial forces the jobs onto 2, 3 and 5 shares (whatever
// GOMAXPROCS) and compares with the serial gradient: the splits are by output rows and every
// entry is accumulated in the same order, so they agree (asserted to 1e-12 relative).
func TestDeepMFParallelMatchesSerial(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, shape := range []struct {
		rows, cols int
		hidden     []int
	}{{37, 41, nil}, {37, 41, []int{29}}, {41, 37, []int{23, 31}}, {30, 30, []int{30, 30, 30}}, {23, 45, []int{300, 17}}} {
		m := NewDeepMF(shape.rows, shape.cols, shape.hidden...)
		m.GaussianInit(0.3, rng)
		for _, loss := range []EndToEndLoss{deepmfTestCompletion(rng, shape.rows, shape.cols, 0.3), deepmfTestSensing(rng, shape.rows, shape.cols, 3)} {
			for _, grad := range []struct {
				name string
				f    DeepMFGradient
			}{{"sparse", DeepMFGrad}, {"dense", DeepMFDenseGrad}} {
				serial := NewDeepMFWork(m)
				serial.st.forceParts = 1
				ls := grad.f(m, loss, serial)
				for _, parts := range []int{2, 3, 5} {
					name := fmt.Sprintf("%d×%d hidden %v %T %s parts %d", shape.rows, shape.cols, shape.hidden, loss, grad.name, parts)
					par := NewDeepMFWork(m)
					par.st.forceParts, par.st.minWork = parts, 1
					lp := grad.f(m, loss, par)
					if par.st.pool == nil && m.Depth() > 1 {
						t.Fatalf("%s: no helper was started", name)
					}
					if math.Abs(lp-ls) > 1e-12*ls {
						t.Fatalf("%s: loss %v, serial %v", name, lp, ls)
					}
					if d := deepmfTestRelDiff(par.Grads, serial.Grads); d > 1e-12 {
						t.Fatalf("%s: parallel and serial gradients differ by %v (relative)", name, d)
					}
					par.Close()
				}
			}
		}
	}
}

// TestDeepMFConcurrentWorks runs several works at once, each splitting its jobs over three
// participants, so that helpers wake late, find their chunks taken, or carry over into the
// next job (run it under -race): every result equals the serial one.
func TestDeepMFConcurrentWorks(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	m := NewDeepMF(31, 29, 27, 33)
	m.GaussianInit(0.3, rng)
	loss := deepmfTestCompletion(rng, 31, 29, 0.4)
	serial := NewDeepMFWork(m)
	serial.st.forceParts = 1
	want := DeepMFGrad(m, loss, serial)
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			w := NewDeepMFWork(m)
			defer w.Close()
			w.st.forceParts, w.st.minWork = 3, 1
			for it := range 40 {
				grad := DeepMFGrad
				if it%2 == 1 {
					grad = DeepMFDenseGrad
				}
				if l := grad(m, loss, w); math.Abs(l-want) > 1e-12*want {
					errs <- fmt.Errorf("goroutine %d call %d: loss %v, serial %v", g, it, l, want)
					return
				}
				if d := deepmfTestRelDiff(w.Grads, serial.Grads); d > 1e-12 {
					errs <- fmt.Errorf("goroutine %d call %d: gradients differ from serial by %v", g, it, d)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestDeepMFStepAllocatesNothing: after a warm-up call, a gradient call plus Apply allocates
// nothing, for depths 1–4, sparse and dense gradients, completion and sensing, serial and
// with the jobs forced onto helper goroutines; and at 128×128 with the default parallel
// threshold (where gonum's Dgemm, which the engine no longer uses, goes parallel and
// allocates 10 objects, 960 B, per product).
func TestDeepMFStepAllocatesNothing(t *testing.T) {
	big := NewDeepMFSquare(128, 3)
	big.GaussianInit(0.05, rand.New(rand.NewPCG(15, 16)))
	bigLoss := deepmfTestCompletion(rand.New(rand.NewPCG(17, 18)), 128, 128, 0.1)
	for _, grad := range []DeepMFGradient{DeepMFGrad, DeepMFDenseGrad} {
		for _, parts := range []int{0, 2} { // 0: GOMAXPROCS (AllocsPerRun sets it to 1)
			w := NewDeepMFWork(big)
			w.st.forceParts = parts
			grad(big, bigLoss, w)
			if allocs := testing.AllocsPerRun(3, func() {
				grad(big, bigLoss, w)
				w.Apply(big, 1e-12)
			}); allocs != 0 {
				t.Errorf("128×128 depth 3 parts %d: %v allocations per step", parts, allocs)
			}
			w.Close()
		}
	}

	rng := rand.New(rand.NewPCG(11, 12))
	for depth := 1; depth <= 4; depth++ {
		m := NewDeepMFSquare(24, depth)
		m.GaussianInit(0.2, rng)
		for _, loss := range []EndToEndLoss{deepmfTestCompletion(rng, 24, 24, 0.2), deepmfTestSensing(rng, 24, 24, 5)} {
			for _, grad := range []struct {
				name string
				f    DeepMFGradient
			}{{"sparse", DeepMFGrad}, {"dense", DeepMFDenseGrad}} {
				for _, parts := range []int{1, 2, 3} {
					w := NewDeepMFWork(m)
					w.st.forceParts, w.st.minWork = parts, 1
					grad.f(m, loss, w)
					if allocs := testing.AllocsPerRun(20, func() {
						grad.f(m, loss, w)
						w.Apply(m, 1e-9)
					}); allocs != 0 {
						t.Errorf("depth %d %T %s parts %d: %v allocations per step", depth, loss, grad.name, parts, allocs)
					}
					w.Close()
				}
			}
		}
	}
}

// deepmfTestHelpersGone waits (up to a few seconds, collecting garbage) until every helper of
// p has returned.
func deepmfTestHelpersGone(p *deepmfPool, collect bool) bool {
	gone := make(chan struct{})
	go func() {
		p.exited.Wait()
		close(gone)
	}()
	for range 500 {
		if collect {
			runtime.GC()
		}
		select {
		case <-gone:
			return true
		case <-time.After(10 * time.Millisecond):
		}
	}
	return false
}

// TestDeepMFWorkHelpersStop: Close stops the helpers (and the work still works afterwards,
// restarting them); a dropped work's helpers stop when it is collected; small problems never
// start a helper.
func TestDeepMFWorkHelpersStop(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m := NewDeepMFSquare(20, 3)
	m.GaussianInit(0.3, rng)
	loss := deepmfTestCompletion(rng, 20, 20, 0.3)

	w := NewDeepMFWork(m)
	w.st.forceParts, w.st.minWork = 3, 1
	want := DeepMFGrad(m, loss, w)
	p := w.st.pool
	if p == nil || len(p.wake) != 2 {
		t.Fatalf("pool %+v, want 2 helpers", p)
	}
	w.Close()
	if !deepmfTestHelpersGone(p, false) {
		t.Fatal("helpers still running after Close")
	}
	w.Close() // idempotent
	if got := DeepMFGrad(m, loss, w); got != want || w.st.pool == nil {
		t.Fatalf("after Close: loss %v (want %v), pool %v", got, want, w.st.pool)
	}
	w.Close()

	dropped := NewDeepMFWork(m)
	dropped.st.forceParts, dropped.st.minWork = 2, 1
	DeepMFGrad(m, loss, dropped)
	p = dropped.st.pool
	dropped = nil
	if !deepmfTestHelpersGone(p, true) {
		t.Fatal("helpers of a dropped work still running after garbage collection")
	}

	small := NewDeepMFSquare(2, 3)
	small.GaussianInit(0.3, rng)
	c, err := NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	ws := NewDeepMFWork(small)
	DeepMFGrad(small, c, ws)
	DeepMFDenseGrad(small, c, ws)
	if ws.st.pool != nil {
		t.Fatal("a 2×2 problem started helpers")
	}
}
