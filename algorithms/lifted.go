package algorithms

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Lifted tensor formulation of matrix sensing (Ma, Lavaei, Sojoudi, NeurIPS 2023; THEOREMS.md
// §6). The unlifted problem is f(X) = ½‖A(XXᵀ) − b‖² over X ∈ R^{n×r}; A(M)_k = ⟨A_k, M⟩ with
// symmetric A_k. The lifted problem optimises a tensor w of order l over R^{nr} (mode index
// a = i + n·c, the column-stacked vec(X) of the authors' code):
//
//	h(w) = ¼‖⟨A^{⊗l}, M(w)⟩ − b^{⊗l}‖²,  M(w)_{IJ} = Σ_C w_{(I,C)} w_{(J,C)}  (I, J ∈ [n]^l, C ∈ [r]^l),
//
// the paper's ⟨P(w), P(w)⟩_{2∗[l]}; w = vec(X)^{⊗l} gives M = (XXᵀ)^{⊗l}. The ¼ is the authors'
// (their loss 0.25·(Awwww + ‖b^{⊗l}‖² − 2·Azzww), gradient Awww − Azzw; the paper's Lemma 12
// step). With 𝔄_k = A_{k1} ⊗ ⋯ ⊗ A_{kl} and the lifted residual r_k = ⟨𝔄_k, M⟩ − b_{k1}⋯b_{kl},
//
//	∇h(w)_{(I,C)} = Σ_J G_{IJ} w_{(J,C)},  G = Σ_k r_k 𝔄_k = Q^{⊗l}(M) − U^{⊗l},
//
// where Q(M) = Σ_k ⟨A_k, M⟩A_k and U = Q(M*) = Σ_k b_k A_k (the paper's U = A*(b)). Nothing of
// size m^l·n^{2l} is formed: the lifted measurements are contracted mode by mode.

// LiftedObjective is a lifted matrix sensing objective h (above). Dense methods take any
// tensor of order l over R^{nr} (row-major, d^l entries) and assume no symmetry; Grad takes
// symmetric storage.
type LiftedObjective interface {
	// N, Rank and Order give n, r and l; Dim is n·r.
	N() int
	Rank() int
	Order() int
	Dim() int
	// GradDense writes ∇h(w) into g and returns h(w), for any dense w (len Dim()^Order()).
	GradDense(g, w []float64) float64
	// Grad writes ∇h(w) into g and returns h(w) for a symmetric w (the gradient of a
	// symmetric w is symmetric: h is invariant under permuting the l modes jointly).
	Grad(g, w *SymTensor, work *LiftedWork) float64
	// Unlifted returns the unlifted loss ½‖A(M) − b‖² as a sensing loss of M = XXᵀ (weight 1).
	Unlifted() *Sensing
	// MeasurementNorm2 returns ‖b‖².
	MeasurementNorm2() float64
}

// LiftedGradient computes ∇h(w) into g and returns h(w) for a symmetric w: LiftedGrad (the
// objective's own) is ours; a user's implementation can stand in for it in the theorems.
type LiftedGradient func(p LiftedObjective, g, w *SymTensor, work *LiftedWork) float64

// LiftedGrad is the objective's own symmetric-storage gradient.
func LiftedGrad(p LiftedObjective, g, w *SymTensor, work *LiftedWork) float64 {
	return p.Grad(g, w, work)
}

// LiftedDenseGradient computes ∇h(w) into g and returns h(w) for any dense w.
type LiftedDenseGradient func(p LiftedObjective, g, w []float64) float64

// LiftedGradDense is the objective's own dense gradient (no symmetry assumed).
func LiftedGradDense(p LiftedObjective, g, w []float64) float64 { return p.GradDense(g, w) }

// LiftedWork is scratch for lifted gradients; buffers grow on first use and are reused, so a
// gradient step allocates nothing once warm. One LiftedWork serves one goroutine.
type LiftedWork struct {
	bufs [16][]float64
	ints [4][]int
	pair []int32
}

// Scratch slots of the fast completion gradient (T_s lives in ltSlotT+s−1, s ≤ l/2 ≤ 7).
const (
	ltSlotT = 5
	ltSlotP = 12
	ltSlotQ = 13
	ltSlotR = 14
)

// ibuf returns integer scratch buffer i with length n.
func (wk *LiftedWork) ibuf(i, n int) []int {
	if cap(wk.ints[i]) < n {
		wk.ints[i] = make([]int, n)
	}
	return wk.ints[i][:n]
}

// buf returns scratch buffer i with length n (contents unspecified).
func (wk *LiftedWork) buf(i, n int) []float64 {
	if cap(wk.bufs[i]) < n {
		wk.bufs[i] = make([]float64, n)
	}
	return wk.bufs[i][:n]
}

// ltIntPow is b^e for small non-negative integers.
func ltIntPow(b, e int) int {
	p := 1
	for range e {
		p *= b
	}
	return p
}

// ltModeApply applies the rows×k matrix A (row-major) along mode `mode` of the tensor src of
// row-major shape (outer, k, inner), writing the (outer, rows, inner) tensor dst.
func ltModeApply(dst, src []float64, outer, k, inner int, A []float64, rows int) {
	if inner == 1 { // last mode: dot products with contiguous fibres
		for o := range outer {
			s := src[o*k : (o+1)*k]
			d := dst[o*rows : (o+1)*rows]
			for r := range d {
				arow := A[r*k : (r+1)*k]
				var t float64
				for j, a := range arow {
					t += a * s[j]
				}
				d[r] = t
			}
		}
		return
	}
	for o := range outer {
		s := src[o*k*inner : (o+1)*k*inner]
		d := dst[o*rows*inner : (o+1)*rows*inner]
		for r := range rows {
			dr := d[r*inner : (r+1)*inner]
			clear(dr)
			arow := A[r*k : (r+1)*k]
			for j, a := range arow {
				if a == 0 {
					continue
				}
				sj := s[j*inner : (j+1)*inner]
				for t, v := range sj {
					dr[t] += a * v
				}
			}
		}
	}
}

// ltApplyAllModes applies the n×n matrix A along every mode of the order-k tensor x over
// R^n (len n^k) and leaves the result in one of a, b (returned); x is not modified unless
// it is a or b.
func ltApplyAllModes(x []float64, n, k int, A []float64, a, b []float64) []float64 {
	src := x
	dst := a
	for q := range k {
		ltModeApply(dst, src, ltIntPow(n, q), n, ltIntPow(n, k-1-q), A, n)
		src = dst
		if &dst[0] == &a[0] {
			dst = b
		} else {
			dst = a
		}
	}
	return src
}

// ltCheckSymmetric reports whether the n×n row-major matrix is exactly symmetric.
func ltCheckSymmetric(a []float64, n int) bool {
	for i := range n {
		for j := range i {
			if a[i*n+j] != a[j*n+i] {
				return false
			}
		}
	}
	return true
}

// LiftedSensing is h for general symmetric measurement matrices A_1, …, A_m.
type LiftedSensing struct {
	n, r, l, m int
	// amat holds vec(A_k) in row k (m × n²).
	amat []float64
	b    []float64
	// u is U = Σ_k b_k A_k (n × n).
	u      []float64
	bnorm2 float64
	shape  *SymShape
}

// NewLiftedSensing returns the order-l, rank-r lifting of ½‖A(XXᵀ) − b‖² for symmetric n×n
// measurement matrices A.
func NewLiftedSensing(A []*mat.Dense, b []float64, rank, order int) (*LiftedSensing, error) {
	if len(A) == 0 || len(A) != len(b) {
		return nil, fmt.Errorf("lifted sensing: %d measurement matrices and %d measurements", len(A), len(b))
	}
	if rank < 1 || order < 1 {
		return nil, fmt.Errorf("lifted sensing: rank %d and order %d must be positive", rank, order)
	}
	n, c := A[0].Dims()
	if n != c {
		return nil, fmt.Errorf("lifted sensing: A_0 is %d×%d, not square", n, c)
	}
	p := &LiftedSensing{n: n, r: rank, l: order, m: len(A), amat: make([]float64, 0, len(A)*n*n), b: slices.Clone(b), u: make([]float64, n*n)}
	for k, a := range A {
		if ar, ac := a.Dims(); ar != n || ac != n {
			return nil, fmt.Errorf("lifted sensing: A_%d is %d×%d, A_0 is %d×%d", k, ar, ac, n, n)
		}
		for i := range n {
			for j := range n {
				v := a.At(i, j)
				if v != a.At(j, i) {
					return nil, fmt.Errorf("lifted sensing: A_%d is not symmetric at (%d, %d)", k, i, j)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("lifted sensing: A_%d has a non-finite entry", k)
				}
				p.amat = append(p.amat, v)
				p.u[i*n+j] += b[k] * v
			}
		}
		p.bnorm2 += b[k] * b[k]
	}
	p.shape = SymShapeOf(n*rank, order)
	return p, nil
}

func (p *LiftedSensing) N() int                    { return p.n }
func (p *LiftedSensing) Rank() int                 { return p.r }
func (p *LiftedSensing) Order() int                { return p.l }
func (p *LiftedSensing) Dim() int                  { return p.n * p.r }
func (p *LiftedSensing) MeasurementNorm2() float64 { return p.bnorm2 }

// Measurements returns m.
func (p *LiftedSensing) Measurements() int { return p.m }

// Unlifted returns ½‖A(M) − b‖² as a Sensing loss.
func (p *LiftedSensing) Unlifted() *Sensing {
	A := make([]*mat.Dense, p.m)
	nn := p.n * p.n
	for k := range A {
		A[k] = mat.NewDense(p.n, p.n, slices.Clone(p.amat[k*nn:(k+1)*nn]))
	}
	s, err := NewSensing(A, p.b, 1)
	if err != nil {
		panic(err)
	}
	return s
}

// ltGramTensor writes M(w)_{IJ} = Σ_C w_{(I,C)} w_{(J,C)} (n^l × n^l, I-major) for a dense w
// over [nr]^l.
func ltGramTensor(M, w []float64, n, r, l int, wk *LiftedWork) {
	nl := ltIntPow(n, l)
	rl := ltIntPow(r, l)
	d := n * r
	// off[I·r^l + C] = dense offset of the mode indices (i_q + n·c_q)_q.
	if len(wk.pair) != nl*rl {
		wk.pair = make([]int32, nl*rl)
	}
	off := wk.pair
	for I := range nl {
		for C := range rl {
			o, ri, rc := 0, I, C
			pi, pc := nl, rl
			for range l {
				pi /= n
				pc /= r
				o = o*d + (ri/pi + n*(rc/pc))
				ri %= pi
				rc %= pc
			}
			off[I*rl+C] = int32(o)
		}
	}
	for I := range nl {
		for J := I; J < nl; J++ {
			var s float64
			for C := range rl {
				s += w[off[I*rl+C]] * w[off[J*rl+C]]
			}
			M[I*nl+J] = s
			M[J*nl+I] = s
		}
	}
}

// ltApplyGram writes g_{(I,C)} = Σ_J G_{IJ} w_{(J,C)} (offsets from ltGramTensor's table).
func ltApplyGram(g, G, w []float64, n, r, l int, wk *LiftedWork) {
	nl := ltIntPow(n, l)
	rl := ltIntPow(r, l)
	off := wk.pair
	for I := range nl {
		row := G[I*nl : (I+1)*nl]
		for C := range rl {
			var s float64
			for J, gij := range row {
				s += gij * w[off[J*rl+C]]
			}
			g[off[I*rl+C]] = s
		}
	}
}

// GradDense implements LiftedObjective: the lifted residuals r = (𝒜)^{⊗l}M − b^{⊗l} over
// [m]^l by mode products of the m×n² matrix 𝒜 = [vec A_k]_k on M in pair layout
// ((i_1 j_1), …, (i_l j_l)), then G = (𝒜ᵀ)^{⊗l} r, then g = G·w.
func (p *LiftedSensing) GradDense(g, w []float64) float64 {
	wk := &LiftedWork{}
	return p.gradDense(g, w, wk)
}

// AbsGradDense writes, for each entry of ∇h(w), the sum of the magnitudes of the terms it is
// made of: the same contractions with |A_k|, |w| and the residual magnitudes |a_k| + |b^{⊗l}_k|
// (a rounding-error scale: any evaluation of the entry as a sum of these terms errs by at
// most γ_K times it, K the roundings on a path).
func (p *LiftedSensing) AbsGradDense(g, w []float64) {
	wk := &LiftedWork{}
	p.gradDenseMode(g, w, wk, true)
}

func (p *LiftedSensing) gradDense(g, w []float64, wk *LiftedWork) float64 {
	return p.gradDenseMode(g, w, wk, false)
}

func (p *LiftedSensing) gradDenseMode(g, w []float64, wk *LiftedWork, abs bool) float64 {
	n, r, l, m := p.n, p.r, p.l, p.m
	nl := ltIntPow(n, l)
	nn := n * n
	if len(w) != ltIntPow(n*r, l) || len(g) != len(w) {
		panic(fmt.Sprintf("lifted sensing: dense tensors of length %d and %d, want %d", len(w), len(g), ltIntPow(n*r, l)))
	}
	amat := p.amat
	if abs {
		w = ltAbsInto(wk.buf(5, len(w)), w)
		amat = ltAbsInto(wk.buf(6, len(amat)), amat)
	}
	M := wk.buf(0, nl*nl)
	ltGramTensor(M, w, n, r, l, wk)
	// Pair layout: position (p_1, …, p_l) with p_q = i_q·n + j_q.
	size := ltIntPow(nn, l)
	pairs := wk.buf(1, size)
	ltToPairs(pairs, M, n, l)
	// Forward: mode q goes from n² to m.
	big := ltIntPow(max(nn, m), l)
	a, b := wk.buf(2, big), wk.buf(3, big)
	src := pairs
	dims := slices.Repeat([]int{nn}, l)
	for q := range l {
		dst := a
		if &src[0] == &a[0] {
			dst = b
		}
		ltModeApply(dst, src, ltProd(dims[:q]), nn, ltProd(dims[q+1:]), amat, m)
		dims[q] = m
		src = dst
	}
	res := src[:ltIntPow(m, l)]
	var h float64
	idx := wk.ibuf(0, l)
	clear(idx)
	for k := range res {
		bk := 1.0
		for _, v := range idx {
			bk *= p.b[v]
		}
		if abs {
			res[k] += math.Abs(bk)
		} else {
			res[k] -= bk
		}
		h += res[k] * res[k]
		ltNext(idx, m)
	}
	h /= 4
	// Backward: mode q goes from m to n² with 𝒜ᵀ.
	at := wk.buf(4, nn*m)
	for k := range m {
		for e := range nn {
			at[e*m+k] = amat[k*nn+e]
		}
	}
	for q := range l {
		dst := a
		if &src[0] == &a[0] {
			dst = b
		}
		ltModeApply(dst, src, ltProd(dims[:q]), m, ltProd(dims[q+1:]), at, nn)
		dims[q] = nn
		src = dst
	}
	G := M // reuse: M is no longer needed
	ltFromPairs(G, src[:size], n, l)
	ltApplyGram(g, G, w, n, r, l, wk)
	return h
}

// ltProd is the product of dims.
func ltProd(dims []int) int {
	p := 1
	for _, v := range dims {
		p *= v
	}
	return p
}

// ltNext advances a little-endian-last multi-index over [m]^l in row-major order.
func ltNext(idx []int, m int) {
	for q := len(idx) - 1; q >= 0; q-- {
		idx[q]++
		if idx[q] < m {
			return
		}
		idx[q] = 0
	}
}

// ltToPairs reorders M (I-major: offset I·n^l + J) into pair layout
// Σ_q (i_q·n + j_q)·(n²)^{l−1−q}.
func ltToPairs(dst, M []float64, n, l int) {
	nl := ltIntPow(n, l)
	for I := range nl {
		for J := range nl {
			dst[ltPairOffset(I, J, n, l)] = M[I*nl+J]
		}
	}
}

// ltFromPairs is the inverse of ltToPairs.
func ltFromPairs(M, src []float64, n, l int) {
	nl := ltIntPow(n, l)
	for I := range nl {
		for J := range nl {
			M[I*nl+J] = src[ltPairOffset(I, J, n, l)]
		}
	}
}

func ltPairOffset(I, J, n, l int) int {
	o := 0
	p := ltIntPow(n, l)
	for range l {
		p /= n
		o = o*n*n + (I/p)*n + J/p
		I %= p
		J %= p
	}
	return o
}

// Grad implements LiftedObjective by expanding w, the dense gradient and compressing.
func (p *LiftedSensing) Grad(g, w *SymTensor, wk *LiftedWork) float64 {
	return ltGradViaDense(p.shape, g, w, wk, p.gradDense)
}

// ltGradViaDense runs a dense gradient on a symmetric tensor.
func ltGradViaDense(s *SymShape, g, w *SymTensor, wk *LiftedWork, dense func(g, w []float64, wk *LiftedWork) float64) float64 {
	if w.Shape != s || g.Shape != s {
		panic("lifted: tensor shape does not match the objective")
	}
	wd, gd := wk.buf(8, s.DenseLen()), wk.buf(9, s.DenseLen())
	w.ToDense(wd)
	h := dense(gd, wd, wk)
	g.FromDense(gd)
	return h
}

// LiftedCompletion is h for weighted entry measurements, the authors' perturbed completion
// operator (perturbed_mc.py, output_A_MS): one measurement per ordered pair (i, j), with
// A_{(i,j)} = mask_ij·(E_ij + E_ji)/2 and b_{(i,j)} = mask_ij·M*_ij for a symmetric mask and
// target. Then Q(M) = W ∘ sym(M) with W = mask∘mask, U = W ∘ M*, and the lifted Q^{⊗l} is an
// entry weight after symmetrising each factor: the lifted measurements are entry look-ups.
type LiftedCompletion struct {
	n, r, l int
	mask    []float64 // n×n
	target  []float64 // n×n
	w, u    []float64 // W = mask², U = W∘M*
	bnorm2  float64
	shape   *SymShape
	// subset tables for the fast symmetric gradient (r = 1).
	subsets []ltSubset
}

// ltSubset is one swap set S ⊆ [l] of the fast gradient: the term it contributes is
// T_s(I_S, I_{S̄}) with s = |S| ≤ l/2 (a complement is replaced by its smaller side).
type ltSubset struct {
	s     int
	first []int // positions read as the first block, then the rest
}

// NewLiftedCompletion returns the order-l, rank-r lifting for the symmetric n×n mask and
// target (b_{(i,j)} = mask_ij·target_ij).
func NewLiftedCompletion(mask, target *mat.Dense, rank, order int) (*LiftedCompletion, error) {
	n, c := mask.Dims()
	if n != c {
		return nil, errors.New("lifted completion: the mask must be square")
	}
	if tr, tc := target.Dims(); tr != n || tc != n {
		return nil, fmt.Errorf("lifted completion: target %d×%d for a %d×%d mask", tr, tc, n, n)
	}
	if rank < 1 || order < 1 || order > 14 {
		return nil, fmt.Errorf("lifted completion: rank %d must be positive and order %d in [1, 14]", rank, order)
	}
	p := &LiftedCompletion{n: n, r: rank, l: order, mask: make([]float64, n*n), target: make([]float64, n*n),
		w: make([]float64, n*n), u: make([]float64, n*n)}
	for i := range n {
		for j := range n {
			mk, t := mask.At(i, j), target.At(i, j)
			if math.IsNaN(mk) || math.IsInf(mk, 0) || math.IsNaN(t) || math.IsInf(t, 0) {
				return nil, errors.New("lifted completion: non-finite mask or target entry")
			}
			p.mask[i*n+j], p.target[i*n+j] = mk, t
			p.w[i*n+j] = mk * mk
			p.u[i*n+j] = mk * mk * t
			p.bnorm2 += mk * mk * t * t
		}
	}
	if !ltCheckSymmetric(p.mask, n) || !ltCheckSymmetric(p.target, n) {
		return nil, errors.New("lifted completion: mask and target must be symmetric")
	}
	p.shape = SymShapeOf(n*rank, order)
	for mask := 1; mask < 1<<order-1; mask++ {
		var in, out []int
		for q := range order {
			if mask>>q&1 == 1 {
				in = append(in, q)
			} else {
				out = append(out, q)
			}
		}
		if len(in) > len(out) {
			in, out = out, in
		}
		p.subsets = append(p.subsets, ltSubset{s: len(in), first: append(in, out...)})
	}
	return p, nil
}

func (p *LiftedCompletion) N() int                    { return p.n }
func (p *LiftedCompletion) Rank() int                 { return p.r }
func (p *LiftedCompletion) Order() int                { return p.l }
func (p *LiftedCompletion) Dim() int                  { return p.n * p.r }
func (p *LiftedCompletion) MeasurementNorm2() float64 { return p.bnorm2 }

// Weights returns W = mask∘mask and U = W∘M* (n×n row-major views: do not modify).
func (p *LiftedCompletion) Weights() (W, U []float64) { return p.w, p.u }

// measurements returns the authors' n² measurement matrices and values.
func (p *LiftedCompletion) measurements() ([]*mat.Dense, []float64) {
	n := p.n
	A := make([]*mat.Dense, 0, n*n)
	b := make([]float64, 0, n*n)
	for i := range n {
		for j := range n {
			a := mat.NewDense(n, n, nil)
			mk := p.mask[i*n+j]
			a.Set(i, j, a.At(i, j)+mk/2)
			a.Set(j, i, a.At(j, i)+mk/2)
			A = append(A, a)
			b = append(b, mk*p.target[i*n+j])
		}
	}
	return A, b
}

// AsSensing returns the same objective written with general measurement matrices (the
// authors' n² symmetrised entry matrices): a reference for the fast entry-weight gradient.
func (p *LiftedCompletion) AsSensing() *LiftedSensing {
	A, b := p.measurements()
	s, err := NewLiftedSensing(A, b, p.r, p.l)
	if err != nil {
		panic(err)
	}
	return s
}

// Unlifted returns ½‖A(M) − b‖² as a Sensing loss (the n² symmetrised entry matrices).
func (p *LiftedCompletion) Unlifted() *Sensing {
	A, b := p.measurements()
	s, err := NewSensing(A, b, 1)
	if err != nil {
		panic(err)
	}
	return s
}

// GradDense implements LiftedObjective directly from the entry structure, for any dense w:
// G_{IJ} = W^{⊗l}_{IJ}·2^{−l}Σ_σ M_{I^σ J^σ} − U^{⊗l}_{IJ}, where σ ∈ {0,1}^l swaps i_q and
// j_q where σ_q = 1 (the symmetrised factors), then g = G·w and
// h = ¼(⟨M, Q^{⊗l}M⟩ − 2⟨U^{⊗l}, M⟩ + ‖b‖^{2l}). Cost O(n^{2l}·(2^l + r^l)): a reference.
func (p *LiftedCompletion) GradDense(g, w []float64) float64 {
	wk := &LiftedWork{}
	return p.gradDense(g, w, wk)
}

// AbsGradDense writes, for each entry of ∇h(w), the sum of the magnitudes of its terms,
// Σ_J (|W^{⊗l}_{IJ}|·2^{−l}Σ_σ|M|_{I^σJ^σ} + |U^{⊗l}_{IJ}|)·|w_{(J,C)}| with |M| formed from |w|
// (a rounding-error scale, as for LiftedSensing).
func (p *LiftedCompletion) AbsGradDense(g, w []float64) {
	wk := &LiftedWork{}
	p.gradDenseMode(g, w, wk, true)
}

func (p *LiftedCompletion) gradDense(g, w []float64, wk *LiftedWork) float64 {
	return p.gradDenseMode(g, w, wk, false)
}

func (p *LiftedCompletion) gradDenseMode(g, w []float64, wk *LiftedWork, abs bool) float64 {
	n, r, l := p.n, p.r, p.l
	nl := ltIntPow(n, l)
	if len(w) != ltIntPow(n*r, l) || len(g) != len(w) {
		panic(fmt.Sprintf("lifted completion: dense tensors of length %d and %d, want %d", len(w), len(g), ltIntPow(n*r, l)))
	}
	if abs {
		w = ltAbsInto(wk.buf(5, len(w)), w)
	}
	M := wk.buf(0, nl*nl)
	ltGramTensor(M, w, n, r, l, wk)
	G := wk.buf(1, nl*nl)
	iq, jq := wk.ibuf(0, l), wk.ibuf(1, l)
	var quad, lin float64
	nsig := 1 << l
	for I := range nl {
		ltDigits(iq, I, n)
		for J := range nl {
			ltDigits(jq, J, n)
			wij, uij := 1.0, 1.0
			for q := range l {
				wij *= p.w[iq[q]*n+jq[q]]
				uij *= p.u[iq[q]*n+jq[q]]
			}
			if abs {
				wij, uij = math.Abs(wij), -math.Abs(uij)
			}
			var s float64
			for sig := range nsig {
				a, b := 0, 0
				for q := range l {
					x, y := iq[q], jq[q]
					if sig>>q&1 == 1 {
						x, y = y, x
					}
					a, b = a*n+x, b*n+y
				}
				s += M[a*nl+b]
			}
			s /= float64(nsig)
			G[I*nl+J] = wij*s - uij
			quad += M[I*nl+J] * wij * s
			lin += M[I*nl+J] * uij
		}
	}
	ltApplyGram(g, G, w, n, r, l, wk)
	return (quad - 2*lin + math.Pow(p.bnorm2, float64(l))) / 4
}

// ltAbsInto writes |src| into dst and returns dst.
func ltAbsInto(dst, src []float64) []float64 {
	for i, v := range src {
		dst[i] = math.Abs(v)
	}
	return dst
}

// ltDigits writes the base-n digits of x (most significant first) into d.
func ltDigits(d []int, x, n int) {
	for q := len(d) - 1; q >= 0; q-- {
		d[q] = x % n
		x /= n
	}
}

// Grad implements LiftedObjective. For rank 1 it uses the structured contraction below
// (O((l/2)·n^{l+⌊l/2⌋+1}) per step, n^5 for l = 3); for rank > 1 it expands to the dense
// reference. The structure: with S(ww)_{IJ} = 2^{−l}Σ_{S⊆[l]} w(j_S, i_S̄)·w(i_S, j_S̄) (swapping
// the positions in S), the swap set S contributes
//
//	Σ_{j_S} W^{⊗s}(i_S, j_S) w(j_S, i_S̄) · C_{i_S j_S}(i_S̄),
//	C_{ab}(c) = Σ_e W^{⊗(l−s)}(c, e) w(a, e) w(b, e)   (W applied along each mode of w(a,·)∘w(b,·)),
//
// which for a symmetric w is T_s(I_S, I_S̄) with T_s symmetric in both blocks, and S and its
// complement contribute the same. So the gradient needs T_s for s ≤ l/2 only.
func (p *LiftedCompletion) Grad(g, w *SymTensor, wk *LiftedWork) float64 {
	if p.r != 1 {
		return ltGradViaDense(p.shape, g, w, wk, p.gradDense)
	}
	if w.Shape != p.shape || g.Shape != p.shape {
		panic("lifted completion: tensor shape does not match the objective")
	}
	n, l := p.n, p.l
	s := p.shape
	nl := s.DenseLen()
	wd := wk.buf(0, nl)
	w.ToDense(wd)
	ping, pong := wk.buf(1, nl), wk.buf(2, nl)
	// g2 = U^{⊗l}·w.
	g2 := wk.buf(3, nl)
	copy(g2, ltApplyAllModes(wd, n, l, p.u, ping, pong))
	// T_0 = w ∘ (W^{⊗l}·(w∘w)).
	t0 := wk.buf(4, nl)
	for k, v := range wd {
		t0[k] = v * v
	}
	y := ltApplyAllModes(t0, n, l, p.w, ping, pong)
	for k, v := range wd {
		t0[k] = v * y[k]
	}
	// T_s for 1 ≤ s ≤ l/2, in layout (a ∈ [n]^s, c ∈ [n]^{l−s}) row-major.
	half := l / 2
	for sz := 1; sz <= half; sz++ {
		ts := wk.buf(ltSlotT+sz-1, nl)
		clear(ts)
		na, nc := ltIntPow(n, sz), ltIntPow(n, l-sz)
		pbuf := wk.buf(ltSlotP, nc)
		qa, qb := wk.buf(ltSlotQ, nc), wk.buf(ltSlotR, nc)
		ad, bd := wk.ibuf(0, sz), wk.ibuf(1, sz)
		for a := range na {
			ltDigits(ad, a, n)
			wa := wd[a*nc : (a+1)*nc]
			for b := a; b < na; b++ {
				ltDigits(bd, b, n)
				wab := 1.0
				for q := range sz {
					wab *= p.w[ad[q]*n+bd[q]]
				}
				if wab == 0 {
					continue
				}
				wb := wd[b*nc : (b+1)*nc]
				for e := range pbuf {
					pbuf[e] = wa[e] * wb[e]
				}
				c := ltApplyAllModes(pbuf, n, l-sz, p.w, qa, qb)
				ta := ts[a*nc : (a+1)*nc]
				for e, v := range c {
					ta[e] += wab * wb[e] * v
				}
				if b != a {
					tb := ts[b*nc : (b+1)*nc]
					for e, v := range c {
						tb[e] += wab * wa[e] * v
					}
				}
			}
		}
	}
	// Assemble at sorted multi-indices: g1 = 2^{−l}(2·T_0 + Σ_{S ≠ ∅, [l]} T_|S'|(I_S', I_rest)).
	inv := 1 / float64(int(1)<<l)
	var quad, lin float64
	for k := range g.Data {
		ix := s.Index(k)
		off := s.CanonicalOffset(k)
		v := 2 * t0[off]
		for _, sub := range p.subsets {
			o := 0
			for _, q := range sub.first {
				o = o*n + int(ix[q])
			}
			v += wk.bufs[ltSlotT+sub.s-1][o]
		}
		v *= inv
		g.Data[k] = v - g2[off]
		m := s.mult[k] * w.Data[k]
		quad += m * v
		lin += m * g2[off]
	}
	return (quad - 2*lin + math.Pow(p.bnorm2, float64(l))) / 4
}
