package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strconv"
	"sync"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// Shared machinery of the SCO family (THEOREMS.md §7). The instance family, the 2-D
// reduction of RERM on the bad event, the menu, the test vectors and the reference gaps are
// all DERIVED in papers/sco.md §6–7: they are in the class of Sekhari, Sridharan and Kale
// (NeurIPS 2021) but are not the paper's construction, which was not available.

// SCORERMSolver solves the 2-D RERM problem of an instance to accuracy δ and certifies it
// (algorithms.SCORERMReduce with default options is ours; DefaultSCORERMSolver). The grid of
// sco/rerm-fails calls it from several goroutines at once.
type SCORERMSolver func(p algorithms.SCORERMProblem, r algorithms.SCORegulariser, delta float64) algorithms.SCORERM2D

// DefaultSCORERMSolver is algorithms.SCORERMReduce with its default accuracy.
func DefaultSCORERMSolver(p algorithms.SCORERMProblem, r algorithms.SCORegulariser, delta float64) algorithms.SCORERM2D {
	return algorithms.SCORERMReduce(p, r, delta, algorithms.SCORERMOptions{})
}

// SCOAxisSGDMethod runs one-pass SGD on the w_0 axis (zero subgradient at kinks) and returns
// x̄ (algorithms.SCOAxisSGD is ours).
type SCOAxisSGDMethod func(c0, a0, eta, x1 float64, n int) float64

// SCOSGDMethod runs one-pass projected SGD in full dimension with a given subgradient oracle
// (algorithms.SCOProjectedSGD is ours).
type SCOSGDMethod func(w1 []float64, eta, radius float64, n int, oracle algorithms.SCOSubgradOracle, avg []float64, visit func(t int, w, g []float64))

// SCOLocalRERMMethod minimises an objective over the unit ball numerically
// (algorithms.SCOMultiStartRERM is ours).
type SCOLocalRERMMethod func(obj func(w []float64) float64, dim int, opt algorithms.SCOLocalSearchOptions) algorithms.SCOLocalSearch

// The accuracies of the 2-D reduction.
const (
	// scoDeltaTable is the δ of the gap table: every δ-approximate RERM solution is covered.
	// It is the δ of the reference computation (papers/sco.md §6.5), so the reference gaps
	// are comparable.
	scoDeltaTable = 1e-3
	// scoDeltaExact is the δ at which the test vectors (δ → 0 values) are reproduced.
	scoDeltaExact = 1e-12
	// scoVectorDigits is half a unit of the test vectors' last printed digit.
	scoVectorDigits = 5e-5
	// scoMinGap is the smallest gap ex* − SGD excess the claims accept: strictly positive
	// with a margin well above the solver's accuracy (ExcessGap 1e-7).
	scoMinGap = 1e-3
	// scoRefBand is the reproduction band for the reference gaps: they are three-decimal
	// figures of a prototype whose lower bound was cruder (it subtracted c0 × grid step), so
	// ours may lie slightly above them.
	scoRefBand = 0.005
)

// scoLambdas is the λ grid of the reference table (papers/sco.md §6.5(ii)).
var scoLambdas = []float64{0, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 2, 5, 100}

// scoNs is the range of sample sizes of the claim (THEOREMS.md §7: n ∈ {4 … 12}).
var scoNs = []int{4, 5, 6, 7, 8, 9, 10, 11, 12}

// scoFamily is a regulariser family of the table.
type scoFamily struct {
	// key prefixes the metrics ("l2sq_n4_gap").
	key, label string
	make       func(lambda float64) algorithms.SCORegulariser
	// ref holds the reference worst-λ gaps by n (papers/sco.md §6.5(ii), derived there with
	// δ = 1e-3 and the same λ grid); nil for a family without reference numbers.
	ref map[int]float64
}

