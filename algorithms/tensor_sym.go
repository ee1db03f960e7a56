package algorithms

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

// Symmetric tensors of order l over R^d (THEOREMS.md §6): a symmetric w is determined by its
// entries at sorted multi-indices i_1 ≤ … ≤ i_l, C(d+l−1, l) of them against d^l dense ones
// (d = 12, l = 3: 364 against 1728). SymTensor stores exactly those, in lexicographic order;
// SymShape holds the index tables every tensor of the same (d, l) shares.

// SymShape is the index structure of symmetric order-l tensors over R^d.
type SymShape struct {
	d, l int
	// idx holds the sorted multi-index of entry k at idx[k·l : (k+1)·l].
	idx []int32
	// mult[k] is the number of dense positions entry k stands for, l!/Π_v c_v! with c_v the
	// count of value v in the multi-index.
	mult []float64
	// canon[k] is the row-major dense offset of entry k's sorted multi-index.
	canon []int32
	// ofDense maps every dense offset to its entry.
	ofDense []int32
	// pow[p] = d^(l−1−p): the row-major stride of position p.
	pow []int
}

var ltShapes sync.Map // [2]int{d, l} → *SymShape

// ltMaxDenseTensor bounds d^l: the tables index every dense position.
const ltMaxDenseTensor = 1 << 26

// SymShapeOf returns the (shared) index tables of symmetric order-l tensors over R^d.
func SymShapeOf(d, l int) *SymShape {
	if d < 1 || l < 1 {
		panic(fmt.Sprintf("algorithms: symmetric tensor of order %d over R^%d", l, d))
	}
	if s, ok := ltShapes.Load([2]int{d, l}); ok {
		return s.(*SymShape)
	}
	dense := 1
	for range l {
		dense *= d
		if dense > ltMaxDenseTensor {
			panic(fmt.Sprintf("algorithms: %d^%d dense positions exceed the index tables' limit", d, l))
		}
	}
	s := &SymShape{d: d, l: l, ofDense: make([]int32, dense), pow: make([]int, l)}
	p := 1
	for q := l - 1; q >= 0; q-- {
		s.pow[q] = p
		p *= d
	}
	cur := make([]int, l)
	for {
		off := 0
		for q, v := range cur {
			off += v * s.pow[q]
		}
		for _, v := range cur {
			s.idx = append(s.idx, int32(v))
		}
		s.canon = append(s.canon, int32(off))
		s.mult = append(s.mult, ltMultiplicity(cur))
		// Next non-decreasing tuple: bump the last position below d−1, reset the tail to it.
		q := l - 1
		for q >= 0 && cur[q] == d-1 {
			q--
		}
		if q < 0 {
			break
		}
		cur[q]++
		for r := q + 1; r < l; r++ {
			cur[r] = cur[q]
		}
	}
	tuple := make([]int, l)
	for off := range dense {
		rem := off
		for q := range l {
			tuple[q] = rem / s.pow[q]
			rem %= s.pow[q]
		}
		slices.Sort(tuple)
		s.ofDense[off] = int32(s.entryOfSorted(tuple))
	}
	actual, _ := ltShapes.LoadOrStore([2]int{d, l}, s)
	return actual.(*SymShape)
}

// ltMultiplicity is l!/Π c_v! for a sorted tuple.
func ltMultiplicity(sorted []int) float64 {
	m := 1.0
	run := 0
	for q := range sorted {
		m *= float64(q + 1)
		if q > 0 && sorted[q] == sorted[q-1] {
			run++
		} else {
			run = 1
		}
		m /= float64(run)
	}
	return math.Round(m)
}

// entryOfSorted ranks a sorted tuple among the sorted tuples in lexicographic order, by
// binary search on the canonical offsets (which increase with the rank).
func (s *SymShape) entryOfSorted(sorted []int) int {
	off := 0
	for q, v := range sorted {
		off += v * s.pow[q]
	}
	k, found := slices.BinarySearch(s.canon, int32(off))
	if !found {
		panic("algorithms: symmetric index tables are inconsistent")
	}
	return k
}

