package generators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"pgregory.net/rapid"
)

// The SCO family (THEOREMS.md §7). The instance family below is DERIVED in
// papers/sco.md §6 — it is in the class of Sekhari, Sridharan and Kale (NeurIPS 2021)
// (population risk convex, each sample loss Lipschitz but not convex, the instance chosen
// after the regulariser), but it is not the paper's construction, which was not available.

// SCOInstance is I(c0, c1, a, a0; N) of papers/sco.md §6.1 (derived): w = (w_0, u) in the
// unit ball of R^{1+N}, data y uniform on {±1}^N, P(y) and N(y) the coordinates where y is
// +1 and −1, and
//
//	f(w; y) = c0|w_0 − a0| + c1‖u‖ + a(‖u_P(y)‖ − ‖u_N(y)‖).
//
// Then F(w) = E f(w; y) = c0|w_0 − a0| + c1‖u‖ exactly (y ↦ −y swaps P and N and keeps the
// law), F is convex with minimiser w* = a0 e_0 and F* = 0, each f(·; y) is non-convex (minus
// a norm) and L-Lipschitz with L = √(c0² + (c1 + √2 a)²).
//
// Coordinates: w[0] is w_0 and w[1+j] is u_j (j < N); a sample y has y[j] = ±1 for u_j.
// Methods keep scratch buffers: one goroutine at a time.
type SCOInstance struct {
	C0, C1, A, A0 float64
	N             int

	pos, neg, all []int
	kinkBuf       []float64
}

// NewSCOInstance validates the parameters: c0, c1, a ≥ 0 finite, a0 ∈ [0, 1], N ≥ 1.
func NewSCOInstance(c0, c1, a, a0 float64, N int) (*SCOInstance, error) {
	for _, v := range []float64{c0, c1, a} {
		if !(v >= 0) || math.IsInf(v, 0) {
			return nil, degenerate(fmt.Sprintf("SCO instance: c0, c1, a = %v, %v, %v, want finite and ≥ 0", c0, c1, a))
		}
	}
	if !(a0 >= 0 && a0 <= 1) {
		return nil, degenerate(fmt.Sprintf("SCO instance: a0 = %v outside [0, 1] (w* = a0 e_0 must lie in the unit ball)", a0))
	}
	if N < 1 {
		return nil, degenerate(fmt.Sprintf("SCO instance: N = %d, want ≥ 1", N))
	}
	all := make([]int, N)
	for j := range all {
		all[j] = 1 + j
	}
	return &SCOInstance{C0: c0, C1: c1, A: a, A0: a0, N: N,
		pos: make([]int, 0, N), neg: make([]int, 0, N), all: all, kinkBuf: make([]float64, N)}, nil
}

// SCOMenuA is the menu's a = (√(1 − c0²) − c1)/√2, which makes L = 1.
func SCOMenuA(c0, c1 float64) float64 { return (math.Sqrt(1-c0*c0) - c1) / math.Sqrt2 }

// SCOMenuEntry is one instance of the menu of papers/sco.md §6.4, without N.
type SCOMenuEntry struct{ C0, C1, A, A0 float64 }

func (e SCOMenuEntry) String() string {
	return fmt.Sprintf("(c0, c1, a, a0) = (%s, %s, %.6g, %s)", fmtG(e.C0), fmtG(e.C1), e.A, fmtG(e.A0))
}

// SCOMenu returns the 55 instances of the menu (papers/sco.md §6.4, derived): c0 ∈ {0, .2,
// .4, .6, .8, 1}, c1 ∈ {0, .1, .2, .3}, a = (√(1 − c0²) − c1)/√2 kept when a ≥ 0, a0 ∈ {0, .5,
// 1} (only a0 = 0 when c0 = 0). Every entry has L = 1 and ‖w*‖ ≤ 1. The order is c0, then
// c1, then a0, ascending; an entry's index in it is its menu index.
func SCOMenu() []SCOMenuEntry {
	var out []SCOMenuEntry
	for _, c0 := range []float64{0, 0.2, 0.4, 0.6, 0.8, 1} {
		for _, c1 := range []float64{0, 0.1, 0.2, 0.3} {
			a := SCOMenuA(c0, c1)
			if a < 0 {
				continue
			}
			a0s := []float64{0, 0.5, 1}
			if c0 == 0 {
				a0s = []float64{0}
			}
			for _, a0 := range a0s {
				out = append(out, SCOMenuEntry{C0: c0, C1: c1, A: math.Max(a, 0), A0: a0})
			}
		}
	}
	return out
}

