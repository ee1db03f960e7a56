package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// Rapid draws of deep matrix factorisation instances W = W_N⋯W_1 (THEOREMS.md §3–§5), shared
// by the exact theorems of the low-rank and connectivity families: shapes with uneven widths
// (rectangular factors), completion losses on a random Ω with a drawn weight and sensing
// losses with random measurement matrices, starts drawn over decades of scale (random or
// balanced), orthonormal frames in closed form, and steps η drawn relative to the local
// curvature Λ in the flow, moderate and large regimes (generators.DrawRegime).
//
// Magnitudes: the rounding of a product of factors is judged against the product of their
// Frobenius norms (|W_N|⋯|W_1| ≤ Π‖W_i‖_F entrywise in norm), and the rounding of ∇ℓ(W)
// against dmfGradMag, the magnitude of the terms it is computed from (∇ℓ itself may cancel
// to ≈ 0 near a fit).

const (
	dmfMaxDim      = 5 // rows, cols and hidden widths of a drawn factorisation
	dmfMaxSensing  = 6 // measurements of a drawn sensing loss
	dmfMinLogScale = -4
	dmfMaxLogScale = 0 // init scales are drawn in [1e-4, 10)

	// dmfTooLarge: a run is discarded as blown up once a norm or step term passes it. The
	// theorems square these terms, which stays below overflow (1e200 < 1.8e308).
	dmfTooLarge = 1e100

	// dmfUnderflow bounds the absolute error underflow adds to one computed norm or product
	// entry: below the normal range every product errs by up to 2⁻¹⁰⁷⁴ whatever its operands,
	// and one entry here sums fewer than 2¹⁴ of them. Steps that multiply such quantities by
	// η afterwards carry this times the factors they apply (the relative band cannot see it).
	dmfUnderflow = 0x1p-1060

	// dmfUnderflowOps bounds the operations behind one judged term (products of up to four
	// factors of width ≤ 6, norms over ≤ 66 entries), for underflowDecides: a step whose
	// scale is within 2^60 of the underflow floor they can reach is not judged.
	dmfUnderflowOps = 1 << 14
)

// Discard reasons (fixed strings, so that reports aggregate them).
const (
	dmfDiscardBlowUp = "blow-up: a factor norm, gradient magnitude or step term is non-finite or beyond 1e100 (η too large for the run)"
	dmfDiscardScale  = "local curvature Λ outside [1e-100, 1e100] (e.g. every factor 0 at depth ≥ 3, or a loss with zero gradient and curvature): no scale to draw η from"
	dmfDiscardSVD    = "the SVD of the drawn start failed"
	// dmfDiscardUnderflow: underflowDecides found a judged term within 2^60 of the floor that
	// underflow can reach after the factors the step applies (η, η², the growth).
	dmfDiscardUnderflow = "terms near underflow (times η² or the growth): rounding there is absolute, the relative band does not apply"
)

// Loss kinds.
const (
	dmfCompletion = "completion"
	dmfSensing    = "sensing"
)

// dmfStepper performs one step of a method on every factor of m, in place, leaving in
// w.Grads the factor gradients at the point the step started from (the record the theorems
// compare with their own). Mutants used as negative controls keep that record honest.
type dmfStepper func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork, eta float64)

// dmfGD is plain gradient descent with the given gradient: W_j ← W_j − η∇_j on all factors
// at once.
func dmfGD(grad algorithms.DeepMFGradient) dmfStepper {
	return func(m *algorithms.DeepMF, loss algorithms.EndToEndLoss, w *algorithms.DeepMFWork, eta float64) {
		grad(m, loss, w)
		w.Apply(m, eta)
	}
}

// dmfHuge reports whether any value is non-finite or beyond dmfTooLarge.
func dmfHuge(vs ...float64) bool {
	for _, v := range vs {
		if !(math.Abs(v) <= dmfTooLarge) {
			return true
		}
	}
	return false
}

