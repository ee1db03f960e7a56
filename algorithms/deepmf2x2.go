package algorithms

import (
	"fmt"
	"math"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// Fixed-size deep factorisation of 2×2 matrices with 2×2 factors (Razin, Cohen 2020;
// THEOREMS.md §4). The paper-scale runs take millions of GD steps on a 2×2 product; the
// generic DeepMF pays for gonum matrices and BLAS calls on every one of them, this form does
// the same arithmetic on [4]float64 arrays with no allocation, so 3.6 million depth-3 steps
// take a fraction of a second. DeepMFGrad remains the reference it is tested against.
//
// A 2×2 matrix is stored row-major: [4]float64{w11, w12, w21, w22}.

// Completion2x2 is a completion loss on a 2×2 matrix,
//
//	ℓ(W) = (Weight/2)·Σ_{k : Observed[k]} (W[k] − Target[k])²,
//
// entries indexed row-major (k = 2i + j for W_{i+1, j+1}). Weight 1 is ½·SSE.
type Completion2x2 struct {
	Observed [4]bool
	Target   [4]float64
	Weight   float64
}

// NewCompletion2x2 converts a 2×2 Completion (any observed subset, values and weight).
func NewCompletion2x2(c *Completion) (*Completion2x2, error) {
	if r, k := c.Dims(); r != 2 || k != 2 {
		return nil, fmt.Errorf("completion2x2: the completion is %d×%d, not 2×2", r, k)
	}
	o := &Completion2x2{Weight: c.Weight}
	for k := range c.I {
		idx := 2*c.I[k] + c.J[k]
		o.Observed[idx], o.Target[idx] = true, c.M[k]
	}
	return o, nil
}

// Completion returns the generic form of the same loss (the cross-check reference).
func (o *Completion2x2) Completion() *Completion {
	var I, J []int
	var v []float64
	for k, ob := range o.Observed {
		if ob {
			I, J, v = append(I, k/2), append(J, k%2), append(v, o.Target[k])
		}
	}
	c, err := NewCompletion(2, 2, I, J, v, o.Weight)
	if err != nil {
		panic("algorithms: " + err.Error())
	}
	return c
}

// Loss returns ℓ(W).
func (o *Completion2x2) Loss(W [4]float64) float64 {
	var s float64
	for k, ob := range o.Observed {
		if ob {
			r := W[k] - o.Target[k]
			s += r * r
		}
	}
	return o.Weight / 2 * s
}

// residual returns ∇ℓ(W) (Weight·(W − Target) on the observed entries, 0 elsewhere) and ℓ(W).
func (o *Completion2x2) residual(W [4]float64) (E [4]float64, loss float64) {
	var s float64
	for k, ob := range o.Observed {
		if ob {
			r := W[k] - o.Target[k]
			E[k] = o.Weight * r
			s += r * r
		}
	}
	return E, o.Weight / 2 * s
}

// DeepMF2x2 is a depth-N factorisation W = W_N⋯W_1 of a 2×2 matrix with 2×2 factors;
// Layers[j−1] is W_j, row-major.
type DeepMF2x2 struct {
	Layers [][4]float64
}

// NewDeepMF2x2 copies a generic factorisation whose every factor is 2×2.
func NewDeepMF2x2(m *DeepMF) (*DeepMF2x2, error) {
	out := &DeepMF2x2{Layers: make([][4]float64, len(m.Layers))}
	for j, l := range m.Layers {
		if r, c := l.Dims(); r != 2 || c != 2 {
			return nil, fmt.Errorf("deepmf2x2: factor %d is %d×%d, not 2×2", j+1, r, c)
		}
		out.Layers[j] = [4]float64{l.At(0, 0), l.At(0, 1), l.At(1, 0), l.At(1, 1)}
	}
	return out, nil
}

// DeepMF returns the generic form (new matrices).
func (m *DeepMF2x2) DeepMF() *DeepMF {
	out := &DeepMF{Layers: make([]*mat.Dense, len(m.Layers))}
	for j, l := range m.Layers {
		out.Layers[j] = mat.NewDense(2, 2, []float64{l[0], l[1], l[2], l[3]})
	}
	return out
}

// Clone returns a deep copy.
func (m *DeepMF2x2) Clone() *DeepMF2x2 {
	return &DeepMF2x2{Layers: append([][4]float64(nil), m.Layers...)}
}

// Product returns W = W_N⋯W_1.
func (m *DeepMF2x2) Product() [4]float64 {
	W := m.Layers[0]
	for _, l := range m.Layers[1:] {
		W = Mul2x2(l, W)
	}
	return W
}

// Mul2x2 returns AB.
func Mul2x2(A, B [4]float64) [4]float64 {
	return [4]float64{
		A[0]*B[0] + A[1]*B[2], A[0]*B[1] + A[1]*B[3],
		A[2]*B[0] + A[3]*B[2], A[2]*B[1] + A[3]*B[3],
	}
}

// mul2x2TA returns AᵀB.
func mul2x2TA(A, B [4]float64) [4]float64 {
	return [4]float64{
		A[0]*B[0] + A[2]*B[2], A[0]*B[1] + A[2]*B[3],
		A[1]*B[0] + A[3]*B[2], A[1]*B[1] + A[3]*B[3],
	}
}

// mul2x2BT returns ABᵀ.
func mul2x2BT(A, B [4]float64) [4]float64 {
	return [4]float64{
		A[0]*B[0] + A[1]*B[1], A[0]*B[2] + A[1]*B[3],
		A[2]*B[0] + A[3]*B[1], A[2]*B[2] + A[3]*B[3],
	}
}

// Det2x2 returns det A = a·d − b·c with Kahan's fused-multiply-add scheme, accurate to a few
// units in the last place relative to the result (so its sign is always right, even when
// a·d and b·c nearly cancel, as they do on a nearly rank-1 product).
func Det2x2(A [4]float64) float64 {
	w := A[1] * A[2]
	e := math.FMA(-A[1], A[2], w) // w − b·c exactly
	f := math.FMA(A[0], A[3], -w)
	return f + e
}

// deepMF2x2StackDepth is the depth up to which a step keeps its prefix products on the stack.
const deepMF2x2StackDepth = 8

// Step performs one gradient descent step W_j ← W_j − η·∂ℓ/∂W_j on every factor at once and
// returns ℓ at the factors before the step. It allocates nothing for depths up to 16.
func (m *DeepMF2x2) Step(obs *Completion2x2, eta float64) float64 {
	return m.pass(obs, eta, nil, true)
}

// Grad writes ∂ℓ/∂W_j into grads[j−1] (len(grads) ≥ depth) and returns ℓ(W); the factors are
// not changed.
func (m *DeepMF2x2) Grad(obs *Completion2x2, grads [][4]float64) float64 {
	if len(grads) < len(m.Layers) {
		panic(fmt.Sprintf("algorithms: %d gradient slots for depth %d", len(grads), len(m.Layers)))
	}
	return m.pass(obs, 0, grads, false)
}

// pass computes, with P_j = W_{j−1}⋯W_1 and B_j = S_jᵀ∇ℓ(W) (S_j = W_N⋯W_{j+1}, so B_N = ∇ℓ
// and B_{j−1} = W_jᵀB_j), the gradients ∇_j = B_j·P_jᵀ from the last factor down, storing
// them in grads when given and applying them when update is set. W_j is updated only after
// B_{j−1} has been formed from it, so every gradient is taken at the factors before the step.
func (m *DeepMF2x2) pass(obs *Completion2x2, eta float64, grads [][4]float64, update bool) float64 {
	N := len(m.Layers)
	var buf [deepMF2x2StackDepth][4]float64
	pre := buf[:]
	if N > len(buf) {
		pre = make([][4]float64, N)
	}
	// pre[i] = W_{i+1}⋯W_1, so P_j = pre[j−2] for j ≥ 2 and W = pre[N−1].
	pre[0] = m.Layers[0]
	for i := 1; i < N; i++ {
		pre[i] = Mul2x2(m.Layers[i], pre[i-1])
	}
	B, loss := obs.residual(pre[N-1])
	for i := N - 1; i >= 0; i-- {
		g := B
		if i > 0 {
			g = mul2x2BT(B, pre[i-1])
			B = mul2x2TA(m.Layers[i], B)
		}
		if grads != nil {
			grads[i] = g
		}
		if update {
			l := &m.Layers[i]
			l[0] -= eta * g[0]
			l[1] -= eta * g[1]
			l[2] -= eta * g[2]
			l[3] -= eta * g[3]
		}
	}
	return loss
}

// DeepMF2x2Step is one plain GD step of step size η on every factor of m for the loss obs,
// returning ℓ before the step. FastDeepMF2x2Step is ours; DeepMF2x2StepFrom turns any
// DeepMFGradient into one, so that a user's gradient can stand in (at generic speed).
type DeepMF2x2Step func(m *DeepMF2x2, obs *Completion2x2, eta float64) float64

// FastDeepMF2x2Step is (*DeepMF2x2).Step as a DeepMF2x2Step.
func FastDeepMF2x2Step(m *DeepMF2x2, obs *Completion2x2, eta float64) float64 {
	return m.Step(obs, eta)
}

// deepMF2x2Generic is the scratch DeepMF2x2StepFrom reuses across steps: the generic model,
// its work and the generic loss of the last obs it saw.
type deepMF2x2Generic struct {
	m    *DeepMF
	w    *DeepMFWork
	obs  Completion2x2
	loss *Completion
}

// DeepMF2x2StepFrom returns the DeepMF2x2Step that copies m into a generic DeepMF, calls
// grad, applies W_j ← W_j − η·∇_j and copies the factors back. The generic scratch is pooled,
// so the step is safe for concurrent use on different models.
func DeepMF2x2StepFrom(grad DeepMFGradient) DeepMF2x2Step {
	var pool sync.Pool
	return func(m *DeepMF2x2, obs *Completion2x2, eta float64) float64 {
		s, _ := pool.Get().(*deepMF2x2Generic)
		if s == nil || len(s.m.Layers) != len(m.Layers) {
			s = &deepMF2x2Generic{m: NewDeepMFSquare(2, len(m.Layers))}
			s.w = NewDeepMFWork(s.m)
		}
		if s.loss == nil || s.obs != *obs {
			s.obs, s.loss = *obs, obs.Completion()
		}
		for j, l := range m.Layers {
			copy(s.m.Layers[j].RawMatrix().Data, l[:])
		}
		loss := grad(s.m, s.loss, s.w)
		s.w.Apply(s.m, eta)
		for j := range m.Layers {
			copy(m.Layers[j][:], s.m.Layers[j].RawMatrix().Data)
		}
		pool.Put(s)
		return loss
	}
}