// scoFamilies are the families of the table: λ‖w‖², λ‖w‖₁, the elastic net λ(‖w‖₁ + ‖w‖²),
// λ‖w‖₂ and λ‖w‖_1.5 (a p-norm with p ∈ (1, 2), no reference numbers).
var scoFamilies = []scoFamily{
	{key: "l2sq", label: "λ‖w‖²", make: algorithms.SCOL2Sq,
		ref: map[int]float64{4: 0.045, 6: 0.064, 8: 0.077, 10: 0.100, 12: 0.110}},
	{key: "l1", label: "λ‖w‖₁", make: algorithms.SCOL1,
		ref: map[int]float64{4: 0.124, 6: 0.158, 8: 0.193, 10: 0.216, 12: 0.233}},
	{key: "en", label: "λ‖w‖₁ + λ‖w‖²", make: func(l float64) algorithms.SCORegulariser { return algorithms.SCOElasticNet(l, l) },
		ref: map[int]float64{4: 0.060, 6: 0.100, 8: 0.113, 10: 0.120, 12: 0.127}},
	{key: "l2", label: "λ‖w‖₂", make: algorithms.SCOL2Norm,
		ref: map[int]float64{4: 0.115, 6: 0.158, 8: 0.193, 10: 0.197, 12: 0.197}},
	{key: "lp1.5", label: "λ‖w‖_1.5", make: func(l float64) algorithms.SCORegulariser { return algorithms.SCOLpNorm(l, 1.5) }},
}

// scoProblem converts a menu entry for the 2-D solver.
func scoProblem(e generators.SCOMenuEntry) algorithms.SCORERMProblem {
	return algorithms.SCORERMProblem{C0: e.C0, C1: e.C1, A: e.A, A0: e.A0}
}

// scoInstanceProblem converts an instance for the 2-D solver.
func scoInstanceProblem(in *generators.SCOInstance) algorithms.SCORERMProblem {
	return algorithms.SCORERMProblem{C0: in.C0, C1: in.C1, A: in.A, A0: in.A0}
}

// scoMenuL is the Lipschitz constant of a menu entry: 1 by construction (a is chosen so),
// up to the rounding of computing it, which we do not let into η.
func scoMenuL(generators.SCOMenuEntry) float64 { return 1 }

// scoSGDExcess is the excess c0|x̄ − a0| of one-pass SGD on the axis with η = B/(L√n),
// B = 1 (the class radius: ‖w*‖ ≤ 1 and w_1 = 0) and the entry's L.
func scoSGDExcess(sgd SCOAxisSGDMethod, e generators.SCOMenuEntry, n int) float64 {
	eta := 1 / (scoMenuL(e) * math.Sqrt(float64(n)))
	return e.C0 * math.Abs(sgd(e.C0, e.A0, eta, 0, n)-e.A0)
}

// scoCache memoises 2-D solutions by instance, regulariser and δ, for one solver (every
// theorem built on a solver owns one; its examples, property and experiment share it).
type scoCache struct {
	solve SCORERMSolver
	mu    sync.Mutex
	m     map[scoCacheKey]algorithms.SCORERM2D
}

type scoCacheKey struct {
	p      algorithms.SCORERMProblem
	family string
	name   string
	delta  float64
}

func newSCOCache(solve SCORERMSolver) *scoCache {
	return &scoCache{solve: solve, m: map[scoCacheKey]algorithms.SCORERM2D{}}
}

// get solves (or recalls) the 2-D problem. A regulariser is identified by family and name
// (the name prints its parameters exactly).
func (c *scoCache) get(p algorithms.SCORERMProblem, r algorithms.SCORegulariser, delta float64) algorithms.SCORERM2D {
	k := scoCacheKey{p, r.Family, r.Name, delta}
	c.mu.Lock()
	v, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return v
	}
	v = c.solve(p, r, delta)
	c.mu.Lock()
	c.m[k] = v
	c.mu.Unlock()
	return v
}

