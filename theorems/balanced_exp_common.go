package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/stats"
)

// Shared machinery of the empirical balancedness theorems (THEOREMS.md §2: sam-promotes,
// data-responsive, bar). They are seeded experiments on the paper's toy problems (App. A.4):
//
//	start  x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, so 2|B_0| = |‖x_0‖² − ‖y_0‖²| = 1.12
//	OP     f = E(xᵀy − (0.5 + α·n))²,               n ~ N(0, 1),           ρ = 0.2
//	NOP    f = E‖xyᵀ − (diag(0.5, 0, 0) + α·N)‖_F²,  N = diag(1, 0.8, 0.5)·U, U_ij ~ N(0, 1), ρ = 0.1
//
// one fresh draw per step (minibatch {t} of a K = T sum), constant step η, T steps. The paper
// runs η = 1e-4 and T = 1e5; the shorter profiles keep the accumulated step size ηT = 10 (the
// flow time every balancing rate in Thm 2, Thm 3 is a rate in) and scale η up.
//
// Every claim is an inequality over a one-sided confidence bound at level bxLevel across
// seeds: MeanInterval with the Student-t quantile of n − 1 degrees of freedom as its
// multiplier (the exact interval for normal samples; with 8 to 10 seeds the normal quantile
// would be too narrow), Wilson for rates.

// BARInnerMethod is the signature of one BAR step (nBAR or oBAR on SGD) on an OP problem,
// α = alpha: algorithms.NBARInnerStep and algorithms.OBARInnerStep are ours.
type BARInnerMethod func(f algorithms.ScalarLoss, x, y []float64, eta, alpha float64, batch []int, w *algorithms.InnerWork)

// BARFactorMethod is the signature of one BAR step on a NOP problem (algorithms.NBARFactorStep,
// algorithms.OBARFactorStep).
type BARFactorMethod func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta, alpha float64, batch []int, w *algorithms.FactorWork)

// BalancedExpMethods are the optimiser steps the empirical balancedness theorems run. Any of
// them may be a user's own implementation; DefaultBalancedExpMethods returns ours.
type BalancedExpMethods struct {
	SGDInner   algorithms.InnerSGDMethod
	SAMInner   algorithms.InnerSAMMethod
	SGDFactor  algorithms.FactorSGDMethod
	SAMFactor  algorithms.FactorSAMMethod
	NBARInner  BARInnerMethod
	OBARInner  BARInnerMethod
	NBARFactor BARFactorMethod
	OBARFactor BARFactorMethod
}

// DefaultBalancedExpMethods returns the package algorithms' SGD, SAM, nBAR and oBAR steps.
func DefaultBalancedExpMethods() BalancedExpMethods {
	return BalancedExpMethods{
		SGDInner: algorithms.SGDInnerStep, SAMInner: algorithms.SAMInnerStep,
		SGDFactor: algorithms.SGDFactorStep, SAMFactor: algorithms.SAMFactorStep,
		NBARInner: algorithms.NBARInnerStep, OBARInner: algorithms.OBARInnerStep,
		NBARFactor: algorithms.NBARFactorStep, OBARFactor: algorithms.OBARFactorStep,
	}
}

// The paper's toy constants (App. A.4).
const (
	bxPaperT   = 100000
	bxPaperEta = 1e-4
	bxRhoOP    = 0.2
	bxRhoNOP   = 0.1
	// bxLevel is the one-sided error level of every confidence bound (99.9%).
	bxLevel = 1e-3
)

// bxProfile is an experiment's size under a profile.
type bxProfile struct {
	name  string
	T     int
	eta   float64
	seeds int
	// quadK is the number of noise draws per seed the data-responsive α² check uses.
	quadK int
}

// bxProfileOf maps cfg.Profile to sizes. Every profile keeps ηT = 10, the paper's flow time.
// The empty profile is what checks.ControlTest passes under go test: it runs as ci.
func bxProfileOf(p string) bxProfile {
	switch p {
	case "paper":
		return bxProfile{name: "paper", T: bxPaperT, eta: bxPaperEta, seeds: 10, quadK: 5000}
	case "quick":
		return bxProfile{name: "quick", T: 20000, eta: 5e-4, seeds: 10, quadK: 2000}
	}
	return bxProfile{name: "ci", T: 10000, eta: 1e-3, seeds: 8, quadK: 1000}
}