// Instance returns the menu entry as an instance with N spurious coordinates.
func (e SCOMenuEntry) Instance(N int) (*SCOInstance, error) {
	return NewSCOInstance(e.C0, e.C1, e.A, e.A0, N)
}

// Dim is 1 + N.
func (in *SCOInstance) Dim() int { return 1 + in.N }

// Lipschitz is L = √(c0² + (c1 + √2 a)²), the Lipschitz constant of every f(·; y): the
// gradient is (c0 s, c1 û + a(v_P − v_N)) with |s| ≤ 1 and v_P, v_N unit vectors of
// disjoint supports, so ‖c1 û + a(v_P − v_N)‖ ≤ c1 + a√2.
func (in *SCOInstance) Lipschitz() float64 {
	return math.Hypot(in.C0, in.C1+math.Sqrt2*in.A)
}

// Minimiser returns w* = a0 e_0; MinRisk is F* = 0.
func (in *SCOInstance) Minimiser() []float64 {
	w := make([]float64, in.Dim())
	w[0] = in.A0
	return w
}

// MinRisk is F* = 0.
func (in *SCOInstance) MinRisk() float64 { return 0 }

func (in *SCOInstance) checkW(w []float64, who string) {
	if len(w) != in.Dim() {
		panic(fmt.Sprintf("generators: SCOInstance.%s: len(w) = %d, want %d", who, len(w), in.Dim()))
	}
}

// Risk is the population risk F(w) = c0|w_0 − a0| + c1‖u‖.
func (in *SCOInstance) Risk(w []float64) float64 {
	in.checkW(w, "Risk")
	return in.C0*math.Abs(w[0]-in.A0) + in.C1*scoNorm(w[1:])
}

// Loss is f(w; y).
func (in *SCOInstance) Loss(w []float64, y []int8) float64 {
	in.checkW(w, "Loss")
	in.checkY(y)
	var sp, sn, su float64
	for j, s := range y {
		v := w[1+j]
		su += v * v
		if s > 0 {
			sp += v * v
		} else {
			sn += v * v
		}
	}
	return in.C0*math.Abs(w[0]-in.A0) + in.C1*math.Sqrt(su) + in.A*(math.Sqrt(sp)-math.Sqrt(sn))
}

// LossScale is the magnitude of the terms Loss sums (for rounding bounds).
func (in *SCOInstance) LossScale(w []float64) float64 {
	return in.C0*(math.Abs(w[0])+in.A0) + (in.C1+2*in.A)*scoNorm(w[1:])
}

func (in *SCOInstance) checkY(y []int8) {
	if len(y) != in.N {
		panic(fmt.Sprintf("generators: SCOInstance: len(y) = %d, want N = %d", len(y), in.N))
	}
}

// EmpiricalRisk is F_S(w) = (1/n) Σ_i f(w; y_i).
func (in *SCOInstance) EmpiricalRisk(w []float64, S [][]int8) float64 {
	s := 0.0
	for _, y := range S {
		s += in.Loss(w, y)
	}
	return s / float64(len(S))
}

// SCOKink chooses a subgradient of a Euclidean norm ‖v_S‖ at a point where v_S = 0: it
// writes into g (len(support)) a vector of norm ≤ 1 (every such vector is a subgradient
// there; −g is a Clarke subgradient of −‖v_S‖). support lists the coordinates of S in w.
//
// A rule that depends only on the support (and on randomness independent of the data) keeps
// SGD's stochastic subgradient unbiased for the instance's F: the symmetry y ↦ −y swaps P and
// N, so the kink choices for ‖u_P‖ and ‖u_N‖ have the same mean (papers/sco.md §6.3).
type SCOKink func(g []float64, support []int)

// SCOKinkZero selects 0 at every kink (sgn(0) = 0, ∇‖v‖ at v = 0 := 0).
func SCOKinkZero(g []float64, _ []int) {
	for i := range g {
		g[i] = 0
	}
}

// SCOKinkFirst selects the first coordinate of the support: e_{min S}.
func SCOKinkFirst(g []float64, _ []int) {
	for i := range g {
		g[i] = 0
	}
	if len(g) > 0 {
		g[0] = 1
	}
}

// SCOKinkRandomUnit selects a uniformly random unit vector of the support's span.
func SCOKinkRandomUnit(rng *rand.Rand) SCOKink {
	return func(g []float64, _ []int) {
		if len(g) > 0 {
			RandomUnit(rng, g)
		}
	}
}