// dmfDrawRelative draws v = mantissa·10^j, j ∈ [lo, hi], mantissa ∈ [1, 10)
// ("log10_<label>", "<label>_mantissa").
func dmfDrawRelative(t *rapid.T, label string, lo, hi int) float64 {
	j := rapid.IntRange(lo, hi).Draw(t, "log10_"+label)
	m := rapid.Float64Range(1, 10).Draw(t, label+"_mantissa")
	return m * math.Pow10(j)
}

// Entry kinds: rapid's own floats reach edge cases (exact zeros, tiny entries far below the
// rest, coordinate-aligned vectors) and shrink entry by entry; seeded Gaussian entries give
// generic dense instances (no zero pattern, frames in general position), which negative
// controls such as a diagonal preconditioner need to be visible.
const (
	dmfEntriesRapid    = "rapid"
	dmfEntriesGaussian = "gaussian"
)

// dmfEntries draws the entries of one instance: each vector is scale·u with u_i ∈ [−1, 1]
// drawn by rapid, or scale·N(0, 1) from a PCG seeded by one rapid draw ("entries",
// "entries_seed").
type dmfEntries struct {
	kind string
	rng  *rand.Rand
}

func dmfDrawEntries(t *rapid.T) *dmfEntries {
	e := &dmfEntries{kind: rapid.SampledFrom([]string{dmfEntriesGaussian, dmfEntriesRapid}).Draw(t, "entries")}
	if e.kind == dmfEntriesGaussian {
		seed := rapid.Uint64().Draw(t, "entries_seed")
		e.rng = rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	}
	return e
}

// vector returns n entries of the given scale (label names rapid's draw).
func (e *dmfEntries) vector(t *rapid.T, label string, n int, scale float64) []float64 {
	if e.rng == nil {
		return generators.DrawVector(t, label, n, scale)
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = scale * e.rng.NormFloat64()
	}
	return v
}

// dmfDrawWeight draws a loss weight: 1 (½·SSE, Razin–Cohen's trainer), 1/count (half the
// mean squared residual, Arora et al.'s code) or a drawn one in [1e-2, 1e3).
func dmfDrawWeight(t *rapid.T, count int) (float64, string) {
	switch kind := rapid.SampledFrom([]string{"sse", "mean", "drawn"}).Draw(t, "weight_kind"); kind {
	case "sse":
		return 1, "1 (½·SSE)"
	case "mean":
		return 1 / float64(count), fmt.Sprintf("1/%d (½·mean)", count)
	default:
		w := dmfDrawRelative(t, "weight", -2, 2)
		return w, fmt.Sprintf("%.4g (drawn)", w)
	}
}

// dmfDrawLoss draws a loss on rows×cols matrices of one of the given kinds (all when none):
// completion observes a random nonempty Ω (distinct entries) of a target with entries of
// scale 10^k, k ∈ [−2, 2]; sensing takes 1 to dmfMaxSensing measurement matrices with entries
// of scale 1/√(rows·cols) and measurements of scale 10^k.
func dmfDrawLoss(t *rapid.T, ent *dmfEntries, rows, cols int, kinds ...string) (algorithms.EndToEndLoss, string) {
	if len(kinds) == 0 {
		kinds = []string{dmfCompletion, dmfSensing}
	}
	kind := rapid.SampledFrom(kinds).Draw(t, "loss")
	scale := math.Pow10(rapid.IntRange(-2, 2).Draw(t, "log10_target_scale"))
	switch kind {
	case dmfCompletion:
		cells := rapid.SliceOfNDistinct(rapid.IntRange(0, rows*cols-1), 1, rows*cols, rapid.ID[int]).Draw(t, "observed")
		I, J := make([]int, len(cells)), make([]int, len(cells))
		for k, c := range cells {
			I[k], J[k] = c/cols, c%cols
		}
		vals := ent.vector(t, "targets", len(cells), scale)
		weight, wdesc := dmfDrawWeight(t, len(cells))
		c, err := algorithms.NewCompletion(rows, cols, I, J, vals, weight)
		if err != nil {
			panic("theorems: drawn completion: " + err.Error())
		}
		var sb strings.Builder
		for k := range I {
			if k > 0 {
				sb.WriteString(" ")
			}
			fmt.Fprintf(&sb, "(%d,%d)=%.4g", I[k], J[k], vals[k])
		}
		return c, fmt.Sprintf("completion of a %d×%d matrix, weight %s, |Ω| = %d: %s", rows, cols, wdesc, len(I), sb.String())
	case dmfSensing:
		K := rapid.IntRange(1, dmfMaxSensing).Draw(t, "measurements")
		A := make([]*mat.Dense, K)
		for k := range A {
			A[k] = mat.NewDense(rows, cols, ent.vector(t, fmt.Sprintf("A_%d", k+1), rows*cols, 1/math.Sqrt(float64(rows*cols))))
		}
		y := ent.vector(t, "y", K, scale)
		weight, wdesc := dmfDrawWeight(t, K)
		s, err := algorithms.NewSensing(A, y, weight)
		if err != nil {
			panic("theorems: drawn sensing: " + err.Error())
		}
		return s, fmt.Sprintf("sensing of a %d×%d matrix, weight %s, %d measurements, y = %.4g, ‖A_k‖_F = %.4g",
			rows, cols, wdesc, K, y, dmfSensingNorms(s))
	}
	panic("theorems: unknown loss kind " + kind)
}

