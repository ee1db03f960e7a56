package algorithms_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
)

func ltRandSym(rng *rand.Rand, n int) *mat.Dense {
	a := mat.NewDense(n, n, nil)
	for i := range n {
		for j := 0; j <= i; j++ {
			v := rng.NormFloat64()
			a.Set(i, j, v)
			a.Set(j, i, v)
		}
	}
	return a
}

func ltRandCompletion(t *testing.T, rng *rand.Rand, n, r, l int) *algorithms.LiftedCompletion {
	t.Helper()
	mask := ltRandSym(rng, n)
	target := ltRandSym(rng, n)
	p, err := algorithms.NewLiftedCompletion(mask, target, r, l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ltRandSensing(t *testing.T, rng *rand.Rand, n, m, r, l int) *algorithms.LiftedSensing {
	t.Helper()
	A := make([]*mat.Dense, m)
	b := make([]float64, m)
	for k := range A {
		A[k] = ltRandSym(rng, n)
		b[k] = rng.NormFloat64()
	}
	p, err := algorithms.NewLiftedSensing(A, b, r, l)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func ltRandVec(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

func ltClose(a, b, scale, tol float64) bool { return math.Abs(a-b) <= tol*scale }

func TestSymShapeTables(t *testing.T) {
	for _, c := range []struct{ d, l, want int }{{1, 3, 1}, {3, 1, 3}, {4, 2, 10}, {12, 3, 364}, {5, 4, 70}} {
		s := algorithms.SymShapeOf(c.d, c.l)
		if s.Len() != c.want {
			t.Fatalf("d=%d l=%d: %d entries, want C(d+l−1, l) = %d", c.d, c.l, s.Len(), c.want)
		}
		var total float64
		for k := range s.Len() {
			total += s.Multiplicity(k)
			ix := s.Index(k)
			for q := 1; q < len(ix); q++ {
				if ix[q] < ix[q-1] {
					t.Fatalf("entry %d index %v not sorted", k, ix)
				}
			}
		}
		if int(total) != s.DenseLen() {
			t.Fatalf("d=%d l=%d: multiplicities sum to %v, want %d", c.d, c.l, total, s.DenseLen())
		}
	}
}

func TestSymTensorDenseRoundTripAndContractions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct{ d, l int }{{3, 3}, {4, 2}, {2, 5}, {5, 1}} {
		w := algorithms.NewSymTensor(c.d, c.l)
		for k := range w.Data {
			w.Data[k] = rng.NormFloat64()
		}
		dense := make([]float64, w.Shape.DenseLen())
		w.ToDense(dense)
		if dev, _ := algorithms.DenseAsymmetry(w.Shape, dense); dev != 0 {
			t.Fatalf("expanded tensor is not symmetric: %g", dev)
		}
		v := algorithms.NewSymTensor(c.d, c.l)
		v.FromDense(dense)
		for k := range v.Data {
			if v.Data[k] != w.Data[k] {
				t.Fatal("FromDense(ToDense(w)) ≠ w")
			}
		}
		var norm2 float64
		for _, x := range dense {
			norm2 += x * x
		}
		if !ltClose(w.Norm()*w.Norm(), norm2, norm2, 1e-13) {
			t.Fatalf("‖w‖² = %v, dense %v", w.Norm()*w.Norm(), norm2)
		}
		u := ltRandVec(rng, c.d)
		// ⟨w, u^{⊗l}⟩ densely.
		var want float64
		idx := make([]int, c.l)
		for off, x := range dense {
			rem := off
			p := x
			for q := c.l - 1; q >= 0; q-- {
				idx[q] = rem % c.d
				rem /= c.d
			}
			for _, i := range idx {
				p *= u[i]
			}
			want += p
		}
		got := w.Contract(u)
		if !ltClose(got, want, math.Abs(want)+1, 1e-12) {
			t.Fatalf("Contract = %v, dense %v", got, want)
		}
		vec := make([]float64, c.d)
		if tot := w.ContractAllButOne(vec, u); !ltClose(tot, want, math.Abs(want)+1, 1e-12) {
			t.Fatalf("ContractAllButOne total %v, want %v", tot, want)
		}
		// (1/l)·∇_u⟨w, u^{⊗l}⟩ by central differences.
		for i := range u {
			h := 1e-5
			u[i] += h
			fp := w.Contract(u)
			u[i] -= 2 * h
			fm := w.Contract(u)
			u[i] += h
			fd := (fp - fm) / (2 * h) / float64(c.l)
			if !ltClose(vec[i], fd, math.Abs(fd)+1, 1e-6) {
				t.Fatalf("ContractAllButOne[%d] = %v, finite difference %v", i, vec[i], fd)
			}
		}
	}
}

// The fast symmetric completion gradient, the dense entry-weight gradient and the general
// sensing gradient on the same measurements agree on symmetric tensors.
func TestLiftedCompletionGradientsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct{ n, l int }{{3, 1}, {3, 2}, {3, 3}, {4, 3}, {2, 4}, {3, 5}} {
		p := ltRandCompletion(t, rng, c.n, 1, c.l)
		sens := p.AsSensing()
		w := algorithms.NewSymTensor(c.n, c.l)
		for k := range w.Data {
			w.Data[k] = rng.NormFloat64()
		}
		g := algorithms.NewSymTensor(c.n, c.l)
		var wk algorithms.LiftedWork
		h := p.Grad(g, w, &wk)
		dense := make([]float64, w.Shape.DenseLen())
		w.ToDense(dense)
		gd := make([]float64, len(dense))
		hd := p.GradDense(gd, dense)
		gs := make([]float64, len(dense))
		hs := sens.GradDense(gs, dense)
		scale := math.Abs(hd) + math.Pow(p.MeasurementNorm2(), float64(c.l)) + 1
		if !ltClose(h, hd, scale, 1e-12) || !ltClose(hs, hd, scale, 1e-12) {
			t.Fatalf("n=%d l=%d: h fast %v, dense %v, sensing %v", c.n, c.l, h, hd, hs)
		}
		var gscale float64
		for _, v := range gd {
			gscale = math.Max(gscale, math.Abs(v))
		}
		for off := range dense {
			k := w.Shape.EntryOfOffset(off)
			if !ltClose(g.Data[k], gd[off], gscale+1, 1e-12) || !ltClose(gs[off], gd[off], gscale+1, 1e-12) {
				t.Fatalf("n=%d l=%d offset %d: fast %v, dense %v, sensing %v", c.n, c.l, off, g.Data[k], gd[off], gs[off])
			}
		}
	}
}

// The dense gradients are gradients: central differences of h on non-symmetric tensors,
// ranks 1 and 2.
func TestLiftedDenseGradientFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	objs := []algorithms.LiftedObjective{
		ltRandCompletion(t, rng, 3, 1, 3),
		ltRandCompletion(t, rng, 2, 2, 2),
		ltRandSensing(t, rng, 3, 4, 1, 3),
		ltRandSensing(t, rng, 2, 3, 2, 2),
	}
	for oi, p := range objs {
		size := 1
		for range p.Order() {
			size *= p.Dim()
		}
		w := ltRandVec(rng, size)
		g := make([]float64, size)
		p.GradDense(g, w)
		scratch := make([]float64, size)
		for i := range w {
			h := 1e-6
			w[i] += h
			fp := p.GradDense(scratch, w)
			w[i] -= 2 * h
			fm := p.GradDense(scratch, w)
			w[i] += h
			fd := (fp - fm) / (2 * h)
			if !ltClose(g[i], fd, math.Abs(fd)+1, 1e-5) {
				t.Fatalf("objective %d coordinate %d: gradient %v, finite difference %v", oi, i, g[i], fd)
			}
		}
	}
}

// At w = x^{⊗l} (rank 1), h = ¼(‖a‖^{2l} − 2⟨a, b⟩^l + ‖b‖^{2l}) with a = A(xxᵀ); at l = 1,
// h = ½·(½‖A(xxᵀ) − b‖²).
func TestLiftedRankOneValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, l := range []int{1, 2, 3} {
		p := ltRandSensing(t, rng, 3, 5, 1, l)
		x := ltRandVec(rng, 3)
		w := algorithms.NewSymTensor(3, l)
		w.SetOuterPower(1, x)
		g := algorithms.NewSymTensor(3, l)
		var wk algorithms.LiftedWork
		h := p.Grad(g, w, &wk)
		un := p.Unlifted()
		X := mat.NewDense(3, 3, nil)
		X.Outer(1, mat.NewVecDense(3, x), mat.NewVecDense(3, x))
		var a2, ab float64
		for k := range un.A {
			var ak float64
			for i := range 3 {
				for j := range 3 {
					ak += un.A[k].At(i, j) * X.At(i, j)
				}
			}
			a2 += ak * ak
			ab += ak * un.Y[k]
		}
		want := (math.Pow(a2, float64(l)) - 2*math.Pow(ab, float64(l)) + math.Pow(p.MeasurementNorm2(), float64(l))) / 4
		if !ltClose(h, want, math.Abs(want)+1, 1e-12) {
			t.Fatalf("l=%d: h(x^{⊗l}) = %v, want %v", l, h, want)
		}
		if l == 1 {
			if v := un.Value(X); !ltClose(h, v/2, math.Abs(v)+1, 1e-12) {
				t.Fatalf("l=1: h = %v, ½·unlifted = %v", h, v/2)
			}
		}
	}
}
