package theorems

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
	"github.com/implicitreg/verify/internal/stats"
)

// SGDMethod is the signature of an SGD implementation: run len(steps) steps
// θ_{t+1} = θ_t − η_t ∇f_{i_t}(θ_t) from x0 with i_t = indices[t] and return the trajectory.
// algorithms.SGD is ours; a user's own implementation can be checked with
// BasicInequalitySGD(theirs). The theorem chooses the indices (it enumerates or samples them
// uniformly), so a method that does not step along the component it is given samples from a
// different distribution than the expectation assumes — and is caught.
type SGDMethod func(f algorithms.FiniteSum, x0, steps []float64, indices []int) *algorithms.Trajectory

// Sizes of the SGD instances. Enumeration visits all n^T index paths (at most 3^6 = 729);
// Monte Carlo samples bsgdMCPaths paths of up to 30 steps on up to 10 components.
const (
	bsgdMaxD     = 10
	bsgdEnumMaxN = 3
	bsgdEnumMaxT = 6
	bsgdMCMaxN   = 10
	bsgdMCMaxT   = 30
	bsgdMCPaths  = 256
	// bsgdLevel is the false-violation probability of one Monte Carlo instance: its two
	// statistical inequalities (step 5 and the claim) share stats.LevelPerInstance
	// (Bonferroni: half each, one-sided).
	bsgdLevel = stats.LevelPerInstance
)

// Regimes drawn by the property ("regime").
const (
	bsgdEnumerate  = "enumerate"
	bsgdMonteCarlo = "monte-carlo"
)

const sgdStatement = `For f = (1/n) Σ_i f_i convex and differentiable on R^d, SGD θ_{t+1} = θ_t − η_t ĝ_t with
ĝ_t = ∇f_{i_t}(θ_t), i_t independent and uniform on {1, …, n}, deterministic steps η_t > 0 and
τ = Σ_{t<T} η_t, for every z ∈ R^d:

    E[Σ_t η_t (f(θ_t) − f(z))] + ½E‖θ_T − z‖²  ≤  ½‖θ_0 − z‖² + ½Σ_t η_t² E‖ĝ_t‖²

hence, for θ̄_T = Σ_t η_t θ_t/τ,

    E f(θ̄_T) − f(z) + E‖θ_T − z‖²/(2τ)  ≤  ‖θ_0 − z‖²/(2τ) + Σ_t η_t² E‖ĝ_t‖²/(2τ)`

// sgdSteps are the proof steps of basic-inequality/sgd in the order evidence lists them.
var sgdSteps = []string{
	"step 1 expectation identity: E‖θ_{t+1} − z‖² = E‖θ_t − z‖² − 2η_t E⟨ĝ_t, θ_t − z⟩ + η_t² E‖ĝ_t‖² (exact, path by path)",
	"step 2 convexity: E[f(θ_t) − f(z)] ≤ E⟨∇f(θ_t), θ_t − z⟩ (exact, path by path)",
	"step 3 unbiasedness: E⟨ĝ_t, θ_t − z⟩ = E⟨∇f(θ_t), θ_t − z⟩ (enumeration: over all paths; Monte Carlo: conditionally on each sampled θ_t, averaging ĝ_t over the n indices)",
	"step 4 per step: η_t E[f(θ_t) − f(z)] ≤ ½E‖θ_t − z‖² − ½E‖θ_{t+1} − z‖² + ½η_t² E‖ĝ_t‖² (Monte Carlo: E‖θ_{t+1} − z‖² and E‖ĝ_t‖² conditionally on each sampled θ_t, exact over the n indices)",
	"step 5 regret form: E[Σ_t η_t (f(θ_t) − f(z))] + ½E‖θ_T − z‖² ≤ ½‖θ_0 − z‖² + ½Σ_t η_t² E‖ĝ_t‖² (Monte Carlo: lower confidence bound, conditional second moments as in step 4)",
	"step 6 Jensen: E f(θ̄_T) − f(z) ≤ E[Σ_t η_t (f(θ_t) − f(z))]/τ (exact, path by path)",
	"claim: E f(θ̄_T) − f(z) + E‖θ_T − z‖²/(2τ) ≤ ‖θ_0 − z‖²/(2τ) + Σ_t η_t² E‖ĝ_t‖²/(2τ) (Monte Carlo: lower confidence bound, conditional second moments as in step 4)",
}

// bsgdOptions selects the variant a property checks: the theorem, or a control.
type bsgdOptions struct {
	// dropVariance removes Σ_t η_t² E‖ĝ_t‖²/(2τ) from the claim's right side (a control).
	dropVariance bool
	// nonConvex draws non-convex sums of shifted double wells (a control).
	nonConvex bool
}

