package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/floats"
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
// that a gradient step allocates nothing once the work exists (the first gradient call of
// each kind allocates its scratch). One work per goroutine.
//
// Large products and the loops over the observed entries run on up to GOMAXPROCS cores: a
// job of at least 2^16 multiply-adds (≈ 1.3e5 flops) is cut into blocks of output rows that
// the calling goroutine and helper goroutines claim one at a time. The work starts the
// helpers on first need and keeps them parked on channels, so a step still allocates
// nothing; Close stops them, and a work dropped without Close stops them when it is garbage
// collected. Every output entry is accumulated in the same order however the job is split,
// so the result does not depend on GOMAXPROCS or on scheduling. Small problems (the 2×2
// instances) never start a helper and pay no synchronisation.
type DeepMFWork struct {
	// Grads[j−1] is ∇_j = ∂ℓ/∂W_j after a gradient call.
	Grads []*mat.Dense
	// Loss is ℓ(W) at the point of the last gradient call.
	Loss float64
	// GradEvals counts gradient calls (one per step of plain GD).
	GradEvals int

	st      *deepmfState
	cleanup runtime.Cleanup // stops st.pool when the work is collected without Close
}

// deepmfMinParallelWork is the smallest share of a split job, in multiply-adds: a job of
// work w has min(GOMAXPROCS, ⌊w/2^15⌋) participants (the caller and woken helpers), so each
// share is ≥ 2^15 multiply-adds (≈ 8 µs at the ≈ 4 multiply-adds/ns of the kernels on one
// core), above the few µs a hand-off to a parked helper costs.
const deepmfMinParallelWork = 1 << 15

// deepmfMaxHelpers bounds the helper goroutines of one work.
const deepmfMaxHelpers = 31

// deepmfState is everything a gradient call needs besides the exported fields. Helper
// goroutines reference it, never the DeepMFWork, so that a dropped work can be collected
// and its helpers stopped.
//
// Notation: d_0 = cols, d_N = rows, W_j is d_j×d_{j−1}, P_j = W_{j−1}⋯W_1, S_j = W_N⋯W_{j+1},
// E = ∇ℓ(W) (sparse on Ω for an EntryLoss).
type deepmfState struct {
	dims        []int        // d_0, …, d_N
	maxGemm     int          // the largest product of a gradient call, in multiply-adds
	sparseWidth int          // multiply-adds per observed entry of the sparse backward passes
	layers      []*mat.Dense // the factors of the current call
	grads       []*mat.Dense // the work's Grads during the current call

	suffix []*mat.Dense // suffix[j] = W_N⋯W_j (rows×d_{j−1}) for 2 ≤ j ≤ N; suffix[N] aliases W_N
	pt     []*mat.Dense // pt[j] = (W_j⋯W_1)ᵀ = P_{j+1}ᵀ (cols×d_j) for 1 ≤ j ≤ N−1
	tr     []float64    // the transposed right operand of gemmBT

	// Sparse path (allocated on the first DeepMFGrad call with an EntryLoss, N ≥ 2).
	sparseReady bool
	byRowMid    bool         // middle gradients as S_jᵀ·(E·P_jᵀ) (rows ≤ cols), else (Eᵀ·S_j)ᵀ·P_jᵀ
	mid         []*mat.Dense // mid[j], 2 ≤ j ≤ N−1: E·P_jᵀ (rows×d_{j−1}) or Eᵀ·S_j (cols×d_j)
	g1t         *mat.Dense   // (S_1ᵀE)ᵀ = Eᵀ·S_1 (cols×d_1), transposed into ∇_1
	omI, omJ    []int        // Ω of the last EntryLoss (its own slices)
	ew, eg      []float64    // W and ∂ℓ/∂W on Ω
	rowStart    []int        // entries of row i are byRow[rowStart[i]:rowStart[i+1]]
	byRow       []int
	colStart    []int // entries of column c are byCol[colStart[c]:colStart[c+1]]
	byCol       []int

	// Dense path (allocated on the first dense gradient call).
	denseReady bool
	W, G       *mat.Dense   // W and ∇ℓ(W)
	dmid       []*mat.Dense // dmid[j] = S_jᵀ·∇ℓ(W) (d_j×cols), 2 ≤ j ≤ N−1

	procs      int // shares available to the current call
	forceParts int // test hook: this many shares whatever GOMAXPROCS (0: GOMAXPROCS)
	minWork    int // the smallest share of a split job, in multiply-adds
	job        deepmfJob
	gen        uint32        // jobs published so far (mod 2^32)
	claim      atomic.Uint64 // gen<<32 | next chunk<<16 | chunks of the current job
	pending    atomic.Int64  // chunks of the current job not yet completed
	pool       *deepmfPool
}

