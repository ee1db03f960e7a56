package checks

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/implicitreg/verify/internal/pep"
	"github.com/implicitreg/verify/theorems"
)

// proveMarginEps is the relative margin of the weakened claim tried when no exact
// certificate is found: the ‖θ_0 − ref‖² coefficient raised by one part in a million.
var proveMarginEps = big.NewRat(1, 1000000)

// ProveAuto is one run of the automatic certificate search over a candidate set.
type ProveAuto struct {
	Set     string
	Size    int           // number of candidate inequalities
	Skipped bool          // too large for the solver (see proveSDPBudget)
	Margin  bool          // the weakened claim was searched
	T       float64       // the SDP's best residual bound t (R ⪯ −t·I); ≥ 0 up to accuracy: a certificate exists
	Newton  int           // Newton steps of the solver
	Den     int64         // denominator the multipliers were rounded to (0: binary values)
	Elapsed time.Duration // solver and exact checks
	Err     error         // nil when a certificate was found and checked
}

// proveAuto runs the automatic search (internal/pep's SDP solver, rounding and exact check)
// over the case's candidate sets, smallest first, and records the first certificate that
// checks. Failing that, it searches the weakened claim (margin proveMarginEps), whose proof
// is reported separately: it does not prove the claim as stated.
func proveAuto(c *theorems.ProveCase, res *ProveResult) {
	var sets []theorems.ProveCandidates
	for _, set := range c.CandidateSets() {
		if proveSDPCost(set, c) > proveSDPBudget {
			res.Auto = append(res.Auto, ProveAuto{Set: set.Name, Skipped: true, Size: len(set.Ineqs)})
			continue
		}
		sets = append(sets, set)
	}
	for _, set := range sets {
		start := time.Now()
		pr, ar, err := pep.AutoCertificate(c.Claim, set.Ineqs)
		a := ProveAuto{Set: set.Name, Size: len(set.Ineqs), T: ar.SDP.T, Newton: ar.SDP.Newton, Den: ar.Den, Elapsed: time.Since(start), Err: err}
		res.Auto = append(res.Auto, a)
		if err == nil {
			res.Proof = pr
			res.ProofBy = fmt.Sprintf("automatic search (SDP over %d candidates: %s; multipliers rounded to denominators ≤ %s, value equations repaired exactly, checked exactly)",
				len(set.Ineqs), set.Name, proveDen(ar.Den))
			res.CheckTime = a.Elapsed
			return
		}
		var nc *pep.NoCertificateError
		if set.Complete && (errors.As(err, &nc) || errors.Is(err, pep.ErrNoFeasibleMultipliers) || errors.Is(err, pep.ErrValuesCannotCancel)) {
			res.NoCertificate = fmt.Sprintf("the SDP over every interpolation inequality between the %d points finds no certificate (%v); "+
				"by the interpolation theorem (Taylor, Hendrickx, Glineur 2017) the claim then fails for some convex L-smooth function, "+
				"in dimension at most %d — a numerical verdict, not an exact one", c.T()+2, err, c.GD.Space.NumVectors())
			return
		}
	}
	weak, ok := c.Weakened(proveMarginEps)
	if !ok {
		return
	}
	for _, set := range sets {
		start := time.Now()
		pr, ar, err := pep.AutoCertificate(weak, set.Ineqs)
		res.Auto = append(res.Auto, ProveAuto{Set: set.Name, Size: len(set.Ineqs), Margin: true, T: ar.SDP.T, Newton: ar.SDP.Newton, Den: ar.Den, Elapsed: time.Since(start), Err: err})
		if err == nil {
			res.MarginProof = pr
			return
		}
	}
}

func proveDen(d int64) string {
	if d == 0 {
		return "2^1074 (the solver's binary values)"
	}
	return fmt.Sprint(d)
}

// proveSDPBudget bounds the work of one Newton step of the solver (K² n² for K candidates
// and n basis vectors, the Hessian): about 0.1 s per step at the bound, and a search takes
// about 80 steps.
const proveSDPBudget = 2e7

func proveSDPCost(set theorems.ProveCandidates, c *theorems.ProveCase) float64 {
	k, n := float64(len(set.Ineqs)), float64(c.GD.Space.NumVectors())
	return k * k * n * n
}