// BasicInequalitySGD builds `basic-inequality/sgd` on the given SGD implementation, with its
// explicit examples and its negative controls.
func BasicInequalitySGD(sgd SGDMethod) *Theorem {
	th := &Theorem{
		ID:     "basic-inequality/sgd",
		Title:  "SGD basic inequality in expectation",
		Kind:   Statistical,
		Source: Derived,
		Paper:  PaperBasicInequality,
		Hypotheses: []string{
			"f = (1/n)Σ_i f_i convex and differentiable on R^d (components drawn: least-squares or logistic rows, via Component(i))",
			"i_t independent of the past and uniform over the n components, so that E[ĝ_t | θ_t] = ∇f(θ_t)",
			"deterministic steps η_t > 0 (no smoothness needed; drawn with η_t ≤ 1/max_i L_i so that iterates stay finite)",
			"z any fixed point of R^d (drawn: random, θ_0, GD's θ_T, a minimiser, the ridge solution)",
			fmt.Sprintf("expectations exact by enumerating all n^T index paths (n ≤ %d, T ≤ %d), or by Monte Carlo over %d paths (n ≤ %d, T ≤ %d): with E‖θ_T − z‖² and E‖ĝ_t‖² averaged exactly over the last index at each sampled node (Rao–Blackwellisation); step 5 and the claim are then one-sided at level %.0e jointly per instance (Bonferroni), a violation only when the lower confidence bound of LHS − RHS is > 0",
				bsgdEnumMaxN, bsgdEnumMaxT, bsgdMCPaths, bsgdMCMaxN, bsgdMCMaxT, bsgdLevel),
		},
		Statement:  sgdStatement,
		ProofSteps: sgdSteps,
		Tolerance:  DefaultTolerance,
		Property:   bsgdProperty(sgd, bsgdOptions{}),
		Examples: []Example{
			{
				Name:        "tight-at-T=1",
				Description: "f_{1,2}(θ) = ½(θ ∓ 1)², θ_0 = z = 0 (the minimiser of f), η_0 = ½, T = 1: steps 4, 5 and the claim hold with equality (both sides ¼ for the claim)",
				Run: func() Evidence {
					return bsgdFixed(sgd, [][]float64{{1}, {1}}, []float64{1, -1}, []float64{0}, []float64{0.5}, []float64{0}, bsgdEnumerate)
				},
			},
			{
				Name:        "two-rows-T=3",
				Description: "least squares with rows (1, 0.5), (−0.3, 2), y = (1, −1), θ_0 = (2, −1), steps (0.1, 0.05, 0.1), z = (0.1, 0.2): all 8 index paths",
				Run: func() Evidence {
					return bsgdFixed(sgd, [][]float64{{1, 0.5}, {-0.3, 2}}, []float64{1, -1}, []float64{2, -1}, []float64{0.1, 0.05, 0.1}, []float64{0.1, 0.2}, bsgdEnumerate)
				},
			},
			{
				Name:        "two-rows-T=3-monte-carlo",
				Description: "the same instance by Monte Carlo over 256 sampled paths (seed 1)",
				Run: func() Evidence {
					return bsgdFixed(sgd, [][]float64{{1, 0.5}, {-0.3, 2}}, []float64{1, -1}, []float64{2, -1}, []float64{0.1, 0.05, 0.1}, []float64{0.1, 0.2}, bsgdMonteCarlo)
				},
			},
		},
	}
	th.Controls = []Control{
		{
			Name:        "biased-index-distribution",
			Breaks:      BreaksAlgorithm,
			Description: "SGD mutated to sample non-uniformly: it steps along f_0 whenever told i_t = n−1 (f_0 has probability 2/n, f_{n−1} none), while the expectation assumes uniform indices; ĝ_t is then biased",
			Property:    bsgdProperty(bsgdBiased(sgd), bsgdOptions{}),
		},
		{
			Name:        "claim-without-variance-term",
			Breaks:      BreaksConstant,
			Description: "the claim without Σ_t η_t² E‖ĝ_t‖²/(2τ) on the right (the deterministic GD form): wrong as soon as the gradients are noisy, e.g. z = θ_0 = a minimiser",
			Property:    bsgdProperty(sgd, bsgdOptions{dropVariance: true}),
		},
		{
			Name:        "non-convex-double-wells",
			Breaks:      BreaksHypothesis,
			Description: "f_i(θ) = Σ_j ((θ_j − c_ij)² − 1)²/4 with centres |c_ij| ≤ 0.2: f is non-convex around the centres",
			Examples: []Example{{
				Name:        "hilltop-to-well",
				Description: "centres ±0.1 (d = 1, n = 2), θ_0 = 0 (a local maximum of f), z = 1, η_0 = 0.05, T = 1: f(θ_0) − f(z) ≈ 0.235 > ⟨∇f(θ_0), θ_0 − z⟩ = 0",
				Run: func() Evidence {
					w := newBsgdWells(1, [][]float64{{0.1}, {-0.1}})
					ev := bsgdEvidence(sgd, w, []float64{0}, []float64{0.05}, []float64{1}, bsgdEnumerate, 0, bsgdOptions{})
					ev.Instance = fmt.Sprintf("%v; θ_0 = [0]; steps [0.05]; z = [1]; all index paths enumerated", w)
					return ev
				},
			}},
			Property: bsgdProperty(sgd, bsgdOptions{nonConvex: true}),
		},
	}
	return th
}