// SCOGapRow is one row of the gap table of sco/rerm-fails: for a regulariser family and a
// sample size n, the λ of the grid where the best menu instance's gap is smallest, that
// instance, its certified RERM excess bound on the bad event, SGD's excess, and the gap.
type SCOGapRow struct {
	// Family is the key ("l2sq", "l1", "en", "l2", "lp1.5") and Label its formula.
	Family, Label string
	N             int
	// WorstLambda is the grid λ with the smallest best gap.
	WorstLambda float64
	// InstanceIndex is the menu index of the chosen instance (generators.SCOMenu order).
	InstanceIndex int
	Instance      generators.SCOMenuEntry
	// RERMExcessBound is the certified lower bound on every δ-approximate RERM solution's
	// excess on the bad event (δ = Delta); SGDExcess is one-pass SGD's excess c0|x̄ − a0|.
	RERMExcessBound, SGDExcess, Gap float64
	// BadEventProb is P(E) with N = 2^n − 1; ExpectedExcessLower = P(E)·RERMExcessBound is a
	// lower bound on RERM's expected excess.
	BadEventProb, ExpectedExcessLower float64
	// Reference is the reference gap of papers/sco.md §6.5(ii) (NaN when there is none).
	Reference float64
	Delta     float64
	Certified bool
}

// SCOGapTableHeader names the columns of SCOGapRow.Cells.
func SCOGapTableHeader() []string {
	return []string{"family", "n", "worst λ", "instance (c0, c1, a, a0)", "menu #", "RERM excess ≥", "SGD excess", "gap", "reference gap", "P(E)", "E[RERM excess] ≥"}
}

// Cells renders the row for a table (numbers to four decimals).
func (r SCOGapRow) Cells() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	ref := "—"
	if !math.IsNaN(r.Reference) {
		ref = strconv.FormatFloat(r.Reference, 'f', 3, 64)
	}
	inst := fmt.Sprintf("(%g, %g, %.4f, %g)", r.Instance.C0, r.Instance.C1, r.Instance.A, r.Instance.A0)
	return []string{r.Label, strconv.Itoa(r.N), strconv.FormatFloat(r.WorstLambda, 'g', -1, 64), inst,
		strconv.Itoa(r.InstanceIndex), f(r.RERMExcessBound), f(r.SGDExcess), f(r.Gap), ref, f(r.BadEventProb), f(r.ExpectedExcessLower)}
}

// SCOGapTable computes the gap table of sco/rerm-fails with our solver and SGD: per family
// and n ∈ {4 … 12}, the worst λ of the grid {0, .01, .03, .1, .2, .3, .5, .7, 1, 2, 5, 100},
// with δ = 1e-3. It takes about a second of CPU (55 certified 2-D solves per family and λ)
// the first time in a process; the solutions are shared with the registered sco/rerm-fails.
func SCOGapTable() []SCOGapRow {
	return scoComputeGrid(scoDefaultCache, algorithms.SCOAxisSGD).rows
}

// scoCell is the best menu instance for one family, λ and n.
type scoCell struct {
	fam, lam, n int
	inst        int
	ex, sgd     float64
	certified   bool
}

func (c scoCell) gap() float64 { return c.ex - c.sgd }

// scoGrid is the computed table: every cell and the worst-λ rows.
type scoGrid struct {
	cells []scoCell // by family, then λ, then n
	rows  []SCOGapRow
	// solves and evals count the 2-D solutions behind the grid.
	solves, evals int
	uncertified   int
}