func (p bxProfile) String() string {
	s := fmt.Sprintf("profile %s: T = %d, η = %g (ηT = %g), %d seeds, one fresh noise draw per step", p.name, p.T, p.eta, p.eta*float64(p.T), p.seeds)
	if p.name != "paper" {
		s += fmt.Sprintf(" (the paper: T = %d, η = %g; ηT kept, η scaled, fewer steps)", bxPaperT, bxPaperEta)
	}
	return s
}

// metrics common to every experiment: the sizes actually run beside the paper's.
func (p bxProfile) metrics(m map[string]float64) {
	m["T"] = float64(p.T)
	m["eta"] = p.eta
	m["eta_T"] = p.eta * float64(p.T)
	m["seeds"] = float64(p.seeds)
	m["paper_T"] = bxPaperT
	m["paper_eta"] = bxPaperEta
	m["paper_eta_T"] = bxPaperEta * bxPaperT
	m["confidence_one_sided"] = 1 - bxLevel
	m["profile_is_paper"] = bxBool(p.name == "paper")
}

func bxBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// bxData is one seed's noise: n_t for OP and U_t (3×3, row-major) for NOP, t < T.
type bxData struct {
	n []float64
	U [][]float64
}

// bxDraw draws seed s of an experiment run with cfg.Seed: independent PCG streams per seed.
func bxDraw(seed uint64, s, T int) bxData {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15^uint64(s+1)))
	d := bxData{n: make([]float64, T), U: make([][]float64, T)}
	for t := range d.n {
		d.n[t] = rng.NormFloat64()
	}
	flat := make([]float64, 9*T)
	for i := range flat {
		flat[i] = rng.NormFloat64()
	}
	for t := range d.U {
		d.U[t] = flat[9*t : 9*t+9 : 9*t+9]
	}
	return d
}

// bxOP and bxNOP build the toy losses at noise level alpha from a seed's data.
func bxOP(alpha float64, d bxData) *generators.ScalarTarget {
	f, err := generators.PaperOP(alpha, d.n)
	if err != nil {
		panic(err)
	}
	return f
}

func bxNOP(alpha float64, d bxData) *generators.FactorSquared {
	f, err := generators.PaperNOP(alpha, d.U)
	if err != nil {
		panic(err)
	}
	return f
}

// bxBatches returns batches[t] = {t}, sharing one backing array.
func bxBatches(T int) [][]int {
	idx := make([]int, T)
	b := make([][]int, T)
	for t := range idx {
		idx[t] = t
		b[t] = idx[t : t+1 : t+1]
	}
	return b
}

// bxStart returns the paper's start as vectors and as 3×1 factors.
func bxStart() (x0, y0 []float64, X0, Y0 *mat.Dense) {
	x0, y0 = generators.PaperStart()
	return x0, y0, mat.NewDense(3, 1, append([]float64(nil), x0...)), mat.NewDense(3, 1, append([]float64(nil), y0...))
}

// bxRun is the result of one run: 2|B_T| and the gradient counts.
type bxRun struct {
	absB2          float64 // 2|B_T| = |‖x_T‖² − ‖y_T‖²|
	gradEvals      int
	componentGrads int
}

func bxFromInner(tr *algorithms.InnerTrajectory) bxRun {
	return bxRun{absB2: 2 * math.Abs(tr.B[len(tr.B)-1]), gradEvals: tr.GradEvals, componentGrads: tr.ComponentGrads}
}

func bxFromFactor(tr *algorithms.FactorTrajectory) bxRun {
	return bxRun{absB2: 2 * math.Abs(tr.B[len(tr.B)-1]), gradEvals: tr.GradEvals, componentGrads: tr.ComponentGrads}
}