// Dim returns d, Order l, Len the number of stored entries C(d+l−1, l), DenseLen d^l.
func (s *SymShape) Dim() int      { return s.d }
func (s *SymShape) Order() int    { return s.l }
func (s *SymShape) Len() int      { return len(s.mult) }
func (s *SymShape) DenseLen() int { return len(s.ofDense) }

// Index returns the sorted multi-index of entry k (a view: do not modify).
func (s *SymShape) Index(k int) []int32 { return s.idx[k*s.l : (k+1)*s.l] }

// Multiplicity returns how many dense positions entry k stands for.
func (s *SymShape) Multiplicity(k int) float64 { return s.mult[k] }

// Offset returns the row-major dense offset of the multi-index idx (any order).
func (s *SymShape) Offset(idx ...int) int {
	if len(idx) != s.l {
		panic(fmt.Sprintf("algorithms: %d indices for an order-%d tensor", len(idx), s.l))
	}
	off := 0
	for q, v := range idx {
		if v < 0 || v >= s.d {
			panic(fmt.Sprintf("algorithms: index %d out of range [0, %d)", v, s.d))
		}
		off += v * s.pow[q]
	}
	return off
}

// EntryOfOffset returns the stored entry of a dense position.
func (s *SymShape) EntryOfOffset(off int) int { return int(s.ofDense[off]) }

// CanonicalOffset returns the dense offset of entry k's sorted multi-index.
func (s *SymShape) CanonicalOffset(k int) int { return int(s.canon[k]) }

// SymTensor is a symmetric order-l tensor over R^d in symmetric storage.
type SymTensor struct {
	Shape *SymShape
	// Data holds the entries at sorted multi-indices, in lexicographic order.
	Data []float64
}

// NewSymTensor returns the zero symmetric tensor of order l over R^d.
func NewSymTensor(d, l int) *SymTensor {
	s := SymShapeOf(d, l)
	return &SymTensor{Shape: s, Data: make([]float64, s.Len())}
}

// Dim returns d; Order returns l.
func (w *SymTensor) Dim() int   { return w.Shape.d }
func (w *SymTensor) Order() int { return w.Shape.l }

// At returns w at the multi-index idx (any order).
func (w *SymTensor) At(idx ...int) float64 { return w.Data[w.Shape.ofDense[w.Shape.Offset(idx...)]] }

// CopyFrom sets w = v (same shape).
func (w *SymTensor) CopyFrom(v *SymTensor) {
	w.mustMatch(v)
	copy(w.Data, v.Data)
}

// Clone returns a copy of w.
func (w *SymTensor) Clone() *SymTensor {
	return &SymTensor{Shape: w.Shape, Data: slices.Clone(w.Data)}
}

func (w *SymTensor) mustMatch(v *SymTensor) {
	if w.Shape != v.Shape {
		panic(fmt.Sprintf("algorithms: symmetric tensors of order %d over R^%d and order %d over R^%d",
			w.Shape.l, w.Shape.d, v.Shape.l, v.Shape.d))
	}
}

// SetOuterPower sets w = c·x^{⊗l}.
func (w *SymTensor) SetOuterPower(c float64, x []float64) {
	s := w.Shape
	if len(x) != s.d {
		panic(fmt.Sprintf("algorithms: vector of length %d for a tensor over R^%d", len(x), s.d))
	}
	for k := range w.Data {
		p := c
		for _, v := range s.Index(k) {
			p *= x[v]
		}
		w.Data[k] = p
	}
}

// Axpy sets w += a·v.
func (w *SymTensor) Axpy(a float64, v *SymTensor) {
	w.mustMatch(v)
	for k, x := range v.Data {
		w.Data[k] += a * x
	}
}

// Inner returns the Frobenius inner product ⟨w, v⟩ of the full tensors (each stored entry
// weighted by its multiplicity).
func (w *SymTensor) Inner(v *SymTensor) float64 {
	w.mustMatch(v)
	var t float64
	for k, x := range w.Data {
		t += w.Shape.mult[k] * x * v.Data[k]
	}
	return t
}

