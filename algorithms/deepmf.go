package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Deep matrix factorisation (Arora, Cohen, Hu, Luo 2019; Razin, Cohen 2020; Bai, Zhao,
// Zhang 2024): the end-to-end matrix W = W_N⋯W_1 of N ≥ 1 factors, trained by gradient
// descent on all factors at once on a loss ℓ(W). With the prefix and suffix products
//
//	P_j = W_{j−1}⋯W_1 (P_1 = I),  S_j = W_N⋯W_{j+1} (S_N = I),
//
// the gradient with respect to factor j is ∇_j = S_jᵀ ∇ℓ(W) P_jᵀ.

// DeepMF is a deep matrix factorisation. Layers[j−1] is W_j, of shape d_j×d_{j−1} with
// d_0 = cols and d_N = rows.
type DeepMF struct {
	Layers []*mat.Dense
}

// NewDeepMF returns a zero factorisation of a rows×cols matrix with the given hidden widths
// (depth N = len(hidden) + 1): W_1 is hidden[0]×cols, …, W_N is rows×hidden[N−2].
func NewDeepMF(rows, cols int, hidden ...int) *DeepMF {
	dims := append(append([]int{cols}, hidden...), rows)
	m := &DeepMF{}
	for j := 1; j < len(dims); j++ {
		if dims[j] < 1 || dims[j-1] < 1 {
			panic(fmt.Sprintf("algorithms: deep factorisation widths %v must be at least 1", dims))
		}
		m.Layers = append(m.Layers, mat.NewDense(dims[j], dims[j-1], nil))
	}
	return m
}

// NewDeepMFSquare returns a zero depth-N factorisation of a d×d matrix with every width d
// (the full-width setting of the papers, where the widths do not constrain the rank).
func NewDeepMFSquare(d, depth int) *DeepMF {
	if depth < 1 {
		panic(fmt.Sprintf("algorithms: depth %d must be at least 1", depth))
	}
	hidden := make([]int, depth-1)
	for i := range hidden {
		hidden[i] = d
	}
	return NewDeepMF(d, d, hidden...)
}

// Depth returns N.
func (m *DeepMF) Depth() int { return len(m.Layers) }

// Dims returns the shape of W.
func (m *DeepMF) Dims() (rows, cols int) {
	r, _ := m.Layers[len(m.Layers)-1].Dims()
	_, c := m.Layers[0].Dims()
	return r, c
}

// Clone returns a deep copy.
func (m *DeepMF) Clone() *DeepMF {
	c := &DeepMF{Layers: make([]*mat.Dense, len(m.Layers))}
	for j, l := range m.Layers {
		c.Layers[j] = mat.DenseCopyOf(l)
	}
	return c
}

// Product returns W = W_N⋯W_1 in a new matrix.
func (m *DeepMF) Product() *mat.Dense {
	W := mat.DenseCopyOf(m.Layers[0])
	for _, l := range m.Layers[1:] {
		var next mat.Dense
		next.Mul(l, W)
		W = &next
	}
	return W
}

// Finite reports whether every factor entry is finite.
func (m *DeepMF) Finite() bool {
	for _, l := range m.Layers {
		if !numeric.VecFinite(l.RawMatrix().Data) {
			return false
		}
	}
	return true
}

// GaussianInit sets every factor entry to an independent N(0, std²) draw.
func (m *DeepMF) GaussianInit(std float64, rng *rand.Rand) {
	for _, l := range m.Layers {
		d := l.RawMatrix().Data
		for i := range d {
			d[i] = std * rng.NormFloat64()
		}
	}
}

// AuthorsInitStd is the per-layer standard deviation of Arora et al.'s Gaussian
// initialisation, scale^{1/N}/√d, which makes ‖W(0)‖_F ≈ scale·√d for a d×d depth-N
// factorisation.
func AuthorsInitStd(scale float64, depth, d int) float64 {
	return math.Pow(scale, 1/float64(depth)) / math.Sqrt(float64(d))
}

// BalancedDeepMF returns a depth-N factorisation of W0 (rows×cols) that is balanced,
// W_{j+1}ᵀW_{j+1} = W_jW_jᵀ for every j: with W0 = U·diag(s)·Vᵀ (thin SVD, k = min(rows,
// cols)) and Σ = diag(s)^{1/N}, W_1 = [Σ; 0]Vᵀ, middle factors [[Σ, 0], [0, 0]] and
// W_N = U[Σ, 0], every hidden width being width ≥ k. ok is false when the SVD fails.
func BalancedDeepMF(W0 *mat.Dense, depth, width int) (m *DeepMF, ok bool) {
	rows, cols := W0.Dims()
	k := min(rows, cols)
	if depth < 1 || (depth > 1 && width < k) {
		panic(fmt.Sprintf("algorithms: balanced factorisation of depth %d and width %d of a %d×%d matrix (width must be ≥ %d)", depth, width, rows, cols, k))
	}
	if depth == 1 {
		return &DeepMF{Layers: []*mat.Dense{mat.DenseCopyOf(W0)}}, true
	}
	U, s, V, ok := numeric.SVD(W0)
	if !ok {
		return nil, false
	}
	root := make([]float64, k)
	for i, x := range s {
		root[i] = math.Pow(x, 1/float64(depth))
	}
	hidden := make([]int, depth-1)
	for i := range hidden {
		hidden[i] = width
	}
	m = NewDeepMF(rows, cols, hidden...)
	first, last := m.Layers[0], m.Layers[depth-1]
	for i := 0; i < k; i++ {
		for c := 0; c < cols; c++ {
			first.Set(i, c, root[i]*V.At(c, i))
		}
		for r := 0; r < rows; r++ {
			last.Set(r, i, U.At(r, i)*root[i])
		}
		for _, l := range m.Layers[1 : depth-1] {
			l.Set(i, i, root[i])
		}
	}
	return m, true
}

// DeepMFWork holds a deep factorisation's gradients and the scratch its gradient uses, so
// that a gradient step allocates nothing once the work exists. One work per goroutine.
type DeepMFWork struct {
	// Grads[j−1] is ∇_j = ∂ℓ/∂W_j after a gradient call.
	Grads []*mat.Dense
	// Loss is ℓ(W) at the point of the last gradient call.
	Loss float64
	// GradEvals counts gradient calls (one per step of plain GD).
	GradEvals int

	prefix []*mat.Dense // prefix[j] = W_j⋯W_1 (j ≥ 1); prefix[0] unused (identity)
	suffix []*mat.Dense // suffix[j] = W_N⋯W_j (j ≤ N); suffix[N+1] unused (identity)
	G      *mat.Dense   // dense ∇ℓ(W) (dense path)
	tmp    []*mat.Dense // tmp[j−1]: scratch of the shape of S_jᵀ·∇ℓ (d_j×cols)
	ew, eg []float64    // W and ∂ℓ/∂W on Ω (sparse path)
}

// NewDeepMFWork allocates the work for factorisations shaped like m.
func NewDeepMFWork(m *DeepMF) *DeepMFWork {
	N := m.Depth()
	rows, cols := m.Dims()
	w := &DeepMFWork{
		Grads:  make([]*mat.Dense, N),
		prefix: make([]*mat.Dense, N+1),
		suffix: make([]*mat.Dense, N+2),
		tmp:    make([]*mat.Dense, N),
		G:      mat.NewDense(rows, cols, nil),
	}
	for j := 1; j <= N; j++ {
		r, c := m.Layers[j-1].Dims()
		w.Grads[j-1] = mat.NewDense(r, c, nil)
		w.prefix[j] = mat.NewDense(r, cols, nil)
		w.suffix[j] = mat.NewDense(rows, c, nil)
		w.tmp[j-1] = mat.NewDense(r, cols, nil)
	}
	return w
}

// GradNorm2 returns Σ_j ‖∇_j‖_F².
func (w *DeepMFWork) GradNorm2() float64 {
	var s float64
	for _, g := range w.Grads {
		s += numeric.FrobNorm2(g)
	}
	return s
}

// Apply performs the simultaneous update W_j ← W_j − η·∇_j for every j.
func (w *DeepMFWork) Apply(m *DeepMF, eta float64) {
	for j, l := range m.Layers {
		numeric.Axpy(l.RawMatrix().Data, -eta, w.Grads[j].RawMatrix().Data)
	}
}

// DeepMFGradient computes every factor's gradient ∂ℓ/∂W_j at m into w.Grads, sets w.Loss
// to ℓ(W) and returns it. DeepMFGrad is ours; a user's implementation can stand in for it
// in every deep factorisation theorem.
type DeepMFGradient func(m *DeepMF, loss EndToEndLoss, w *DeepMFWork) float64

// gemm sets c ← op(a)·op(b).
func gemm(ta, tb blas.Transpose, a, b, c *mat.Dense) {
	blas64.Gemm(ta, tb, 1, a.RawMatrix(), b.RawMatrix(), 0, c.RawMatrix())
}

// products fills prefix[1..upTo] and suffix[from..N].
func (w *DeepMFWork) products(m *DeepMF, upTo, from int) {
	N := m.Depth()
	w.prefix[1].Copy(m.Layers[0])
	for j := 2; j <= upTo; j++ {
		gemm(blas.NoTrans, blas.NoTrans, m.Layers[j-1], w.prefix[j-1], w.prefix[j])
	}
	w.suffix[N].Copy(m.Layers[N-1])
	for j := N - 1; j >= from; j-- {
		gemm(blas.NoTrans, blas.NoTrans, w.suffix[j+1], m.Layers[j-1], w.suffix[j])
	}
}

// DeepMFGrad computes the factor gradients. For an EntryLoss it never forms W or a dense
// residual: it computes the |Ω| observed entries of W from S_1 = W_N⋯W_2 and W_1, and
// applies the residual sparsely (S_{j}ᵀ·E costs |Ω|·d_j). Other losses get the dense
// gradient of DeepMFDenseGrad.
func DeepMFGrad(m *DeepMF, loss EndToEndLoss, w *DeepMFWork) float64 {
	el, ok := loss.(EntryLoss)
	if !ok {
		return DeepMFDenseGrad(m, loss, w)
	}
	N := m.Depth()
	I, J := el.Entries()
	if len(w.ew) != len(I) {
		w.ew, w.eg = make([]float64, len(I)), make([]float64, len(I))
	}
	w.GradEvals++
	if N == 1 {
		W := m.Layers[0]
		for k := range I {
			w.ew[k] = W.At(I[k], J[k])
		}
		w.Loss = el.EntryGrad(w.eg, w.ew)
		g := w.Grads[0]
		g.Zero()
		for k := range I {
			g.Set(I[k], J[k], w.eg[k])
		}
		return w.Loss
	}
	// Prefixes up to P_N = W_{N−1}⋯W_1 and suffixes down to S_1 = W_N⋯W_2.
	w.products(m, N-1, 2)
	S1, W1 := w.suffix[2], m.Layers[0].RawMatrix()
	s1 := S1.RawMatrix()
	h := W1.Rows
	for k := range I {
		row := s1.Data[I[k]*s1.Stride : I[k]*s1.Stride+h]
		var v float64
		for l, x := range row {
			v += x * W1.Data[l*W1.Stride+J[k]]
		}
		w.ew[k] = v
	}
	w.Loss = el.EntryGrad(w.eg, w.ew)
	// tmp_j = S_jᵀ·E (d_j×cols) for j = 1..N−1, sparse in E: column J[k] gains
	// eg[k]·row I[k] of S_j. Then ∇_j = tmp_j·P_jᵀ for j ≥ 2, ∇_1 = tmp_1.
	for j := 1; j < N; j++ {
		t := w.tmp[j-1]
		t.Zero()
		tr, sr := t.RawMatrix(), w.suffix[j+1].RawMatrix()
		for k := range I {
			row := sr.Data[I[k]*sr.Stride : I[k]*sr.Stride+tr.Rows]
			for l, x := range row {
				tr.Data[l*tr.Stride+J[k]] += w.eg[k] * x
			}
		}
		if j == 1 {
			w.Grads[0].Copy(t)
		} else {
			gemm(blas.NoTrans, blas.Trans, t, w.prefix[j-1], w.Grads[j-1])
		}
	}
	// ∇_N = E·P_Nᵀ: row I[k] gains eg[k]·column J[k] of P_N = W_{N−1}⋯W_1.
	gN, pN := w.Grads[N-1].RawMatrix(), w.prefix[N-1].RawMatrix()
	w.Grads[N-1].Zero()
	for k := range I {
		out := gN.Data[I[k]*gN.Stride : I[k]*gN.Stride+gN.Cols]
		for l := range out {
			out[l] += w.eg[k] * pN.Data[l*pN.Stride+J[k]]
		}
	}
	return w.Loss
}

// DeepMFDenseGrad computes the factor gradients through the dense product W and the dense
// gradient ∇ℓ(W): ∇_j = S_jᵀ·∇ℓ(W)·P_jᵀ. It is the reference DeepMFGrad is checked
// against and the baseline of its benchmark.
func DeepMFDenseGrad(m *DeepMF, loss EndToEndLoss, w *DeepMFWork) float64 {
	N := m.Depth()
	w.GradEvals++
	w.products(m, N, 2)
	w.Loss = loss.Grad(w.G, w.prefix[N])
	if N == 1 {
		w.Grads[0].Copy(w.G)
		return w.Loss
	}
	for j := 1; j <= N; j++ {
		t := w.tmp[j-1]
		if j == N {
			t.Copy(w.G)
		} else {
			gemm(blas.Trans, blas.NoTrans, w.suffix[j+1], w.G, t)
		}
		if j == 1 {
			w.Grads[0].Copy(t)
		} else {
			gemm(blas.NoTrans, blas.Trans, t, w.prefix[j-1], w.Grads[j-1])
		}
	}
	return w.Loss
}

// DeepMFOptions configures TrainDeepMF.
type DeepMFOptions struct {
	// LR is the constant step η of plain GD, or the base rate lr of the adaptive step.
	LR float64
	// Adaptive selects Arora et al.'s global adaptive step (their GroupRMSprop): with
	// v_t = 0.99·v_{t−1} + 0.01·Σ_j‖∇_j‖² (v_0 = 0), η_t = LR/(√(v_t/(1 − 0.99^t)) + 1e-4).
	// The direction is the plain gradient; only the scalar step adapts.
	Adaptive bool
	// MaxIter bounds the number of steps.
	MaxIter int
	// StopLoss stops training once ℓ(W) ≤ StopLoss (checked before each step).
	StopLoss float64
	// Gradient is the gradient used (nil: DeepMFGrad).
	Gradient DeepMFGradient
	// Visit, when set, is called before each step t (and once at the end) with the loss at
	// the current factors; returning false stops training.
	Visit func(t int, m *DeepMF, loss float64) bool
}

// Why TrainDeepMF stopped.
const (
	StopConverged = "converged" // ℓ ≤ StopLoss
	StopMaxIter   = "max-iter"
	StopDiverged  = "diverged" // a non-finite loss or factor entry
	StopVisit     = "visit"    // Visit returned false
)

// DeepMFRun is what TrainDeepMF reports.
type DeepMFRun struct {
	Iterations int     // steps taken
	Loss       float64 // ℓ at the final factors
	Reason     string  // StopConverged, StopMaxIter, StopDiverged or StopVisit
	GradEvals  int
}

// TrainDeepMF runs gradient descent on every factor of m (in place) until ℓ ≤ StopLoss, the
// iteration budget is spent, the run diverges or Visit stops it.
func TrainDeepMF(m *DeepMF, loss EndToEndLoss, opt DeepMFOptions) DeepMFRun {
	grad := opt.Gradient
	if grad == nil {
		grad = DeepMFGrad
	}
	w := NewDeepMFWork(m)
	var v, decay float64 = 0, 1
	for t := 0; ; t++ {
		l := grad(m, loss, w)
		run := DeepMFRun{Iterations: t, Loss: l, GradEvals: w.GradEvals}
		switch {
		case math.IsNaN(l) || math.IsInf(l, 0) || !m.Finite():
			run.Reason = StopDiverged
			return run
		case opt.Visit != nil && !opt.Visit(t, m, l):
			run.Reason = StopVisit
			return run
		case l <= opt.StopLoss:
			run.Reason = StopConverged
			return run
		case t >= opt.MaxIter:
			run.Reason = StopMaxIter
			return run
		}
		eta := opt.LR
		if opt.Adaptive {
			v = 0.99*v + 0.01*w.GradNorm2()
			decay *= 0.99
			eta = opt.LR / (math.Sqrt(v/(1-decay)) + 1e-4)
		}
		w.Apply(m, eta)
	}
}