// The runs, one fresh draw per step, constant η.
func bxSGDInner(step algorithms.InnerSGDMethod, f algorithms.ScalarLoss, p bxProfile, batches [][]int) bxRun {
	x0, y0, _, _ := bxStart()
	return bxFromInner(algorithms.RunInner(x0, y0, p.T, false, func(t int, x, y []float64, w *algorithms.InnerWork) {
		step(f, x, y, p.eta, batches[t], w)
	}))
}

func bxSAMInner(step algorithms.InnerSAMMethod, f algorithms.ScalarLoss, rho float64, p bxProfile, batches [][]int) bxRun {
	x0, y0, _, _ := bxStart()
	return bxFromInner(algorithms.RunInner(x0, y0, p.T, false, func(t int, x, y []float64, w *algorithms.InnerWork) {
		step(f, x, y, p.eta, rho, batches[t], w)
	}))
}

func bxBARInner(step BARInnerMethod, f algorithms.ScalarLoss, a algorithms.AlphaSchedule, p bxProfile, batches [][]int) bxRun {
	x0, y0, _, _ := bxStart()
	return bxFromInner(algorithms.RunInner(x0, y0, p.T, false, func(t int, x, y []float64, w *algorithms.InnerWork) {
		step(f, x, y, p.eta, a.At(t), batches[t], w)
	}))
}

func bxSGDFactor(step algorithms.FactorSGDMethod, f algorithms.MatrixLoss, p bxProfile, batches [][]int) bxRun {
	_, _, X0, Y0 := bxStart()
	return bxFromFactor(algorithms.RunFactor(X0, Y0, p.T, false, func(t int, X, Y *mat.Dense, w *algorithms.FactorWork) {
		step(f, X, Y, p.eta, batches[t], w)
	}))
}

func bxSAMFactor(step algorithms.FactorSAMMethod, f algorithms.MatrixLoss, rho float64, p bxProfile, batches [][]int) bxRun {
	_, _, X0, Y0 := bxStart()
	return bxFromFactor(algorithms.RunFactor(X0, Y0, p.T, false, func(t int, X, Y *mat.Dense, w *algorithms.FactorWork) {
		step(f, X, Y, p.eta, rho, batches[t], w)
	}))
}

func bxBARFactor(step BARFactorMethod, f algorithms.MatrixLoss, a algorithms.AlphaSchedule, p bxProfile, batches [][]int) bxRun {
	_, _, X0, Y0 := bxStart()
	return bxFromFactor(algorithms.RunFactor(X0, Y0, p.T, false, func(t int, X, Y *mat.Dense, w *algorithms.FactorWork) {
		step(f, X, Y, p.eta, a.At(t), batches[t], w)
	}))
}

// bxTQuantile is the one-sided Student-t quantile at level bxLevel with n − 1 degrees of
// freedom: the multiplier of every mean's confidence bound.
func bxTQuantile(n int) float64 {
	if n < 2 {
		return math.Inf(1)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(1 - bxLevel)
}

// bxMean is a sample mean with its one-sided confidence bounds (each at level bxLevel).
type bxMean struct{ mean, lo, hi float64 }

func bxInterval(xs []float64) bxMean {
	m, lo, hi := stats.MeanInterval(xs, bxTQuantile(len(xs)))
	return bxMean{m, lo, hi}
}

// put records the mean and both bounds under name, name_ci_lo, name_ci_hi.
func (b bxMean) put(m map[string]float64, name string) {
	m[name] = b.mean
	m[name+"_ci_lo"] = b.lo
	m[name+"_ci_hi"] = b.hi
}

// bxAlphaName formats a noise level for metric names: 0, 0.25, 0.5, 1.
func bxAlphaName(a float64) string { return "alpha" + strconv.FormatFloat(a, 'g', -1, 64) }

// bxRatios returns num[s]/den[s].
func bxRatios(num, den []float64) []float64 {
	out := make([]float64, len(num))
	for i := range num {
		out[i] = num[i] / den[i]
	}
	return out
}

// bxAbsB2 extracts 2|B_T| per seed.
func bxAbsB2(runs []bxRun) []float64 {
	out := make([]float64, len(runs))
	for i, r := range runs {
		out[i] = r.absB2
	}
	return out
}