func init() { Register(BasicInequalitySGD(algorithms.SGD)) }

// bsgdBiased mutates sgd: index n−1 is replaced by 0, so the method samples f_0 with
// probability 2/n and never f_{n−1}.
func bsgdBiased(sgd SGDMethod) SGDMethod {
	return func(f algorithms.FiniteSum, x0, steps []float64, indices []int) *algorithms.Trajectory {
		n := f.N()
		biased := make([]int, len(indices))
		for t, i := range indices {
			if i == n-1 && n > 1 {
				i = 0
			}
			biased[t] = i
		}
		return sgd(f, x0, steps, biased)
	}
}

// bsgdProblem is a finite sum f = (1/n)Σ f_i as SGD sees it (algorithms.FiniteSum), plus what
// the checker needs: f's value and gradient, the magnitudes that their rounding errors are
// proportional to, and the components' largest smoothness constant.
type bsgdProblem interface {
	algorithms.FiniteSum
	Value(x []float64) float64
	Grad(dst, x []float64)
	// valueScale returns f(x) and the magnitude of the terms its computation rounds.
	valueScale(x []float64) (v, scale float64)
	// gradMag writes into dst a coordinatewise magnitude of the terms that ∇f_i(x) (i ≥ 0)
	// or ∇f(x) (i < 0) is computed from, so that ⟨g, a⟩'s rounding is Σ_j dst_j|a_j|·O(ε).
	gradMag(dst, x []float64, i int)
	maxComponentL() float64
	String() string
}

// bsgdGLM adapts a least-squares or logistic instance of package generators to a FiniteSum:
// its components are built once (Component(i) allocates) and returned as Objectives.
type bsgdGLM struct {
	inst     generators.Instance
	logistic bool
	rows     [][]float64
	y        []float64
	comps    []algorithms.Objective
	lmax     float64
}

// bsgdRowsOf is what both generators.LeastSquares and generators.Logistic provide.
type bsgdRowsOf interface {
	generators.Instance
	N() int
	X() *mat.Dense
	Y() []float64
	Component(i int) *generators.Component
}

func newBsgdGLM(f bsgdRowsOf, logistic bool) *bsgdGLM {
	X, y := f.X(), f.Y()
	n, d := X.Dims()
	g := &bsgdGLM{inst: f, logistic: logistic, y: y}
	for i := 0; i < n; i++ {
		g.rows = append(g.rows, X.RawRowView(i)[:d:d])
		c := f.Component(i)
		g.comps = append(g.comps, c)
		g.lmax = math.Max(g.lmax, c.Smoothness())
	}
	return g
}

func (g *bsgdGLM) Dim() int                             { return g.inst.Dim() }
func (g *bsgdGLM) N() int                               { return len(g.comps) }
func (g *bsgdGLM) Component(i int) algorithms.Objective { return g.comps[i] }
func (g *bsgdGLM) Value(x []float64) float64            { return g.inst.Value(x) }
func (g *bsgdGLM) Grad(dst, x []float64)                { g.inst.Grad(dst, x) }
func (g *bsgdGLM) maxComponentL() float64               { return g.lmax }
func (g *bsgdGLM) String() string                       { return g.inst.String() }

// margin returns |x_i|ᵀ|θ|, the magnitude of the margin x_iᵀθ's terms.
func (g *bsgdGLM) margin(i int, x []float64) float64 {
	var a float64
	for j, v := range g.rows[i] {
		a += math.Abs(v) * math.Abs(x[j])
	}
	return a
}

// valueScale: a least-squares term ½r_i² has rounding ∝ |r_i|(|x_i|ᵀ|θ| + |y_i|) ≤
// (|x_i|ᵀ|θ| + |y_i|)²; a logistic term's margin error goes through |ℓ'| ≤ 1, so it is
// ∝ |x_i|ᵀ|θ| + ℓ_i.
func (g *bsgdGLM) valueScale(x []float64) (float64, float64) {
	v, s := value(g.inst, x)
	terms := make([]float64, len(g.rows))
	for i := range g.rows {
		a := g.margin(i, x)
		if g.logistic {
			terms[i] = a
		} else {
			terms[i] = 0.5 * (a + math.Abs(g.y[i])) * (a + math.Abs(g.y[i]))
		}
	}
	own := numeric.Sum(terms) / float64(len(g.rows))
	if g.logistic {
		own += math.Abs(v)
	}
	return v, math.Max(s, own)
}