func dmfSensingNorms(s *algorithms.Sensing) []float64 {
	out := make([]float64, len(s.A))
	for k, a := range s.A {
		out[k] = numeric.FrobNorm(a)
	}
	return out
}

// dmfLossSmoothness is the smoothness of ℓ in W (spectral): Weight for completion (the
// Hessian is Weight times the projection on Ω), Weight·λ_max(Σ_k vec(A_k)vec(A_k)ᵀ) for
// sensing. It panics for losses the draws do not produce.
func dmfLossSmoothness(loss algorithms.EndToEndLoss) float64 {
	switch l := loss.(type) {
	case *algorithms.Completion:
		return l.Weight
	case *algorithms.Sensing:
		rows, cols := l.Dims()
		X := mat.NewDense(len(l.A), rows*cols, nil)
		for k, a := range l.A {
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					X.Set(k, i*cols+j, a.At(i, j))
				}
			}
		}
		lam, ok := numeric.GramMaxEig(X)
		if !ok {
			return math.NaN()
		}
		return l.Weight * lam
	}
	panic(fmt.Sprintf("theorems: no smoothness for loss %T", loss))
}

// dmfGradMag is the magnitude of the terms ∇ℓ(W) is computed from when the entries of W
// are computed from factors whose Frobenius norms multiply to wmag: for completion
// Weight·(wmag + ‖M_Ω‖) (the residuals W_ij − M_ij), for sensing
// Weight·Σ_k ‖A_k‖_F(‖A_k‖_F·wmag + |y_k|). It bounds ‖∇ℓ(W)‖_F, and the error of a computed
// ∇ℓ is a few units of rounding times it. It panics for losses the draws do not produce.
func dmfGradMag(loss algorithms.EndToEndLoss, wmag float64) float64 {
	switch l := loss.(type) {
	case *algorithms.Completion:
		return l.Weight * (wmag + numeric.Norm2(l.M))
	case *algorithms.Sensing:
		var s float64
		for k, a := range l.A {
			na := numeric.FrobNorm(a)
			s += na * (na*wmag + math.Abs(l.Y[k]))
		}
		return l.Weight * s
	}
	panic(fmt.Sprintf("theorems: no gradient magnitude for loss %T", loss))
}

// dmfProduct returns the explicit product layers[len−1]⋯layers[0] (a new matrix), or the
// n×n identity when layers is empty.
func dmfProduct(n int, layers []*mat.Dense) *mat.Dense {
	if len(layers) == 0 {
		I := mat.NewDense(n, n, nil)
		for i := 0; i < n; i++ {
			I.Set(i, i, 1)
		}
		return I
	}
	P := mat.DenseCopyOf(layers[0])
	for _, l := range layers[1:] {
		var next mat.Dense
		next.Mul(l, P)
		P = &next
	}
	return P
}