// scoComputeGrid solves every menu instance for every family and λ of the grid (in
// parallel over families and λ) and picks, per n, the instance with the largest gap.
func scoComputeGrid(cache *scoCache, sgd SCOAxisSGDMethod) *scoGrid {
	menu := generators.SCOMenu()
	nf, nl := len(scoFamilies), len(scoLambdas)
	sol := make([][]algorithms.SCORERM2D, nf*nl)
	jobs := make(chan int)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				f, l := j/nl, j%nl
				r := scoFamilies[f].make(scoLambdas[l])
				out := make([]algorithms.SCORERM2D, len(menu))
				for k, e := range menu {
					out[k] = cache.get(scoProblem(e), r, scoDeltaTable)
				}
				sol[j] = out
			}
		}()
	}
	for j := 0; j < nf*nl; j++ {
		jobs <- j
	}
	close(jobs)
	wg.Wait()

	g := &scoGrid{}
	sgdEx := make([][]float64, len(scoNs))
	for i, n := range scoNs {
		sgdEx[i] = make([]float64, len(menu))
		for k, e := range menu {
			sgdEx[i][k] = scoSGDExcess(sgd, e, n)
		}
	}
	for f := range scoFamilies {
		for l := range scoLambdas {
			for _, s := range sol[f*nl+l] {
				g.solves++
				g.evals += s.Evals
				if !s.Certified {
					g.uncertified++
				}
			}
		}
	}
	for f, fam := range scoFamilies {
		for i, n := range scoNs {
			worst := scoCell{inst: -1}
			for l := range scoLambdas {
				best := scoCell{fam: f, lam: l, n: n, inst: -1}
				for k, s := range sol[f*nl+l] {
					c := scoCell{fam: f, lam: l, n: n, inst: k, ex: s.ExcessLower, sgd: sgdEx[i][k], certified: s.Certified}
					if best.inst < 0 || c.gap() > best.gap() || math.IsNaN(c.gap()) {
						best = c
					}
				}
				g.cells = append(g.cells, best)
				if worst.inst < 0 || best.gap() < worst.gap() || math.IsNaN(best.gap()) {
					worst = best
				}
			}
			e := menu[worst.inst]
			N := 1<<n - 1
			pe := generators.SCOBadEventProb(n, N)
			ref, ok := fam.ref[n]
			if !ok {
				ref = math.NaN()
			}
			g.rows = append(g.rows, SCOGapRow{
				Family: fam.key, Label: fam.label, N: n, WorstLambda: scoLambdas[worst.lam],
				InstanceIndex: worst.inst, Instance: e,
				RERMExcessBound: worst.ex, SGDExcess: worst.sgd, Gap: worst.gap(),
				BadEventProb: pe, ExpectedExcessLower: pe * worst.ex,
				Reference: ref, Delta: scoDeltaTable, Certified: worst.certified,
			})
		}
	}
	return g
}

// SCOBound is a lower bound on the excess risk of RERM with a regulariser on the bad event of
// a menu instance, with how it was obtained (see SCORERMBound).
type SCOBound struct {
	Excess float64
	// Method is "2-D reduction", "§6.7 swap certificate" or "numerical RERM".
	Method string
	// Certified is true only when the bound is rigorous: (C) proved (not merely sampled),
	// a certified 2-D solution, or the §6.7 certificate with an exact subgradient of a
	// convex R. Basis says why or why not.
	Certified bool
	Basis     string
	// ConditionC is the sampled check of (C) (zero when (C) is proved for the family).
	ConditionC algorithms.SCOConditionCReport
	Reduction  *algorithms.SCORERM2D
	Swap       *algorithms.SCOSwapCertificate
}

