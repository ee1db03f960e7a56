package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
	"github.com/implicitreg/verify/internal/stats"
)

// Shared machinery of the connectivity experiments (THEOREMS.md §5, Bai, Zhao, Zhang 2024):
// two-layer factorisations W = W_2·W_1 = A·Bᵀ (A = W_2 is m×h, Bᵀ = W_1 is h×n) trained by
// plain gradient descent on the completion loss ℓ = ½·Σ_Ω (W_ij − M_ij)² from a per-entry
// Gaussian init, and the singular-value measurements taken on the result.

// cnRankTol is the relative threshold of every numerical rank in this family: rank(W) counts
// the σ_i > cnRankTol·σ_1. Why 1e-3: the hidden directions GD never grows leave W's extra
// singular values near h·std² (measured ≤ 5e-6·σ_1 at std 1e-3, the largest init either claim
// is made at), and the stop levels leave residual entries ≤ √(2ℓ) ≤ 1.5e-5 with σ_1 ≥ 2, so the
// threshold is 100× above both; the singular values the claims count as learned are above
// 8e-3·σ_1 (disconnected-nuclear, under its hypotheses) or judged through the distance to X*
// (connected-low-rank), where a failed run has σ_{r+1} ≈ 1e-3–1e-1·σ_1.
const cnRankTol = 1e-3

// cnSVDValueErr is the certified error of one computed singular value of an r×c matrix whose
// largest computed singular value is s1: a backward-stable SVD returns the exact singular
// values of X + E with ‖E‖₂ ≤ p·Eps·‖X‖₂, and by Weyl |σ̂_i − σ_i| ≤ ‖E‖₂. We take
// p = 8·max(r, c) + 4, the model internal/numeric certifies eigenvalues with (LAPACK calls p
// "a modestly growing function"; observed errors are far smaller), and ‖X‖₂ ≤ s1·(1 + p·Eps).
func cnSVDValueErr(r, c int, s1 float64) float64 {
	p := float64(8*max(r, c) + 4)
	return p * numeric.Eps * s1 * (1 + p*numeric.Eps)
}

// cnSpectrum is a matrix's computed singular values with the certified error of its nuclear
// norm (min(r, c) values, each within cnSVDValueErr).
type cnSpectrum struct {
	s      []float64
	nuc    float64
	nucErr float64
}

// cnSpectrumOf computes the singular values of X; ok is false when the SVD fails (never for
// the finite matrices of this family; callers discard).
func cnSpectrumOf(X mat.Matrix) (cnSpectrum, bool) {
	s, ok := numeric.SingularValues(X)
	if !ok {
		return cnSpectrum{}, false
	}
	r, c := X.Dims()
	nuc := numeric.NuclearNorm(s)
	// The sum of k ≤ 9 non-negative values adds at most k·Eps relative.
	err := float64(len(s))*cnSVDValueErr(r, c, s[0]) + float64(len(s))*numeric.Eps*nuc
	return cnSpectrum{s: s, nuc: nuc, nucErr: err}, true
}

// sigma returns σ_i (1-based), 0 beyond the last.
func (sp cnSpectrum) sigma(i int) float64 {
	if i < 1 || i > len(sp.s) {
		return 0
	}
	return sp.s[i-1]
}

// rank is the numerical rank at cnRankTol.
func (sp cnSpectrum) rank() int { return numeric.NumericalRank(sp.s, cnRankTol) }

// cnRNG returns the PCG stream of run `stream` of an experiment with seed `seed` and
// `salt` (one salt per theorem, so the two theorems never share draws).
func cnRNG(seed, salt uint64, stream int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^salt, 0x2545f4914f6cdd1d*uint64(stream+1)))
}

// cnTrainSpec is one gradient-descent run of a two-layer factorisation.
type cnTrainSpec struct {
	loss    algorithms.EndToEndLoss
	width   int
	std     float64 // per-entry Gaussian standard deviation of both factors
	lr      float64
	stop    float64
	maxIter int
	grad    algorithms.DeepMFGradient
}

// cnRun is what a run leaves: the product, its spectrum and how it stopped (the factors are
// the model trained in place).
type cnRun struct {
	W    *mat.Dense
	spec cnSpectrum
	run  algorithms.DeepMFRun
	ok   bool // false: diverged or the SVD failed
}

// cnTrain initialises W_2 (A) and W_1 (Bᵀ) with the given std from rng — or uses init when
// non-nil — and runs plain GD.
func cnTrain(sp cnTrainSpec, rng *rand.Rand, init *algorithms.DeepMF) cnRun {
	rows, cols := sp.loss.Dims()
	m := init
	if m == nil {
		m = algorithms.NewDeepMF(rows, cols, sp.width)
		m.GaussianInit(sp.std, rng)
	}
	run := algorithms.TrainDeepMF(m, sp.loss, algorithms.DeepMFOptions{
		LR: sp.lr, MaxIter: sp.maxIter, StopLoss: sp.stop, Gradient: sp.grad,
	})
	out := cnRun{run: run}
	if run.Reason == algorithms.StopDiverged {
		return out
	}
	out.W = m.Product()
	out.spec, out.ok = cnSpectrumOf(out.W)
	return out
}

func (r cnRun) converged() bool { return r.run.Reason == algorithms.StopConverged }

// cnRelDist is ‖W − X‖_F/‖X‖_F.
func cnRelDist(W, X *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(W, X)
	return numeric.FrobNorm(&d) / numeric.FrobNorm(X)
}

// cnWilson returns the Wilson interval of k successes in n at the suite's 99.9% one-sided
// level (stats.Z999).
func cnWilson(k, n int) (lo, hi float64) { return stats.Wilson(k, n, stats.Z999) }

// cnBool is 1 for true, 0 for false (metrics).
func cnBool(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// cnStats accumulates min, max and mean of a metric.
type cnStats struct {
	n             int
	sum, min, max float64
}

func (s *cnStats) add(x float64) {
	if s.n == 0 || x < s.min || math.IsNaN(x) {
		s.min = x
	}
	if s.n == 0 || x > s.max || math.IsNaN(x) {
		s.max = x
	}
	s.sum += x
	s.n++
}

// put records name_min, name_max and name_mean (nothing when empty).
func (s *cnStats) put(m map[string]float64, name string) {
	if s.n == 0 {
		return
	}
	m[name+"_min"], m[name+"_max"], m[name+"_mean"] = s.min, s.max, s.sum/float64(s.n)
}

// cnVarName formats an init variance for metric names: 1, 1e-02, …, 1e-16.
func cnVarName(v float64) string {
	if v == 1 {
		return "var1"
	}
	return fmt.Sprintf("var%.0e", v)
}

// cnEntriesString renders observed entries as "00-01-12" (row and column digits).
func cnEntriesString(I, J []int) string {
	parts := make([]string, len(I))
	for k := range I {
		parts[k] = fmt.Sprintf("%d%d", I[k], J[k])
	}
	return strings.Join(parts, "-")
}