// Norm returns the Frobenius norm ‖w‖_F of the full tensor.
func (w *SymTensor) Norm() float64 { return math.Sqrt(w.Inner(w)) }

// Contract returns ⟨w, u^{⊗l}⟩ = Σ w_{i1…il} u_{i1}⋯u_{il}.
func (w *SymTensor) Contract(u []float64) float64 {
	s := w.Shape
	var t float64
	for k, x := range w.Data {
		p := s.mult[k] * x
		for _, v := range s.Index(k) {
			p *= u[v]
		}
		t += p
	}
	return t
}

// ContractAllButOne writes w·u^{l−1}, the vector with entries Σ w_{i,i2…il} u_{i2}⋯u_{il},
// into dst (len d) and returns ⟨w, u^{⊗l}⟩ = ⟨dst, u⟩. It is (1/l)·∇_u⟨w, u^{⊗l}⟩: each stored
// entry adds its multiplicity times the product of the other factors to each of its
// positions' coordinates (no division by u, so zeros in u are exact).
func (w *SymTensor) ContractAllButOne(dst, u []float64) float64 {
	s := w.Shape
	clear(dst)
	l := s.l
	var stack [17]float64
	pre := stack[:0]
	if l+1 <= len(stack) {
		pre = stack[:l+1]
	} else {
		pre = make([]float64, l+1)
	}
	for k, x := range w.Data {
		ix := s.Index(k)
		pre[0] = 1
		for q, v := range ix {
			pre[q+1] = pre[q] * u[v]
		}
		c := s.mult[k] * x / float64(l)
		suf := 1.0
		for q := l - 1; q >= 0; q-- {
			dst[ix[q]] += c * pre[q] * suf
			suf *= u[ix[q]]
		}
	}
	var t float64
	for i, v := range dst {
		t += v * u[i]
	}
	return t
}

// ToDense writes the full tensor into dst (len d^l, row-major).
func (w *SymTensor) ToDense(dst []float64) {
	s := w.Shape
	if len(dst) != len(s.ofDense) {
		panic(fmt.Sprintf("algorithms: dense buffer of length %d for %d positions", len(dst), len(s.ofDense)))
	}
	for off, k := range s.ofDense {
		dst[off] = w.Data[k]
	}
}

// FromDense sets w from a dense tensor by reading each sorted multi-index's entry: exact for
// a symmetric src; for any other src it keeps one representative per orbit.
func (w *SymTensor) FromDense(src []float64) {
	s := w.Shape
	if len(src) != len(s.ofDense) {
		panic(fmt.Sprintf("algorithms: dense buffer of length %d for %d positions", len(src), len(s.ofDense)))
	}
	for k, off := range s.canon {
		w.Data[k] = src[off]
	}
}

// DenseAsymmetry returns max over dense positions of |w_I − w_sort(I)| and the largest
// |w_sort(I)|: zero exactly when the dense tensor is symmetric.
func DenseAsymmetry(s *SymShape, w []float64) (maxDev, maxAbs float64) {
	for off, k := range s.ofDense {
		c := w[s.canon[k]]
		maxDev = math.Max(maxDev, math.Abs(w[off]-c))
		maxAbs = math.Max(maxAbs, math.Abs(c))
	}
	return maxDev, maxAbs
}

// ApplyEveryMode sets dst = A^{⊗l}·w, the tensor with entries Σ_J A_{i1 j1}⋯A_{il jl} w_J, for a
// symmetric d×d matrix A (row-major, len d²): the result is symmetric. It runs densely in
// work's scratch (3·d^l entries).
func (w *SymTensor) ApplyEveryMode(dst *SymTensor, A []float64, work *LiftedWork) {
	w.mustMatch(dst)
	s := w.Shape
	if len(A) != s.d*s.d {
		panic(fmt.Sprintf("algorithms: %d matrix entries for a tensor over R^%d", len(A), s.d))
	}
	dense := work.buf(0, s.DenseLen())
	w.ToDense(dense)
	out := ltApplyAllModes(dense, s.d, s.l, A, work.buf(1, s.DenseLen()), work.buf(2, s.DenseLen()))
	dst.FromDense(out)
}