// Subgradient writes into dst an element of the Clarke subdifferential of f(·; y) at w,
// using kink wherever a norm term (or |w_0 − a0|) is not differentiable. It allocates
// nothing.
func (in *SCOInstance) Subgradient(dst, w []float64, y []int8, kink SCOKink) {
	in.checkW(w, "Subgradient")
	in.checkW(dst, "Subgradient")
	in.checkY(y)
	// w_0: c0·sgn(w_0 − a0), the kink rule at w_0 = a0.
	switch d := w[0] - in.A0; {
	case d > 0:
		dst[0] = in.C0
	case d < 0:
		dst[0] = -in.C0
	default:
		in.pos = append(in.pos[:0], 0)
		g := in.kinkBuf[:1]
		kink(g, in.pos)
		dst[0] = in.C0 * g[0]
	}
	in.pos, in.neg = in.pos[:0], in.neg[:0]
	var sp, sn, su float64
	for j, s := range y {
		v := w[1+j]
		su += v * v
		if s > 0 {
			sp += v * v
			in.pos = append(in.pos, 1+j)
		} else {
			sn += v * v
			in.neg = append(in.neg, 1+j)
		}
		dst[1+j] = 0
	}
	in.addNormGrad(dst, w, nil, math.Sqrt(su), in.C1, kink)
	in.addNormGrad(dst, w, in.pos, math.Sqrt(sp), in.A, kink)
	in.addNormGrad(dst, w, in.neg, math.Sqrt(sn), -in.A, kink)
}

// addNormGrad adds coef·∂‖w_S‖ to dst (S = support, nil: all of u), norm = ‖w_S‖.
func (in *SCOInstance) addNormGrad(dst, w []float64, support []int, norm, coef float64, kink SCOKink) {
	if coef == 0 {
		return
	}
	if support == nil {
		if norm > 0 {
			for j := 1; j < len(w); j++ {
				dst[j] += coef * w[j] / norm
			}
			return
		}
		// The whole u-block at u = 0: the support is 1 … N.
		g := in.kinkBuf[:in.N]
		kink(g, in.all)
		for k, j := range in.all {
			dst[j] += coef * g[k]
		}
		return
	}
	if len(support) == 0 {
		return
	}
	if norm > 0 {
		for _, j := range support {
			dst[j] += coef * w[j] / norm
		}
		return
	}
	g := in.kinkBuf[:len(support)]
	kink(g, support)
	for k, j := range support {
		dst[j] += coef * g[k]
	}
}

func (in *SCOInstance) String() string {
	return fmt.Sprintf("I(c0 = %s, c1 = %s, a = %s, a0 = %s; N = %d) (L = %.6g)",
		fmtG(in.C0), fmtG(in.C1), fmtG(in.A), fmtG(in.A0), in.N, in.Lipschitz())
}