// gradMag: ∇f_i = ℓ'(x_iᵀθ)x_i with |ℓ'| and its rounding both ∝ |x_i|ᵀ|θ| + |y_i| (for
// logistic |y_i| = 1 ≥ |ℓ'|); ∇f averages them.
func (g *bsgdGLM) gradMag(dst, x []float64, i int) {
	for j := range dst {
		dst[j] = 0
	}
	add := func(k int, w float64) {
		c := w * (g.margin(k, x) + math.Abs(g.y[k]))
		for j, v := range g.rows[k] {
			dst[j] += c * math.Abs(v)
		}
	}
	if i >= 0 {
		add(i, 1)
		return
	}
	for k := range g.rows {
		add(k, 1/float64(len(g.rows)))
	}
}

// bsgdWells is the NON-convex sum f = (1/n)Σ_i f_i, f_i(θ) = Σ_j ((θ_j − c_ij)² − 1)²/4
// (double wells centred near 0), for the hypothesis control only.
type bsgdWells struct {
	d     int
	c     [][]float64
	comps []algorithms.Objective
}

type bsgdWell struct{ c []float64 }

func (w *bsgdWell) Dim() int { return len(w.c) }
func (w *bsgdWell) Value(x []float64) float64 {
	var s float64
	for j, cj := range w.c {
		u := (x[j]-cj)*(x[j]-cj) - 1
		s += u * u / 4
	}
	return s
}
func (w *bsgdWell) Grad(dst, x []float64) {
	for j, cj := range w.c {
		r := x[j] - cj
		dst[j] = r * (r*r - 1)
	}
}

func newBsgdWells(d int, centres [][]float64) *bsgdWells {
	w := &bsgdWells{d: d, c: centres}
	for _, c := range centres {
		w.comps = append(w.comps, &bsgdWell{c: c})
	}
	return w
}

// bsgdWellsBox bounds |θ_j − c_ij| along the control's runs (θ_0 ∈ [−1.5, 1.5]^d, centres in
// [−0.2, 0.2], and GD-like steps on a double well never leave [−B, B] for B ≥ 1); steps are
// drawn below 1/(3B² − 1), the wells' smoothness on that box.
const bsgdWellsBox = 2.5

func (w *bsgdWells) Dim() int                             { return w.d }
func (w *bsgdWells) N() int                               { return len(w.comps) }
func (w *bsgdWells) Component(i int) algorithms.Objective { return w.comps[i] }
func (w *bsgdWells) Value(x []float64) float64 {
	terms := make([]float64, len(w.comps))
	for i, c := range w.comps {
		terms[i] = c.Value(x)
	}
	return numeric.Sum(terms) / float64(len(terms))
}
func (w *bsgdWells) Grad(dst, x []float64) {
	g := make([]float64, w.d)
	for j := range dst {
		dst[j] = 0
	}
	for _, c := range w.comps {
		c.Grad(g, x)
		for j := range dst {
			dst[j] += g[j] / float64(len(w.comps))
		}
	}
}
func (w *bsgdWells) valueScale(x []float64) (float64, float64) {
	v := w.Value(x)
	var s float64
	for _, c := range w.c {
		for j, cj := range c {
			a := math.Abs(x[j]) + math.Abs(cj)
			s += (a*a + 1) * (a*a + 1) / 4
		}
	}
	return v, math.Max(math.Abs(v), s/float64(len(w.c)))
}
func (w *bsgdWells) gradMag(dst, x []float64, i int) {
	for j := range dst {
		dst[j] = 0
	}
	for k, c := range w.c {
		if i >= 0 && k != i {
			continue
		}
		wt := 1.0
		if i < 0 {
			wt = 1 / float64(len(w.c))
		}
		for j, cj := range c {
			a := math.Abs(x[j]) + math.Abs(cj)
			dst[j] += wt * a * (a*a + 1)
		}
	}
}
func (w *bsgdWells) maxComponentL() float64 { return 3*bsgdWellsBox*bsgdWellsBox - 1 }
func (w *bsgdWells) String() string {
	return fmt.Sprintf("double wells f_i(θ) = Σ_j ((θ_j − c_ij)² − 1)²/4 (NON-convex) with n=%d, d=%d, c=%v", len(w.c), w.d, w.c)
}