// deepmfJob is one parallel phase of a gradient call, split into chunks.
type deepmfJob struct {
	kind int
	ta   bool // gemm: c ← op(a)·b
	a, b blas64.General
	c    blas64.General
	k    int // gemm inner dimension
}

const (
	deepmfJobGemm     = iota // a product, split by rows of c
	deepmfJobEntries         // W on Ω, split by entries
	deepmfJobBackward        // the sparse passes, split by rows and by columns of E
)

// deepmfPool is a work's parked helper goroutines. A job is cut into a few chunks per
// participant, which the caller and the woken helpers claim one at a time: a helper that is
// slow to be scheduled (other goroutines, other processes) leaves its chunks to the others
// instead of holding the step up, and the caller never waits for a helper that has claimed
// nothing.
type deepmfPool struct {
	st     *deepmfState
	wake   []chan struct{} // capacity 1: a pending wake-up is never lost nor doubled
	done   chan struct{}   // capacity 1: the helper that completes a job's last chunk says so
	exited sync.WaitGroup  // one per started helper, done when it returns
}

func (p *deepmfPool) grow(helpers int) {
	for len(p.wake) < helpers {
		ch := make(chan struct{}, 1)
		p.wake = append(p.wake, ch)
		p.exited.Add(1)
		go p.helper(ch)
	}
}

func (p *deepmfPool) helper(wake <-chan struct{}) {
	defer p.exited.Done()
	for range wake {
		if p.st.claimChunks() {
			p.done <- struct{}{}
		}
	}
}

func (p *deepmfPool) stop() {
	for _, ch := range p.wake {
		close(ch)
	}
	p.wake = nil
}

// NewDeepMFWork allocates the work for factorisations shaped like m.
func NewDeepMFWork(m *DeepMF) *DeepMFWork {
	N := m.Depth()
	if N < 1 {
		panic("algorithms: NewDeepMFWork of a factorisation without layers")
	}
	rows, cols := m.Dims()
	s := &deepmfState{
		dims:    make([]int, N+1),
		suffix:  make([]*mat.Dense, N+1),
		pt:      make([]*mat.Dense, N),
		minWork: deepmfMinParallelWork,
	}
	s.dims[0] = cols
	w := &DeepMFWork{Grads: make([]*mat.Dense, N), st: s}
	for j := 1; j <= N; j++ {
		r, c := m.Layers[j-1].Dims()
		if c != s.dims[j-1] {
			panic(fmt.Sprintf("algorithms: layer %d is %d×%d but layer %d has %d rows", j, r, c, j-1, s.dims[j-1]))
		}
		s.dims[j] = r
		w.Grads[j-1] = mat.NewDense(r, c, nil)
	}
	for j := 2; j < N; j++ {
		s.suffix[j] = mat.NewDense(rows, s.dims[j-1], nil)
	}
	trLen := 0
	for j := 1; j < N; j++ {
		s.pt[j] = mat.NewDense(cols, s.dims[j], nil)
		trLen = max(trLen, s.dims[j]*s.dims[j-1])
	}
	if N > 1 {
		trLen = max(trLen, cols*s.dims[N-1])
	}
	s.tr = make([]float64, trLen)
	s.maxGemm = s.deepmfMaxGemm()
	if N > 1 {
		s.byRowMid = rows <= cols
		s.sparseWidth = s.dims[1] + s.dims[N-1]
		for j := 2; j < N; j++ {
			if s.byRowMid {
				s.sparseWidth += s.dims[j-1]
			} else {
				s.sparseWidth += s.dims[j]
			}
		}
	}
	return w
}

