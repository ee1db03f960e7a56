package algorithms

import (
	"github.com/implicitreg/verify/internal/numeric"

	"fmt"
	"math"
)

// gibbsCheckInputs panics on inputs for which no Gibbs posterior exists: prior and losses of
// different or zero length, a prior entry negative, NaN or infinite, an all-zero prior, or a
// loss that is not finite. It returns min_h L̂(h).
func gibbsCheckInputs(name string, prior, losses []float64) float64 {
	if len(prior) != len(losses) || len(prior) == 0 {
		panic(fmt.Sprintf("algorithms: %s: len(prior) = %d, len(losses) = %d", name, len(prior), len(losses)))
	}
	var mass float64
	minL := math.Inf(1)
	for h, p := range prior {
		if !(p >= 0) || math.IsInf(p, 1) {
			panic(fmt.Sprintf("algorithms: %s: prior[%d] = %g, want finite and ≥ 0", name, h, p))
		}
		l := losses[h]
		if math.IsNaN(l) || math.IsInf(l, 0) {
			panic(fmt.Sprintf("algorithms: %s: losses[%d] = %g, want finite", name, h, l))
		}
		mass += p
		minL = math.Min(minL, l)
	}
	if mass == 0 {
		panic(fmt.Sprintf("algorithms: %s: prior is all zero", name))
	}
	return minL
}

// GibbsPosterior returns the Gibbs posterior q ∝ q_0 e^{−τ L̂} over a finite hypothesis set,
// with its logarithms (logq_h = −Inf exactly where the prior is 0). The prior need only be
// non-negative with a positive sum; it is normalised. τ ≥ 0 is the inverse temperature (the
// accumulated step size of EG on distributions).
//
// Everything happens in the log domain: logq_h = log q_0(h) − τ(L̂(h) − min L̂), then a
// log-sum-exp normalisation. Shifting the losses by their minimum changes nothing
// mathematically, but keeps the best hypotheses' log-weights near 0, so τL̂ of 1e6 neither
// overflows nor wipes out the precision of the normalising constant; hypotheses far behind
// get q_h = 0 exactly with a finite logq_h. It panics on invalid inputs (see
// gibbsCheckInputs) or τ negative, NaN or infinite.
func GibbsPosterior(prior, losses []float64, tau float64) (q, logq []float64) {
	minL := gibbsCheckInputs("GibbsPosterior", prior, losses)
	if !(tau >= 0) || math.IsInf(tau, 1) {
		panic(fmt.Sprintf("algorithms: GibbsPosterior: τ = %g, want finite and ≥ 0", tau))
	}
	q = make([]float64, len(prior))
	logq = make([]float64, len(prior))
	for h, p := range prior {
		logq[h] = numeric.Log(p) - tau*(losses[h]-minL)
	}
	NormaliseLogWeights(logq, q)
	return q, logq
}

// EGDistributions runs exponentiated gradient on the linear risk F(q) = Σ_h q_h L̂(h) over
// distributions on a finite hypothesis set, from the prior, one multiplicative update per
// step in the log domain: logq_h −= η_t (L̂(h) − min L̂), then renormalise. ∇F = L̂ does not
// depend on q, so after any steps with Σ η_t = τ the result is the Gibbs posterior
// GibbsPosterior(prior, losses, τ) (up to rounding that grows like T·ε·τ·(max L̂ − min L̂)).
// F is linear, so its smoothness relative to the entropy is 0 and no step is too large.
// Steps must be finite and ≥ 0; it panics otherwise, or on invalid inputs as GibbsPosterior.
func EGDistributions(prior, losses []float64, steps []float64) (q, logq []float64) {
	minL := gibbsCheckInputs("EGDistributions", prior, losses)
	for t, eta := range steps {
		if !(eta >= 0) || math.IsInf(eta, 1) {
			panic(fmt.Sprintf("algorithms: EGDistributions: steps[%d] = %g, want finite and ≥ 0", t, eta))
		}
	}
	q = make([]float64, len(prior))
	logq = make([]float64, len(prior))
	for h, p := range prior {
		logq[h] = numeric.Log(p)
	}
	NormaliseLogWeights(logq, q)
	for _, eta := range steps {
		for h, l := range losses {
			if !math.IsInf(logq[h], -1) {
				logq[h] -= eta * (l - minL)
			}
		}
		NormaliseLogWeights(logq, q)
	}
	return q, logq
}