// dmfNorms returns ‖W_j‖_F for every factor.
func dmfNorms(m *algorithms.DeepMF) []float64 {
	out := make([]float64, m.Depth())
	for j, l := range m.Layers {
		out[j] = numeric.FrobNorm(l)
	}
	return out
}

// dmfProdExcept returns Π_{i ∉ skip} ns[i].
func dmfProdExcept(ns []float64, skip ...int) float64 {
	p := 1.0
	for i, v := range ns {
		skipped := false
		for _, s := range skip {
			skipped = skipped || s == i
		}
		if !skipped {
			p *= v
		}
	}
	return p
}

// dmfLocalScale is the local curvature Λ of (W_1, …, W_N) ↦ ℓ(W_N⋯W_1) at m, in Frobenius
// bounds: L·Σ_j Π_{i≠j}‖W_i‖² (the Gauss–Newton part, L the smoothness of ℓ) plus
// ‖∇ℓ(W)‖·Σ_{i<j} Π_{l≠i,j}‖W_l‖ (the curvature of the product). It only sets the scale η is
// drawn relative to; the exact theorems hold for every η.
func dmfLocalScale(m *algorithms.DeepMF, loss algorithms.EndToEndLoss) float64 {
	ns := dmfNorms(m)
	N := len(ns)
	rows, cols := m.Dims()
	G := mat.NewDense(rows, cols, nil)
	loss.Grad(G, m.Product())
	var gn, cross float64
	for j := 0; j < N; j++ {
		p := dmfProdExcept(ns, j)
		gn += p * p
		for i := j + 1; i < N; i++ {
			cross += dmfProdExcept(ns, i, j)
		}
	}
	return dmfLossSmoothness(loss)*gn + numeric.FrobNorm(G)*cross
}

// dmfDrawStep draws a regime and η = (ηΛ)/Λ in it; lambda must be in [1e-100, 1e100].
func dmfDrawStep(t *rapid.T, lambda float64) (eta float64, regime string) {
	regime = generators.DrawRegime(t)
	return generators.DrawScaleInvStep(t, lambda, regime), regime
}

// dmfScaleOK reports whether Λ can set a step scale.
func dmfScaleOK(lambda float64) bool { return lambda >= 1e-100 && lambda <= 1e100 }

// dmfReflector returns H(v) = I − 2uuᵀ with u = v/‖v‖ (the identity for v = 0).
func dmfReflector(v []float64) *mat.Dense {
	n := len(v)
	H := dmfProduct(n, nil)
	nv := numeric.Norm2(v)
	if nv == 0 {
		return H
	}
	u := make([]float64, n)
	numeric.ScaleTo(u, 1/nv, v)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			H.Set(i, j, H.At(i, j)-2*u[i]*u[j])
		}
	}
	return H
}

// dmfDrawFrame draws an n×k matrix with orthonormal columns in closed form: the first k
// columns of the product of two Householder reflections H(v1)H(v2) of drawn vectors
// ("<label>_v1", "<label>_v2"), so that no draw is degenerate.
func dmfDrawFrame(t *rapid.T, ent *dmfEntries, label string, n, k int) *mat.Dense {
	if k < 1 || k > n {
		panic(fmt.Sprintf("theorems: a %d×%d orthonormal frame", n, k))
	}
	H1 := dmfReflector(ent.vector(t, label+"_v1", n, 1))
	H2 := dmfReflector(ent.vector(t, label+"_v2", n, 1))
	var H mat.Dense
	H.Mul(H1, H2)
	return mat.DenseCopyOf(H.Slice(0, n, 0, k))
}

// dmfFmtMat prints a small matrix in full and a large one by its shape and norm.
func dmfFmtMat(a mat.Matrix) string {
	r, c := a.Dims()
	if r*c > 16 {
		return fmt.Sprintf("(%d×%d, ‖·‖_F = %.4g)", r, c, mat.Norm(a, 2))
	}
	return fmt.Sprintf("%.6g", mat.Formatted(a, mat.FormatPython()))
}

// dmfFmtModel prints the factors of m.
func dmfFmtModel(m *algorithms.DeepMF) string {
	var sb strings.Builder
	for j, l := range m.Layers {
		if j > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "W_%d = %s", j+1, dmfFmtMat(l))
	}
	return sb.String()
}