// bsgdProperty draws a regime, a finite sum, a start, a horizon, a schedule and a reference
// point, and returns the evidence.
func bsgdProperty(sgd SGDMethod, opt bsgdOptions) Property {
	return func(t *rapid.T) Evidence {
		regime := rapid.SampledFrom([]string{bsgdEnumerate, bsgdMonteCarlo}).Draw(t, "regime")
		maxN, maxT := bsgdEnumMaxN, bsgdEnumMaxT
		if regime == bsgdMonteCarlo {
			maxN, maxT = bsgdMCMaxN, bsgdMCMaxT
		}
		var (
			f      bsgdProblem
			inst   generators.Instance
			x0     []float64
			zScale float64
		)
		if opt.nonConvex {
			n := rapid.IntRange(1, maxN).Draw(t, "n")
			d := rapid.IntRange(1, 3).Draw(t, "d")
			flat := generators.DrawVector(t, "centres", n*d, 0.2)
			centres := make([][]float64, n)
			for i := range centres {
				centres[i] = flat[i*d : (i+1)*d : (i+1)*d]
			}
			f = newBsgdWells(d, centres)
			x0 = generators.DrawVector(t, "theta0", d, 1.5)
			zScale = 1.5
		} else {
			var err error
			if rapid.SampledFrom([]string{"least-squares", "logistic"}).Draw(t, "family") == "least-squares" {
				var ls *generators.LeastSquares
				if ls, err = generators.DrawLeastSquares(t, maxN, bsgdMaxD); err == nil {
					f, inst = newBsgdGLM(ls, false), ls
				}
			} else {
				var lg *generators.Logistic
				if lg, err = generators.DrawLogistic(t, maxN, bsgdMaxD); err == nil {
					f, inst = newBsgdGLM(lg, true), lg
				}
			}
			if err != nil {
				return discard(err)
			}
			x0 = generators.DrawVector(t, "theta0", f.Dim(), generators.ThetaScale(inst))
		}
		L := f.maxComponentL()
		if !(L > 0) || math.IsInf(L, 0) || math.IsInf(1/L, 0) {
			return Discarded("components' smoothness not positive and finite")
		}
		T := generators.DrawHorizon(t, maxT)
		steps, kind := generators.DrawSchedule(t, T, L)
		var (
			z     []float64
			zkind string
		)
		if inst != nil {
			tau := numeric.Sum(steps)
			// z must not depend on SGD's randomness: θ_T is GD's (the mean dynamics).
			gdT := algorithms.GradientDescent(f, x0, steps).Final()
			z, zkind = generators.DrawReference(t, inst, x0, gdT, tau)
		} else {
			z, zkind = generators.DrawVector(t, "z", f.Dim(), zScale), generators.ReferenceRandom
		}
		var seed uint64
		if regime == bsgdMonteCarlo {
			seed = rapid.Uint64().Draw(t, "mc_seed")
		}
		ev := bsgdEvidence(sgd, f, x0, steps, z, regime, seed, opt)
		ev.Instance = fmt.Sprintf("%v; n = %d; θ_0 = %v; T = %d; schedule %s; z = %s %v; %s", f, f.N(), x0, T, kind, zkind, z, bsgdRegimeString(regime, f.N(), T, seed))
		return ev
	}
}

func bsgdRegimeString(regime string, n, T int, seed uint64) string {
	if regime == bsgdEnumerate {
		count, _ := algorithms.SGDPathCount(n, T)
		return fmt.Sprintf("all %d index paths enumerated", count)
	}
	return fmt.Sprintf("Monte Carlo over %d paths, seed %d", bsgdMCPaths, seed)
}

// bsgdFixed builds evidence on a fixed least-squares finite sum (explicit examples), by
// enumeration or by Monte Carlo with seed 1.
func bsgdFixed(sgd SGDMethod, rows [][]float64, y, x0, steps, z []float64, regime string) Evidence {
	X := mat.NewDense(len(rows), len(rows[0]), nil)
	for i, r := range rows {
		X.SetRow(i, r)
	}
	ls, err := generators.NewLeastSquares(X, y)
	if err != nil {
		panic(err)
	}
	f := newBsgdGLM(ls, false)
	ev := bsgdEvidence(sgd, f, x0, steps, z, regime, 1, bsgdOptions{})
	ev.Instance = fmt.Sprintf("%v; θ_0 = %v; steps %v; z = %v; %s", f, x0, steps, z, bsgdRegimeString(regime, f.N(), len(steps), 1))
	return ev
}