// SCORERMBound bounds RERM's excess on the bad event for any regulariser, including a user's
// (algorithms.SCOUserRegulariser), on menu entry e with n samples (N = 2^n − 1 spurious
// coordinates), to accuracy δ:
//
//  1. if R is a built-in family with (C) proved, the certified 2-D reduction;
//  2. otherwise (C) is checked by sampling 2000 triples; if it passes, the 2-D reduction —
//     labelled uncertified, since sampling does not prove (C);
//  3. if (C) fails, the §6.7 swap certificate (papers/sco.md, derived), certified when R is
//     declared convex, passes a sampled convexity check and supplies its subgradient;
//  4. if its conditions fail too, numerical RERM in full dimension (n ≤ 6) on samples where
//     the bad event holds, by multi-start local search — labelled uncertified.
//
// seed fixes the sampling.
func SCORERMBound(r algorithms.SCORegulariser, e generators.SCOMenuEntry, n int, delta float64, seed uint64) SCOBound {
	p := scoProblem(e)
	N := 1<<n - 1
	if r.SparseMinimal {
		red := DefaultSCORERMSolver(p, r, delta)
		return SCOBound{Excess: red.ExcessLower, Method: "2-D reduction", Certified: red.Certified,
			Basis: "condition (C) proved for the family; " + red.Method, Reduction: &red}
	}
	rng := rand.New(rand.NewPCG(seed, 0x5c0c))
	dim := min(1+N, 33)
	if dim < 3 {
		dim = 3
	}
	rep := algorithms.SCOCheckConditionC(r, rng, 2000, dim)
	if rep.Holds {
		red := DefaultSCORERMSolver(p, r, delta)
		return SCOBound{Excess: red.ExcessLower, Method: "2-D reduction", Certified: false,
			Basis:      fmt.Sprintf("condition (C) held on %d sampled triples in dimension %d but is not proved: uncertified; %s", rep.Checked, dim, red.Method),
			ConditionC: rep, Reduction: &red}
	}
	sw := algorithms.SCOSwapBound(p, r, min(1+N, 4096))
	if sw.OK {
		convexOK := r.Convex && algorithms.SCOCheckConvexity(r, rng, 2000, dim)
		cert := convexOK && sw.ExactSubgradient
		basis := "condition (C) fails (sampled); §6.7 swap certificate with R declared convex"
		switch {
		case !convexOK:
			basis += ", but the sampled convexity check failed: uncertified"
		case !sw.ExactSubgradient:
			basis += ", subgradient by finite differences: uncertified"
		default:
			basis += " (convexity sampled) and its own subgradient"
		}
		return SCOBound{Excess: sw.Bound, Method: "§6.7 swap certificate", Certified: cert, Basis: basis, ConditionC: rep, Swap: &sw}
	}
	if n > 6 {
		return SCOBound{Excess: math.NaN(), Method: "none", Basis: "condition (C) fails, the §6.7 certificate does not apply (" + sw.Reason +
			") and numerical RERM in dimension 2^n is limited to n ≤ 6", ConditionC: rep, Swap: &sw}
	}
	ex := scoNumericalRERMExcess(r, e, n, rng, algorithms.SCOMultiStartRERM, 3)
	return SCOBound{Excess: ex, Method: "numerical RERM", Certified: false,
		Basis: "condition (C) fails and the §6.7 certificate does not apply (" + sw.Reason +
			"): smallest excess of multi-start local-search RERM on 3 samples with the bad event, uncertified",
		ConditionC: rep, Swap: &sw}
}

// scoNumericalRERMExcess runs numerical RERM on `samples` samples where E holds and returns
// the smallest excess F(ŵ) found.
func scoNumericalRERMExcess(r algorithms.SCORegulariser, e generators.SCOMenuEntry, n int, rng *rand.Rand, scoRERM SCOLocalRERMMethod, samples int) float64 {
	N := 1<<n - 1
	in, err := e.Instance(N)
	if err != nil {
		panic(err)
	}
	best := math.Inf(1)
	for s := 0; s < samples; s++ {
		S := scoSampleWithE(rng, n, N)
		obj := func(w []float64) float64 { return in.EmpiricalRisk(w, S) + r.Value(w) }
		res := scoRERM(obj, in.Dim(), algorithms.SCOLocalSearchOptions{Starts: 8, Seed: rng.Uint64()})
		best = math.Min(best, in.Risk(res.Best))
	}
	return best
}

// scoSampleWithE draws samples until the bad event holds (P(E) ≈ 0.63 for N = 2^n − 1).
func scoSampleWithE(rng *rand.Rand, n, N int) [][]int8 {
	for {
		S := generators.SCODrawSample(rng, n, N)
		if len(generators.SCOBadCoordinates(S)) > 0 {
			return S
		}
	}
}

// scoFmt prints a float exactly (shortest round trip).
func scoFmt(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