// dmfDraw is a drawn deep factorisation, loss and gradient-descent run.
type dmfDraw struct {
	loss      algorithms.EndToEndLoss
	lossDesc  string
	entries   string // dmfEntriesRapid or dmfEntriesGaussian
	start     *algorithms.DeepMF
	startKind string
	scale     float64 // per-factor scale of the start
	regime    string
	eta       float64
	lambda    float64
	T         int
}

func (d *dmfDraw) String() string {
	rows, cols := d.start.Dims()
	widths := []int{cols}
	for _, l := range d.start.Layers {
		r, _ := l.Dims()
		widths = append(widths, r)
	}
	return fmt.Sprintf("depth %d, widths d_0..d_N = %v (W is %d×%d); %s entries; %s; %s start (scale %.3g): %s; T = %d, regime %s, η = %.6g (ηΛ = %.3g)",
		d.start.Depth(), widths, rows, cols, d.entries, d.lossDesc, d.startKind, d.scale, dmfFmtModel(d.start), d.T, d.regime, d.eta, d.eta*d.lambda)
}

// Start kinds.
const (
	dmfStartRandom   = "random"   // every factor entry drawn in scale·[−1, 1]
	dmfStartBalanced = "balanced" // algorithms.BalancedDeepMF of a drawn W0: every D_j = 0
)

// dmfDrawRun draws a depth N ∈ [minDepth, maxDepth], a shape (rows, cols ∈ [1, dmfMaxDim],
// hidden widths drawn independently, or all equal to a width ≥ min(rows, cols) for a
// balanced start), a loss, a start with per-factor scale in [1e-4, 10), a horizon
// T ∈ [1, maxT] and η relative to the local curvature at the start. It returns a reason
// instead when the instance cannot be used.
func dmfDrawRun(t *rapid.T, minDepth, maxDepth, maxT int) (*dmfDraw, string) {
	N := rapid.IntRange(minDepth, maxDepth).Draw(t, "depth")
	kind := rapid.SampledFrom([]string{dmfStartRandom, dmfStartBalanced}).Draw(t, "start")
	rows := rapid.IntRange(1, dmfMaxDim).Draw(t, "rows")
	cols := rapid.IntRange(1, dmfMaxDim).Draw(t, "cols")
	hidden := make([]int, N-1)
	width := 0
	if kind == dmfStartBalanced && N > 1 {
		width = rapid.IntRange(min(rows, cols), dmfMaxDim).Draw(t, "width")
		for i := range hidden {
			hidden[i] = width
		}
	} else {
		for i := range hidden {
			hidden[i] = rapid.IntRange(1, dmfMaxDim).Draw(t, fmt.Sprintf("d_%d", i+1))
		}
	}
	ent := dmfDrawEntries(t)
	loss, desc := dmfDrawLoss(t, ent, rows, cols)
	scale := dmfDrawRelative(t, "init_scale", dmfMinLogScale, dmfMaxLogScale)
	var m *algorithms.DeepMF
	if kind == dmfStartBalanced {
		W0 := mat.NewDense(rows, cols, ent.vector(t, "W0", rows*cols, math.Pow(scale, float64(N))))
		var ok bool
		if m, ok = algorithms.BalancedDeepMF(W0, N, width); !ok {
			return nil, dmfDiscardSVD
		}
	} else {
		m = algorithms.NewDeepMF(rows, cols, hidden...)
		for j, l := range m.Layers {
			r, c := l.Dims()
			copy(l.RawMatrix().Data, ent.vector(t, fmt.Sprintf("W_%d", j+1), r*c, scale))
		}
	}
	T := generators.DrawHorizon(t, maxT)
	lambda := dmfLocalScale(m, loss)
	if !dmfScaleOK(lambda) {
		return nil, dmfDiscardScale
	}
	eta, regime := dmfDrawStep(t, lambda)
	return &dmfDraw{loss: loss, lossDesc: desc, entries: ent.kind, start: m, startKind: kind, scale: scale, regime: regime, eta: eta, lambda: lambda, T: T}, ""
}