// bsgdPath holds what one index path contributes: per t the value, distance, and inner
// products the proof steps average, with the magnitudes of their terms.
type bsgdPath struct {
	val, valS, dist []float64 // t = 0..T
	// ĝ_t = ∇f_{i_t}(θ_t) recomputed from the iterate and the index the method was given.
	gg, inner, innerS []float64 // ‖ĝ_t‖², ⟨ĝ_t, θ_t − z⟩ and its magnitude
	full, fullS       []float64 // ⟨∇f(θ_t), θ_t − z⟩ and its magnitude
	// Monte Carlo only, exact conditional expectations over i_t at the sampled θ_t
	// (Rao–Blackwellisation): C_t = (1/n)Σ_i ⟨∇f_i(θ_t), θ_t − z⟩, G_t = (1/n)Σ_i ‖∇f_i(θ_t)‖²
	// and E[‖θ_{t+1} − z‖² | θ_t] = ‖θ_t − z‖² − 2η_t C_t + η_t² G_t.
	cond, condS, condGG, next, nextS []float64
	rep                              []float64 // magnitude of the rounding of θ_{t+1} in ‖θ_{t+1} − z‖²
	avg, avgS                        float64   // f(θ̄_T)
}

// bsgdRecord evaluates one path. It recomputes every gradient from the iterates and the
// index given to the method, never from the method's bookkeeping: a method that took a
// different step fails the identity of step 1.
func bsgdRecord(f bsgdProblem, tr *algorithms.Trajectory, idx []int, steps, z []float64, tau float64, cond bool) bsgdPath {
	T, d := len(steps), f.Dim()
	p := bsgdPath{
		val: make([]float64, T+1), valS: make([]float64, T+1), dist: make([]float64, T+1),
		gg: make([]float64, T), inner: make([]float64, T), innerS: make([]float64, T),
		full: make([]float64, T), fullS: make([]float64, T), rep: make([]float64, T),
	}
	if cond {
		p.cond, p.condS, p.condGG = make([]float64, T), make([]float64, T), make([]float64, T)
		p.next, p.nextS = make([]float64, T), make([]float64, T)
	}
	g, mag := make([]float64, d), make([]float64, d)
	magScale := func(x []float64) float64 {
		var s float64
		for j, m := range mag {
			s += m * (math.Abs(x[j]) + math.Abs(z[j]))
		}
		return s
	}
	for t := 0; t <= T; t++ {
		th := tr.Iterates[t]
		p.val[t], p.valS[t] = f.valueScale(th)
		p.dist[t] = numeric.Dist2Sq(th, z)
	}
	for t := 0; t < T; t++ {
		th, next, eta := tr.Iterates[t], tr.Iterates[t+1], steps[t]
		f.Component(idx[t]).Grad(g, th)
		f.gradMag(mag, th, idx[t])
		p.gg[t] = numeric.Norm2Sq(g)
		p.inner[t], p.innerS[t] = dotDiff(g, th, z)
		p.innerS[t] += magScale(th)
		p.rep[t] = 2 * (numeric.Norm2(th) + numeric.Norm2(next) + eta*numeric.Norm2(mag)) * (math.Sqrt(p.dist[t]) + math.Sqrt(p.dist[t+1]))
		f.Grad(g, th)
		f.gradMag(mag, th, -1)
		p.full[t], p.fullS[t] = dotDiff(g, th, z)
		p.fullS[t] += magScale(th)
		if cond {
			n := f.N()
			terms, scales, sq := make([]float64, n), make([]float64, n), make([]float64, n)
			for i := 0; i < n; i++ {
				f.Component(i).Grad(g, th)
				f.gradMag(mag, th, i)
				terms[i], scales[i] = dotDiff(g, th, z)
				scales[i] += magScale(th)
				sq[i] = numeric.Norm2Sq(g)
			}
			nf := float64(n)
			p.cond[t], p.condS[t], p.condGG[t] = numeric.Sum(terms)/nf, numeric.Sum(scales)/nf, numeric.Sum(sq)/nf
			p.next[t] = numeric.Sum([]float64{p.dist[t], -2 * eta * p.cond[t], eta * eta * p.condGG[t]})
			p.nextS[t] = p.dist[t] + 2*eta*p.condS[t] + eta*eta*p.condGG[t]
		}
	}
	// θ̄_T = Σ_t η_t θ_t / τ, coordinatewise compensated.
	bar, col := make([]float64, d), make([]float64, T)
	for j := range bar {
		for t := 0; t < T; t++ {
			col[t] = steps[t] * tr.Iterates[t][j]
		}
		bar[j] = numeric.Sum(col) / tau
	}
	p.avg, p.avgS = f.valueScale(bar)
	return p
}

// bsgdMoments returns the mean of q over the paths (compensated) and the standard error of
// that mean (0 when exact: the paths are the whole population).
func bsgdMoments(paths []bsgdPath, exact bool, q func(*bsgdPath) float64) (mean, se float64) {
	xs := make([]float64, len(paths))
	for k := range paths {
		xs[k] = q(&paths[k])
	}
	m := float64(len(xs))
	mean = numeric.Sum(xs) / m
	if exact || len(xs) < 2 {
		return mean, 0
	}
	// Scale the deviations by their largest magnitude first: squares of quantities near
	// 1e-160 would underflow to 0 and report a zero standard error.
	var top float64
	for k, x := range xs {
		xs[k] = x - mean
		top = math.Max(top, math.Abs(xs[k]))
	}
	if top == 0 || math.IsInf(top, 0) || math.IsNaN(top) {
		return mean, top
	}
	for k, x := range xs {
		xs[k] = (x / top) * (x / top)
	}
	return mean, top * math.Sqrt(numeric.Sum(xs)/(m-1)/m)
}