// Close stops the work's helper goroutines, if any were started, and waits until they have
// returned. The work stays usable (helpers restart on demand). Close is optional — a dropped
// work's helpers stop when it is garbage collected — and must not run concurrently with a
// gradient call on the work.
func (w *DeepMFWork) Close() {
	if p := w.st.pool; p != nil {
		w.cleanup.Stop()
		p.stop()
		p.exited.Wait()
		w.st.pool = nil
	}
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

// begin checks that m, loss and w agree in shape (panicking otherwise: a programmer error),
// binds the call's factors and gradients, and decides how many cores the call may use.
// work is the largest job the call will run, in multiply-adds.
func (w *DeepMFWork) begin(m *DeepMF, loss EndToEndLoss, work int, who string) *deepmfState {
	s := w.st
	N := len(s.dims) - 1
	if len(m.Layers) != N || len(w.Grads) != N {
		panic(fmt.Sprintf("algorithms: %s: a depth-%d factorisation with a work for depth %d", who, len(m.Layers), N))
	}
	for j, l := range m.Layers {
		if r, c := l.Dims(); r != s.dims[j+1] || c != s.dims[j] {
			panic(fmt.Sprintf("algorithms: %s: layer %d is %d×%d, the work is for %d×%d", who, j+1, r, c, s.dims[j+1], s.dims[j]))
		}
		if r, c := w.Grads[j].Dims(); r != s.dims[j+1] || c != s.dims[j] {
			panic(fmt.Sprintf("algorithms: %s: gradient %d is %d×%d, want %d×%d", who, j+1, r, c, s.dims[j+1], s.dims[j]))
		}
	}
	if r, c := loss.Dims(); r != s.dims[N] || c != s.dims[0] {
		panic(fmt.Sprintf("algorithms: %s: the loss is on %d×%d matrices, the factorisation's product is %d×%d", who, r, c, s.dims[N], s.dims[0]))
	}
	s.layers, s.grads = m.Layers, w.Grads
	s.suffix[N] = m.Layers[N-1]
	w.GradEvals++
	s.procs = 1
	if work >= 2*s.minWork {
		s.procs = s.forceParts
		if s.procs == 0 {
			s.procs = min(runtime.GOMAXPROCS(0), deepmfMaxHelpers+1)
		}
		if s.procs > 1 {
			if s.pool == nil {
				s.pool = &deepmfPool{st: s, done: make(chan struct{})}
				w.cleanup = runtime.AddCleanup(w, (*deepmfPool).stop, s.pool)
			}
			s.pool.grow(s.procs - 1)
		}
	}
	return s
}

// end drops the call's references to the caller's matrices.
func (s *deepmfState) end() {
	s.layers, s.grads = nil, nil
	s.suffix[len(s.suffix)-1] = nil
	s.job = deepmfJob{}
}

// parallel reports whether a job of work multiply-adds is worth splitting.
func (s *deepmfState) parallel(work int) bool {
	return s.procs > 1 && work >= 2*s.minWork
}

// deepmfChunksPerPart is how many chunks each participant's share of a job is cut into.
const deepmfChunksPerPart = 4

// run executes the current job (of work multiply-adds, with parallel(work)) split into
// groups independent pieces (rows of a product, entries, rows/columns of E): it publishes
// the job's chunks, wakes as many helpers as the job is worth, claims chunks itself, and
// returns once every chunk is done.
func (s *deepmfState) run(work, groups int) {
	parts := min(s.procs, work/s.minWork)
	chunks := min(deepmfChunksPerPart*parts, groups, deepmfMaxChunks)
	s.pending.Store(int64(chunks))
	s.gen++
	// The job's fields are written before this store and read by helpers only after a
	// claim (a compare-and-swap) that saw it, so they never race.
	s.claim.Store(uint64(s.gen)<<32 | uint64(chunks))
	for _, ch := range s.pool.wake[:min(parts, chunks)-1] {
		select {
		case ch <- struct{}{}:
		default: // already has a wake-up pending
		}
	}
	if !s.claimChunks() {
		<-s.pool.done
	}
}

// deepmfMaxChunks bounds the chunks of a job (they are counted in 16 bits of claim).
const deepmfMaxChunks = 1<<16 - 1

// claimChunks runs chunks of the current job until none is left to claim; it reports whether
// it completed the job's last outstanding chunk (after which the job's caller may go on).
func (s *deepmfState) claimChunks() (last bool) {
	for {
		v := s.claim.Load()
		next, chunks := int(v>>16&deepmfMaxChunks), int(v&deepmfMaxChunks)
		if next >= chunks {
			return false
		}
		if !s.claim.CompareAndSwap(v, v+1<<16) {
			continue
		}
		s.runChunk(next, chunks)
		if s.pending.Add(-1) == 0 {
			return true
		}
	}
}

// gemm sets c ← op(a)·b, in parallel when large.
func (s *deepmfState) gemm(ta bool, a, b, c *mat.Dense) {
	s.runGemm(ta, a.RawMatrix(), b.RawMatrix(), c.RawMatrix())
}

// gemmBT sets c ← a·bᵀ as a·(bᵀ) through a transposed copy of b: the dot-product kernel of
// a·bᵀ measured 1.6× slower than the axpy kernel, and the copy costs one pass over b.
func (s *deepmfState) gemmBT(a, b, c *mat.Dense) {
	br := b.RawMatrix()
	if br.Cols < deepmfAsmLen && !s.parallel(c.RawMatrix().Rows*br.Rows*br.Cols) {
		deepmfGemmBTSmall(a.RawMatrix(), br, c.RawMatrix())
		return
	}
	t := blas64.General{Rows: br.Cols, Cols: br.Rows, Stride: br.Rows, Data: s.tr[:br.Rows*br.Cols]}
	deepmfTranspose(t, br)
	s.runGemm(false, a.RawMatrix(), t, c.RawMatrix())
}

// deepmfGemmBTSmall sets c ← a·bᵀ by dot products, for short inner dimensions where the
// transposed copy of gemmBT costs more than it saves.
func deepmfGemmBTSmall(a, b, c blas64.General) {
	k := a.Cols
	for i := 0; i < c.Rows; i++ {
		ai := a.Data[i*a.Stride : i*a.Stride+k]
		ci := c.Data[i*c.Stride : i*c.Stride+c.Cols]
		for j := range ci {
			bj := b.Data[j*b.Stride : j*b.Stride+k]
			var v float64
			for l, x := range ai {
				v += x * bj[l]
			}
			ci[j] = v
		}
	}
}

func (s *deepmfState) runGemm(ta bool, a, b, c blas64.General) {
	if work := c.Rows * c.Cols * b.Rows; s.parallel(work) {
		s.job = deepmfJob{kind: deepmfJobGemm, ta: ta, a: a, b: b, c: c, k: b.Rows}
		s.run(work, c.Rows)
		return
	}
	deepmfGemmRows(ta, b.Rows, a, b, c, 0, c.Rows)
}

// runChunk runs chunk c of the current job's chunks.
func (s *deepmfState) runChunk(c, chunks int) {
	j := &s.job
	switch j.kind {
	case deepmfJobGemm:
		m := j.c.Rows
		deepmfGemmRows(j.ta, j.k, j.a, j.b, j.c, c*m/chunks, (c+1)*m/chunks)
	case deepmfJobEntries:
		K := len(s.omI)
		s.entries(c*K/chunks, (c+1)*K/chunks)
	case deepmfJobBackward:
		s.backwardRows(deepmfBound(s.rowStart, c, chunks), deepmfBound(s.rowStart, c+1, chunks))
		s.backwardCols(deepmfBound(s.colStart, c, chunks), deepmfBound(s.colStart, c+1, chunks))
	}
}

// deepmfBound splits the groups of start (group g holds entries start[g]:start[g+1]) into
// parts shares of about equal entry counts and returns where share part begins.
func deepmfBound(start []int, part, parts int) int {
	groups := len(start) - 1
	switch part {
	case 0:
		return 0
	case parts:
		return groups
	}
	return sort.SearchInts(start[:groups], part*start[groups]/parts)
}

// deepmfAsmLen is the vector length from which gonum's assembly kernels beat a Go loop.
const deepmfAsmLen = 16

// Cache blocking of deepmfGemmRows: a kBlock×nBlock panel of B (256 KiB) stays in L2 while
// it serves every row of the share.
const (
	deepmfKBlock = 128
	deepmfNBlock = 256
)

// deepmfGemmRows sets rows r0..r1−1 of c ← op(a)·b (inner dimension k). Each entry is
// accumulated in the same order whatever the split, so parallel and serial runs agree bit
// for bit. Unlike gonum's Dgemm it never starts goroutines (and so never allocates), and it
// does not skip zero entries of a (0·Inf stays NaN).
func deepmfGemmRows(ta bool, k int, a, b, c blas64.General, r0, r1 int) {
	n := c.Cols
	for j0 := 0; j0 < n; j0 += deepmfNBlock {
		j1 := min(j0+deepmfNBlock, n)
		short := j1-j0 < deepmfAsmLen
		for l0 := 0; l0 < k; l0 += deepmfKBlock {
			l1 := min(l0+deepmfKBlock, k)
			for i := r0; i < r1; i++ {
				ci := c.Data[i*c.Stride+j0 : i*c.Stride+j1]
				if l0 == 0 {
					clear(ci)
				}
				for l := l0; l < l1; l++ {
					var x float64
					if ta { // c_i += Σ_l a_li·b_l
						x = a.Data[l*a.Stride+i]
					} else { // c_i += Σ_l a_il·b_l
						x = a.Data[i*a.Stride+l]
					}
					bl := b.Data[l*b.Stride+j0 : l*b.Stride+j1]
					if short {
						bl = bl[:len(ci)]
						for j := range ci {
							ci[j] += x * bl[j]
						}
					} else {
						floats.AddScaled(ci, x, bl)
					}
				}
			}
		}
	}
}

// deepmfTranspose sets dst ← srcᵀ, in 32×32 tiles so that both sides stay in cache.
func deepmfTranspose(dst, src blas64.General) {
	const tile = 32
	for i0 := 0; i0 < src.Rows; i0 += tile {
		i1 := min(i0+tile, src.Rows)
		for j0 := 0; j0 < src.Cols; j0 += tile {
			j1 := min(j0+tile, src.Cols)
			for i := i0; i < i1; i++ {
				for j, x := range src.Data[i*src.Stride+j0 : i*src.Stride+j1] {
					dst.Data[(j0+j)*dst.Stride+i] = x
				}
			}
		}
	}
}

// products fills pt[1..N−1] and suffix[2..N−1].
func (s *deepmfState) products() {
	N := len(s.layers)
	if N == 1 {
		return
	}
	deepmfTranspose(s.pt[1].RawMatrix(), s.layers[0].RawMatrix())
	for j := 2; j < N; j++ {
		s.gemmBT(s.pt[j-1], s.layers[j-1], s.pt[j])
	}
	for j := N - 1; j >= 2; j-- {
		s.gemm(false, s.suffix[j+1], s.layers[j-1], s.suffix[j])
	}
}

// deepmfMaxGemm is the largest product of a gradient call, in multiply-adds.
func (s *deepmfState) deepmfMaxGemm() int {
	N := len(s.dims) - 1
	big := 0
	for j := 1; j <= N; j++ {
		big = max(big, s.dims[j]*s.dims[j-1]*max(s.dims[0], s.dims[N]))
	}
	if N >= 2 {
		big = max(big, s.dims[0]*s.dims[N]*max(s.dims[1], s.dims[N-1]))
	}
	return big
}

// DeepMFGrad computes the factor gradients. For an EntryLoss it never forms W or a dense
// residual: W is computed on Ω only (W_ij = row i of W_N · column j of P_N, |Ω|·d_{N−1}),
// and the residual E enters through sparse passes over Ω grouped by row and by column:
// ∇_N = E·P_Nᵀ and ∇_1 = S_1ᵀE cost |Ω|·d_{N−1} and |Ω|·d_1, a middle factor's
// ∇_j = S_jᵀ·(E·P_jᵀ) (or (Eᵀ·S_j)ᵀ·P_jᵀ when cols < rows) one sparse pass and one dense
// d_j×min(rows, cols)×d_{j−1} product. With the prefix and suffix products that is 3(N−2)
// dense products in all (none at depth 2). Other losses get DeepMFDenseGrad.
//
// It panics if the shapes of m, loss and w disagree, or if the loss's entries are out of
// range.
func DeepMFGrad(m *DeepMF, loss EndToEndLoss, w *DeepMFWork) float64 {
	el, ok := loss.(EntryLoss)
	if !ok {
		return DeepMFDenseGrad(m, loss, w)
	}
	I, J := el.Entries()
	N := len(w.st.dims) - 1
	work := 0
	if N > 1 {
		work = max(w.st.maxGemm, len(I)*w.st.sparseWidth)
	}
	s := w.begin(m, loss, work, "DeepMFGrad")
	defer s.end()
	s.observe(I, J)
	if N == 1 {
		W, g := s.layers[0].RawMatrix(), s.grads[0]
		for k := range I {
			s.ew[k] = W.Data[I[k]*W.Stride+J[k]]
		}
		w.Loss = el.EntryGrad(s.eg, s.ew)
		g.Zero()
		gr := g.RawMatrix()
		for k := range I {
			gr.Data[I[k]*gr.Stride+J[k]] = s.eg[k]
		}
		return w.Loss
	}
	s.ensureSparse()
	s.products()
	if work := len(I) * s.dims[N-1]; s.parallel(work) {
		s.job = deepmfJob{kind: deepmfJobEntries}
		s.run(work, len(I))
	} else {
		s.entries(0, len(I))
	}
	w.Loss = el.EntryGrad(s.eg, s.ew)
	if work := len(I) * s.sparseWidth; s.parallel(work) {
		s.job = deepmfJob{kind: deepmfJobBackward}
		s.run(work, max(s.dims[0], s.dims[N]))
	} else {
		s.backwardRows(0, s.dims[N])
		s.backwardCols(0, s.dims[0])
	}
	for j := 2; j < N; j++ {
		if s.byRowMid {
			s.gemm(true, s.suffix[j+1], s.mid[j], s.grads[j-1])
		} else {
			s.gemm(true, s.mid[j], s.pt[j-1], s.grads[j-1])
		}
	}
	return w.Loss
}

// observe caches Ω grouped by row and by column; it reallocates only when the loss's
// entries change (a new loss).
func (s *deepmfState) observe(I, J []int) {
	if len(I) == len(s.omI) && len(J) == len(s.omJ) && (len(I) == 0 || (&I[0] == &s.omI[0] && &J[0] == &s.omJ[0])) && s.rowStart != nil {
		return
	}
	N := len(s.dims) - 1
	rows, cols := s.dims[N], s.dims[0]
	if len(I) != len(J) {
		panic(fmt.Sprintf("algorithms: %d observed rows and %d observed columns", len(I), len(J)))
	}
	for k := range I {
		if I[k] < 0 || I[k] >= rows || J[k] < 0 || J[k] >= cols {
			panic(fmt.Sprintf("algorithms: observed entry (%d, %d) outside %d×%d", I[k], J[k], rows, cols))
		}
	}
	s.omI, s.omJ = I, J
	s.ew, s.eg = make([]float64, len(I)), make([]float64, len(I))
	s.rowStart, s.byRow = deepmfGroup(I, rows)
	s.colStart, s.byCol = deepmfGroup(J, cols)
}

// deepmfGroup is a stable counting sort of the entries k by key[k] ∈ [0, n).
func deepmfGroup(key []int, n int) (start, order []int) {
	start = make([]int, n+1)
	for _, x := range key {
		start[x+1]++
	}
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	next := append([]int(nil), start[:n]...)
	order = make([]int, len(key))
	for k, x := range key {
		order[next[x]] = k
		next[x]++
	}
	return start, order
}

func (s *deepmfState) ensureSparse() {
	if s.sparseReady {
		return
	}
	N := len(s.dims) - 1
	rows, cols := s.dims[N], s.dims[0]
	s.mid = make([]*mat.Dense, N)
	for j := 2; j < N; j++ {
		if s.byRowMid {
			s.mid[j] = mat.NewDense(rows, s.dims[j-1], nil)
		} else {
			s.mid[j] = mat.NewDense(cols, s.dims[j], nil)
		}
	}
	s.g1t = mat.NewDense(cols, s.dims[1], nil)
	s.sparseReady = true
}

// entries sets ew[k] = W_{I_k J_k} = (row I_k of W_N)·(row J_k of P_Nᵀ) for k in [k0, k1).
func (s *deepmfState) entries(k0, k1 int) {
	N := len(s.layers)
	a, b := s.layers[N-1].RawMatrix(), s.pt[N-1].RawMatrix()
	h := a.Cols
	for k := k0; k < k1; k++ {
		i, j := s.omI[k], s.omJ[k]
		x, y := a.Data[i*a.Stride:i*a.Stride+h], b.Data[j*b.Stride:j*b.Stride+h]
		if h >= deepmfAsmLen {
			s.ew[k] = floats.Dot(x, y)
			continue
		}
		var v float64
		for l := range x {
			v += x[l] * y[l]
		}
		s.ew[k] = v
	}
}

// deepmfScatter sets out ← Σ_k eg[k]·(row key[k] of src) over the entries k of one group.
func deepmfScatter(out []float64, order []int, key []int, eg []float64, src blas64.General) {
	clear(out)
	n := len(out)
	for _, k := range order {
		r := key[k]
		x, row := eg[k], src.Data[r*src.Stride:r*src.Stride+n]
		if n < deepmfAsmLen {
			for j := range out {
				out[j] += x * row[j]
			}
		} else {
			floats.AddScaled(out, x, row)
		}
	}
}

// backwardRows computes rows [i0, i1) of ∇_N = E·P_Nᵀ and of the middle E·P_jᵀ.
func (s *deepmfState) backwardRows(i0, i1 int) {
	N := len(s.layers)
	gN, pN := s.grads[N-1].RawMatrix(), s.pt[N-1].RawMatrix()
	for i := i0; i < i1; i++ {
		group := s.byRow[s.rowStart[i]:s.rowStart[i+1]]
		deepmfScatter(gN.Data[i*gN.Stride:i*gN.Stride+gN.Cols], group, s.omJ, s.eg, pN)
		if s.byRowMid {
			for j := 2; j < N; j++ {
				out := s.mid[j].RawMatrix()
				deepmfScatter(out.Data[i*out.Stride:i*out.Stride+out.Cols], group, s.omJ, s.eg, s.pt[j-1].RawMatrix())
			}
		}
	}
}

// backwardCols computes columns [c0, c1) of ∇_1 = S_1ᵀE (through its transpose) and rows
// [c0, c1) of the middle Eᵀ·S_j.
func (s *deepmfState) backwardCols(c0, c1 int) {
	N := len(s.layers)
	t, g1, s1 := s.g1t.RawMatrix(), s.grads[0].RawMatrix(), s.suffix[2].RawMatrix()
	for c := c0; c < c1; c++ {
		group := s.byCol[s.colStart[c]:s.colStart[c+1]]
		tc := t.Data[c*t.Stride : c*t.Stride+t.Cols]
		deepmfScatter(tc, group, s.omI, s.eg, s1)
		for l, x := range tc {
			g1.Data[l*g1.Stride+c] = x
		}
		if !s.byRowMid {
			for j := 2; j < N; j++ {
				out := s.mid[j].RawMatrix()
				deepmfScatter(out.Data[c*out.Stride:c*out.Stride+out.Cols], group, s.omI, s.eg, s.suffix[j+1].RawMatrix())
			}
		}
	}
}

// DeepMFDenseGrad computes the factor gradients through the dense product W and the dense
// gradient ∇ℓ(W): ∇_j = S_jᵀ·∇ℓ(W)·P_jᵀ (4N − 5 dense products for N ≥ 2). It is the
// reference DeepMFGrad is checked against, the gradient of losses that are not an
// EntryLoss (sensing), and the baseline of DeepMFGrad's benchmark. It panics if the shapes of
// m, loss and w disagree.
func DeepMFDenseGrad(m *DeepMF, loss EndToEndLoss, w *DeepMFWork) float64 {
	N := len(w.st.dims) - 1
	work := 0
	if N > 1 {
		work = w.st.maxGemm
	}
	s := w.begin(m, loss, work, "DeepMFDenseGrad")
	defer s.end()
	if N == 1 {
		w.Loss = loss.Grad(s.grads[0], s.layers[0])
		return w.Loss
	}
	s.ensureDense()
	s.products()
	s.gemmBT(s.layers[N-1], s.pt[N-1], s.W)
	w.Loss = loss.Grad(s.G, s.W)
	s.gemm(false, s.G, s.pt[N-1], s.grads[N-1])
	s.gemm(true, s.suffix[2], s.G, s.grads[0])
	for j := 2; j < N; j++ {
		s.gemm(true, s.suffix[j+1], s.G, s.dmid[j])
		s.gemm(false, s.dmid[j], s.pt[j-1], s.grads[j-1])
	}
	return w.Loss
}

func (s *deepmfState) ensureDense() {
	if s.denseReady {
		return
	}
	N := len(s.dims) - 1
	rows, cols := s.dims[N], s.dims[0]
	s.W, s.G = mat.NewDense(rows, cols, nil), mat.NewDense(rows, cols, nil)
	s.dmid = make([]*mat.Dense, N)
	for j := 2; j < N; j++ {
		s.dmid[j] = mat.NewDense(s.dims[j], cols, nil)
	}
	s.denseReady = true
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

// stopReason decides whether a training loop stops before step t, checking in the order every
// runner uses: a non-finite loss or iterate, the visitor (nil: none), convergence, the
// budget. "" means take the step.
func stopReason(t int, loss float64, finite bool, visit func() bool, stopLoss float64, maxIter int) string {
	switch {
	case math.IsNaN(loss) || math.IsInf(loss, 0) || !finite:
		return StopDiverged
	case visit != nil && !visit():
		return StopVisit
	case loss <= stopLoss:
		return StopConverged
	case t >= maxIter:
		return StopMaxIter
	}
	return ""
}

// DeepMFRun is what TrainDeepMF reports.
type DeepMFRun struct {
	Iterations int     // steps taken
	Loss       float64 // ℓ at the final factors
	Reason     string  // StopConverged, StopMaxIter, StopDiverged or StopVisit
	GradEvals  int
}

// TrainDeepMF runs gradient descent on every factor of m (in place) until ℓ ≤ StopLoss, the
// iteration budget is spent, the run diverges or Visit stops it.
//
// Bad options are programmer errors and panic, as in gonum: LR must be positive and finite,
// MaxIter non-negative, StopLoss not NaN, and loss.Dims() must equal m.Dims().
func TrainDeepMF(m *DeepMF, loss EndToEndLoss, opt DeepMFOptions) DeepMFRun {
	switch {
	case !(opt.LR > 0) || math.IsInf(opt.LR, 0):
		panic(fmt.Sprintf("algorithms: TrainDeepMF: LR %v must be positive and finite", opt.LR))
	case opt.MaxIter < 0:
		panic(fmt.Sprintf("algorithms: TrainDeepMF: MaxIter %d is negative", opt.MaxIter))
	case math.IsNaN(opt.StopLoss):
		panic("algorithms: TrainDeepMF: StopLoss is NaN")
	}
	rows, cols := m.Dims()
	if r, c := loss.Dims(); r != rows || c != cols {
		panic(fmt.Sprintf("algorithms: TrainDeepMF: the loss is on %d×%d matrices, the factorisation's product is %d×%d", r, c, rows, cols))
	}
	grad := opt.Gradient
	if grad == nil {
		grad = DeepMFGrad
	}
	w := NewDeepMFWork(m)
	defer w.Close()
	var v, decay float64 = 0, 1
	for t := 0; ; t++ {
		l := grad(m, loss, w)
		run := DeepMFRun{Iterations: t, Loss: l, GradEvals: w.GradEvals}
		var visit func() bool
		if opt.Visit != nil {
			visit = func() bool { return opt.Visit(t, m, l) }
		}
		if run.Reason = stopReason(t, l, m.Finite(), visit, opt.StopLoss, opt.MaxIter); run.Reason != "" {
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