func scoNorm(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// SCOBadEventProb is P(E) = 1 − (1 − 2^{−n})^N: the probability that, among N coordinates
// whose n-sample sign columns are independent and uniform on {±1}^n, some column is all −1.
// Computed as −expm1(N·log1p(−2^{−n})) so that it stays accurate when P(E) is tiny.
func SCOBadEventProb(n, N int) float64 {
	if n < 0 || N < 0 {
		panic(fmt.Sprintf("generators: SCOBadEventProb(%d, %d)", n, N))
	}
	return -math.Expm1(float64(N) * math.Log1p(-math.Ldexp(1, -n)))
}

// SCOBadCoordinates returns the coordinates j (as indices into w, so 1 … N) whose sign is −1
// in every sample of S: the bad event E holds iff the list is non-empty.
func SCOBadCoordinates(S [][]int8) []int {
	out := scoInEverySample(S, func(y int8) bool { return y <= 0 })
	for k := range out {
		out[k]++ // sample coordinate j is w_{j+1} (w_0 is not a sign coordinate)
	}
	return out
}

// scoInEverySample returns the coordinates j at which holds(S_i[j]) for every sample S_i.
func scoInEverySample[T any](S [][]T, holds func(T) bool) []int {
	if len(S) == 0 {
		return nil
	}
	var out []int
	for j := range S[0] {
		all := true
		for _, row := range S {
			if !holds(row[j]) {
				all = false
				break
			}
		}
		if all {
			out = append(out, j)
		}
	}
	return out
}

// SCOAllSigns lists the 2^N sign vectors of length N (bit j of the index set: y_j = −1), the
// support of the uniform sample distribution, for exact expectations.
func SCOAllSigns(N int) [][]int8 {
	out := make([][]int8, 1<<N)
	for m := range out {
		y := make([]int8, N)
		for j := range y {
			y[j] = 1
			if m>>j&1 == 1 {
				y[j] = -1
			}
		}
		out[m] = y
	}
	return out
}

// SCODrawSample draws n i.i.d. uniform signs vectors of length N.
func SCODrawSample(rng *rand.Rand, n, N int) [][]int8 {
	S := make([][]int8, n)
	for i := range S {
		S[i] = make([]int8, N)
		for j := range S[i] {
			S[i][j] = 1
			if rng.IntN(2) == 0 {
				S[i][j] = -1
			}
		}
	}
	return S
}

// DrawSCOSample draws n sign vectors of length N from rapid (labelled "signs"; −1 is drawn
// as false, shrinking toward all +1).
func DrawSCOSample(t *rapid.T, n, N int) [][]int8 {
	bits := rapid.SliceOfN(rapid.Bool(), n*N, n*N).Draw(t, "signs")
	S := make([][]int8, n)
	for i := range S {
		S[i] = make([]int8, N)
		for j := range S[i] {
			S[i][j] = -1
			if !bits[i*N+j] {
				S[i][j] = 1
			}
		}
	}
	return S
}

// SCOQuantize rounds x to a multiple of 2^−40. Drawn parameters and points of the unit ball
// go through it: rapid favours magnitudes like 1e-157, whose squares underflow into
// subnormals and lose their relative precision; on this grid every square is normal or 0.
func SCOQuantize(x float64) float64 { return math.Round(x*0x1p40) / 0x1p40 }

// DrawSCOInstance draws I(c0, c1, a, a0; N) with N ∈ [1, maxN]: either a menu entry
// ("menu_index") or free parameters c0, c1, a ∈ [0, 1] and a0 ∈ [0, 1] (on the grid of
// SCOQuantize).
func DrawSCOInstance(t *rapid.T, maxN int) *SCOInstance {
	checkMax("maxN", maxN)
	N := rapid.IntRange(1, maxN).Draw(t, "N")
	var c0, c1, a, a0 float64
	if rapid.Bool().Draw(t, "from_menu") {
		menu := SCOMenu()
		e := menu[rapid.IntRange(0, len(menu)-1).Draw(t, "menu_index")]
		c0, c1, a, a0 = e.C0, e.C1, e.A, e.A0
	} else {
		c0 = SCOQuantize(rapid.Float64Range(0, 1).Draw(t, "c0"))
		c1 = SCOQuantize(rapid.Float64Range(0, 1).Draw(t, "c1"))
		a = SCOQuantize(rapid.Float64Range(0, 1).Draw(t, "a"))
		a0 = SCOQuantize(rapid.Float64Range(0, 1).Draw(t, "a0"))
	}
	in, err := NewSCOInstance(c0, c1, a, a0, N)
	if err != nil {
		panic(err) // parameters are drawn inside the valid range
	}
	return in
}

// SCOSSSS09 is the per-sample-convex instance of Shalev-Shwartz, Shamir, Srebro and
// Sridharan (COLT 2009; recalled in papers/sco.md §4.1): f(w; α) = ‖α ⊙ w‖ on the unit ball
// of R^D, α ∈ {0, 1}^D with i.i.d. Bernoulli(½) coordinates. F(w) = E‖α ⊙ w‖, F* = F(0) = 0,
// every f(·; α) is convex and 1-Lipschitz. A coordinate j never observed (α_ij = 0 for every
// sample) makes e_j an empirical minimiser with F(e_j) = ½.
type SCOSSSS09 struct{ D int }

// Loss is ‖α ⊙ w‖.
func (in SCOSSSS09) Loss(w []float64, alpha []bool) float64 {
	s := 0.0
	for j, on := range alpha {
		if on {
			s += w[j] * w[j]
		}
	}
	return math.Sqrt(s)
}

// EmpiricalRisk is (1/n)Σ_i ‖α_i ⊙ w‖.
func (in SCOSSSS09) EmpiricalRisk(w []float64, S [][]bool) float64 {
	return scoAverageLoss(in.Loss, w, S)
}

// scoAverageLoss is (1/n)Σ_i loss(w, S_i), the empirical risk of a pattern instance.
func scoAverageLoss(loss func(w []float64, pattern []bool) float64, w []float64, S [][]bool) float64 {
	s := 0.0
	for _, a := range S {
		s += loss(w, a)
	}
	return s / float64(len(S))
}

// Risk is F(w) exactly: the average of ‖α ⊙ w‖ over the 2^k patterns of α on the support
// of w (coordinates outside it do not matter). It panics when w has more than 20 nonzero
// coordinates.
func (in SCOSSSS09) Risk(w []float64) float64 {
	var supp []float64
	for _, v := range w {
		if v != 0 {
			supp = append(supp, v*v)
		}
	}
	k := len(supp)
	if k > 20 {
		panic(fmt.Sprintf("generators: SCOSSSS09.Risk: %d nonzero coordinates, at most 20 enumerable", k))
	}
	total := 0.0
	for m := 0; m < 1<<k; m++ {
		s := 0.0
		for i, v := range supp {
			if m>>i&1 == 1 {
				s += v
			}
		}
		total += math.Sqrt(s)
	}
	return math.Ldexp(total, -k)
}

// MinRisk is F* = 0 (at w = 0).
func (in SCOSSSS09) MinRisk() float64 { return 0 }

// Subgradient writes a subgradient of ‖α ⊙ w‖ (0 at α ⊙ w = 0).
func (in SCOSSSS09) Subgradient(dst, w []float64, alpha []bool) {
	n := in.Loss(w, alpha)
	for j := range dst {
		dst[j] = 0
		if alpha[j] && n > 0 {
			dst[j] = w[j] / n
		}
	}
}

// SCOFeldman is the per-sample-convex instance of Feldman (NeurIPS 2016; papers/sco.md
// §4.2) with the orthogonal set {e_1, …, e_D}: f(w; V) = max{½, max_{j ∈ V} w_j} on the unit
// ball, V ⊆ {1 … D} containing each j independently with probability ½. F* = ½ (at 0); a
// coordinate j never in any sampled V makes e_j an empirical minimiser with F(e_j) = ¾.
type SCOFeldman struct{ D int }

// Loss is max{½, max_{j∈V} w_j}.
func (in SCOFeldman) Loss(w []float64, V []bool) float64 {
	m := 0.5
	for j, on := range V {
		if on && w[j] > m {
			m = w[j]
		}
	}
	return m
}

// EmpiricalRisk is (1/n)Σ_i f(w; V_i).
func (in SCOFeldman) EmpiricalRisk(w []float64, S [][]bool) float64 {
	return scoAverageLoss(in.Loss, w, S)
}

// Risk is F(w) exactly (papers/sco.md §4.2, derived): with the coordinates above ½ sorted,
// w_(1) ≥ … ≥ w_(k) > ½, F(w) = Σ_{i≤k} 2^{−i} w_(i) + 2^{−k}·½ (the largest coordinate in V
// is w_(i) with probability 2^{−i}).
func (in SCOFeldman) Risk(w []float64) float64 {
	var above []float64
	for _, v := range w {
		if v > 0.5 {
			above = append(above, v)
		}
	}
	// Insertion sort, descending: k is small.
	for i := 1; i < len(above); i++ {
		for j := i; j > 0 && above[j] > above[j-1]; j-- {
			above[j], above[j-1] = above[j-1], above[j]
		}
	}
	s := 0.0
	for i, v := range above {
		s += math.Ldexp(v, -(i + 1))
	}
	return s + math.Ldexp(0.5, -len(above))
}

// MinRisk is F* = ½.
func (in SCOFeldman) MinRisk() float64 { return 0.5 }

// Subgradient writes a subgradient of f(·; V): e_j for the first j ∈ V attaining the max
// when it exceeds ½, else 0.
func (in SCOFeldman) Subgradient(dst, w []float64, V []bool) {
	for j := range dst {
		dst[j] = 0
	}
	m, arg := 0.5, -1
	for j, on := range V {
		if on && w[j] > m {
			m, arg = w[j], j
		}
	}
	if arg >= 0 {
		dst[arg] = 1
	}
}

// SCOUnobserved returns the coordinates j with α_ij = false (j ∉ V_i) in every sample.
func SCOUnobserved(S [][]bool) []int {
	return scoInEverySample(S, func(in bool) bool { return !in })
}

// DrawSCOPatterns draws n Bernoulli(½) patterns of length D from rapid ("patterns").
func DrawSCOPatterns(t *rapid.T, n, D int) [][]bool {
	bits := rapid.SliceOfN(rapid.Bool(), n*D, n*D).Draw(t, "patterns")
	S := make([][]bool, n)
	for i := range S {
		S[i] = bits[i*D : (i+1)*D : (i+1)*D]
	}
	return S
}