func bsgdMean(paths []bsgdPath, q func(*bsgdPath) float64) float64 {
	m, _ := bsgdMoments(paths, true, q)
	return m
}

// bsgdStatLe builds lhs ≤ rhs between expectations. Exact: the means. Monte Carlo: the
// lower confidence bound mean(lhs − rhs) − zq·SE is compared with 0, written as
// (mean lhs − zq·SE) ≤ mean rhs so that both sides stay readable.
func bsgdStatLe(step string, index int, paths []bsgdPath, exact bool, zq float64, lhs, rhs, scale func(*bsgdPath) float64) (Inequality, float64, float64) {
	l, r, s := bsgdMean(paths, lhs), bsgdMean(paths, rhs), bsgdMean(paths, scale)
	_, se := bsgdMoments(paths, exact, func(p *bsgdPath) float64 { return lhs(p) - rhs(p) })
	return Le(step, index, l-zq*se, r, s), l - r, se
}

// bsgdEvidence runs sgd on every index path (regime enumerate) or on bsgdMCPaths sampled ones
// (regime monte-carlo, indices from a PCG seeded with seed, one rng.IntN(n) per step in order,
// as algorithms.SGDMonteCarlo draws them) and checks every proof step in expectation.
func bsgdEvidence(sgd SGDMethod, f bsgdProblem, x0, steps, z []float64, regime string, seed uint64, opt bsgdOptions) Evidence {
	T, n := len(steps), f.N()
	exact := regime == bsgdEnumerate
	ev := Evidence{Horizon: T}
	tau := numeric.Sum(steps)
	if !(tau > 0) || math.IsInf(tau, 0) {
		return Discarded("τ not positive and finite")
	}
	var paths []bsgdPath
	badLength := -1
	run := func(idx []int) {
		tr := sgd(f, x0, steps, idx)
		if tr.T() != T {
			badLength = tr.T()
			return
		}
		paths = append(paths, bsgdRecord(f, tr, idx, steps, z, tau, !exact))
	}
	if exact {
		err := algorithms.EnumerateSGDPaths(f, x0, steps, func(indices []int, _ *algorithms.Trajectory, _ float64) {
			if badLength < 0 {
				run(append([]int(nil), indices...))
			}
		})
		if err != nil {
			panic(err) // sizes are drawn far below MaxSGDPaths: a bug
		}
	} else {
		rng := rand.New(rand.NewPCG(seed, 0x5eed5eed))
		for k := 0; k < bsgdMCPaths && badLength < 0; k++ {
			idx := make([]int, T)
			for t := range idx {
				idx[t] = rng.IntN(n)
			}
			run(idx)
		}
	}
	if badLength >= 0 {
		q, _ := lengthMismatch(badLength, T)
		ev.Add(q)
		return ev
	}
	if len(paths) == 0 {
		panic(errors.New("theorems: basic-inequality/sgd: no path visited"))
	}

	fz, sz := f.valueScale(z)
	d0 := numeric.Dist2Sq(x0, z)
	mean := func(q func(*bsgdPath) float64) float64 { return bsgdMean(paths, q) }
	// The second moments of ĝ_t and the final distance: over the paths when enumerating;
	// by Monte Carlo, their exact conditional expectations given the sampled θ_t (same
	// expectation, less variance: the last index no longer adds any).
	gsq := func(p *bsgdPath, t int) float64 { return p.gg[t] }
	final := func(p *bsgdPath) float64 { return p.dist[T] }
	finalS := func(p *bsgdPath) float64 { return p.dist[T] + p.rep[T-1] }
	// Monte Carlo: steps 5 and the claim share the level bsgdLevel (one-sided each).
	zq := 0.0
	if !exact {
		gsq = func(p *bsgdPath, t int) float64 { return p.condGG[t] }
		final = func(p *bsgdPath) float64 { return p.next[T-1] }
		finalS = func(p *bsgdPath) float64 { return p.nextS[T-1] }
		zq = stats.Quantile(bsgdLevel / 2)
	}
	for t := 0; t < T; t++ {
		eta := steps[t]
		edt, edn := mean(func(p *bsgdPath) float64 { return p.dist[t] }), mean(func(p *bsgdPath) float64 { return p.dist[t+1] })
		ein, einS := mean(func(p *bsgdPath) float64 { return p.inner[t] }), mean(func(p *bsgdPath) float64 { return p.innerS[t] })
		egg := mean(func(p *bsgdPath) float64 { return p.gg[t] })
		erep := mean(func(p *bsgdPath) float64 { return p.rep[t] })
		eval, evalS := mean(func(p *bsgdPath) float64 { return p.val[t] }), mean(func(p *bsgdPath) float64 { return p.valS[t] })
		efull, efullS := mean(func(p *bsgdPath) float64 { return p.full[t] }), mean(func(p *bsgdPath) float64 { return p.fullS[t] })
		ev.Add(
			Eq("step 1 expectation identity", t, edn, edt-2*eta*ein+eta*eta*egg, edt, edn, 2*eta*einS, eta*eta*egg, erep),
			Le("step 2 convexity", t, eval-fz, efull, evalS, sz, efullS),
		)
		if exact {
			ev.Add(
				Eq("step 3 unbiasedness", t, ein, efull, einS, efullS),
				Le("step 4 per step", t, eta*(eval-fz), edt/2-edn/2+eta*eta*egg/2, eta*evalS, eta*sz, edt/2, edn/2, eta*eta*egg/2, erep/2),
			)
			continue
		}
		econd, econdS := mean(func(p *bsgdPath) float64 { return p.cond[t] }), mean(func(p *bsgdPath) float64 { return p.condS[t] })
		enext, enextS := mean(func(p *bsgdPath) float64 { return p.next[t] }), mean(func(p *bsgdPath) float64 { return p.nextS[t] })
		eG := mean(func(p *bsgdPath) float64 { return p.condGG[t] })
		ev.Add(
			Eq("step 3 unbiasedness", t, econd, efull, econdS, efullS),
			Le("step 4 per step", t, eta*(eval-fz), edt/2-enext/2+eta*eta*eG/2, eta*evalS, eta*sz, edt/2, enextS/2, eta*eta*eG/2),
		)
	}
	regret := func(p *bsgdPath) float64 {
		terms := make([]float64, T)
		for t := range terms {
			terms[t] = steps[t] * (p.val[t] - fz)
		}
		return numeric.Sum(terms)
	}
	regretS := func(p *bsgdPath) float64 {
		var s float64
		for t := 0; t < T; t++ {
			s += steps[t] * (p.valS[t] + sz)
		}
		return s
	}
	stepGradSq := func(p *bsgdPath) float64 {
		terms := make([]float64, T)
		for t := range terms {
			terms[t] = steps[t] * steps[t] * gsq(p, t)
		}
		return numeric.Sum(terms)
	}
	q, _, _ := bsgdStatLe("step 5 regret form", -1, paths, exact, zq,
		func(p *bsgdPath) float64 { return regret(p) + final(p)/2 },
		func(p *bsgdPath) float64 { return d0/2 + stepGradSq(p)/2 },
		func(p *bsgdPath) float64 {
			return regretS(p) + finalS(p)/2 + d0/2 + stepGradSq(p)/2 + numeric.Sum(p.rep)/2
		})
	ev.Add(q)
	// Jensen holds path by path (f convex), so its sample means satisfy it exactly.
	ev.Add(Le("step 6 Jensen", -1,
		mean(func(p *bsgdPath) float64 { return p.avg })-fz,
		mean(regret)/tau,
		mean(func(p *bsgdPath) float64 { return p.avgS }), sz, mean(regretS)/tau))
	claimRHS := func(p *bsgdPath) float64 {
		if opt.dropVariance {
			return d0 / (2 * tau)
		}
		return d0/(2*tau) + stepGradSq(p)/(2*tau)
	}
	c, gap, se := bsgdStatLe(ClaimStep, -1, paths, exact, zq,
		func(p *bsgdPath) float64 { return p.avg - fz + final(p)/(2*tau) },
		claimRHS,
		func(p *bsgdPath) float64 {
			return p.avgS + sz + finalS(p)/(2*tau) + d0/(2*tau) + stepGradSq(p)/(2*tau) + numeric.Sum(p.rep)/(2*tau)
		})
	ev.Add(c)
	mc := 0.0
	if !exact {
		mc = 1
	}
	// Underflow is amplified by at most max(1, 1/τ, η_t²) here.
	amp := math.Max(1, 1/tau)
	for _, eta := range steps {
		amp = math.Max(amp, eta*eta)
	}
	if reason := underflowDecides(&ev, f.N()*f.Dim()+f.Dim()+T, amp); reason != "" {
		return Discarded(reason)
	}
	ev.Metrics = map[string]float64{
		"claim_gap_estimate": gap,
		"claim_gap_lower":    gap - zq*se,
		"claim_gap_upper":    gap + zq*se,
		"claim_rhs":          c.RHS,
		"monte_carlo":        mc,
		"paths":              float64(len(paths)),
		"z_quantile":         zq,
	}
	return ev
}
