package checks

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"

	"github.com/implicitreg/verify/internal/pep"
	"github.com/implicitreg/verify/theorems"
)

// ProveOptions configure Prove.
type ProveOptions struct {
	// Search sizes the numerical searches (counterexample and tightness), per family.
	Search TargetOptions
	// Auto also searches for a certificate automatically (SDP over the interpolation
	// inequalities, rounded and verified exactly) when no encoded certificate checks.
	Auto bool
}

// ProveResult is the outcome of Prove.
type ProveResult struct {
	Case *theorems.ProveCase
	// Proof is the checked certificate when the claim is proved; ProofBy says how it was
	// obtained. CheckTime is the time the exact check of that certificate took.
	Proof     *pep.Proof
	ProofBy   string
	CheckTime time.Duration
	// Attempts lists the certificates that failed, each with the part that broke.
	Attempts []ProveAttempt
	// Auto lists the runs of the automatic search; MarginProof is a checked certificate of
	// the weakened claim (theorems.ProveCase.Weakened) when only that one was found, and
	// NoCertificate the solver's verdict when even the complete candidate set has none.
	Auto          []ProveAuto
	MarginProof   *pep.Proof
	NoCertificate string
	// Counterexample is set when the claim is not proved and the search found an instance
	// that violates it, confirmed by an exact rational replay.
	Counterexample *ProveCounterexample
	// RoundingOnly counts searched instances that violated the claim in floating point but
	// not in the exact replay (rounding artefacts, never reported as counterexamples).
	RoundingOnly int
	// Extremal is the known extremal instance evaluated (nil when none is known), with its
	// exact replay.
	Extremal      *theorems.ProveEval
	ExtremalExact *theorems.ProveExact
	// Tightness is the best ratio LHS/RHS the targeted search reached, per family.
	Tightness []ProveSearch
	// Inconsistent is set when a proved claim is violated beyond tolerance on some searched
	// instance (which would mean a bug in the checker, the claim's formula or the algorithm).
	Inconsistent string
}

// ProveAttempt is a certificate that did not check.
type ProveAttempt struct {
	By  string
	Err error
}

// ProveCounterexample is an instance on which the claim fails.
type ProveCounterexample struct {
	Family string
	Eval   theorems.ProveEval
	// Exact is the exact rational replay of the instance (or of a rounding of it to simple
	// fractions) on which LHS − RHS > 0.
	Exact *theorems.ProveExact
}

// ProveSearch is the best point the targeted search reached in one family.
type ProveSearch struct {
	Family string
	Best   theorems.ProveEval
	Evals  int
	Found  bool
	// ExactGap is LHS − RHS replayed exactly on the binary values of the best instance, and
	// ExactRatio = 1 + ExactGap/RHS the ratio it implies (free of the cancellation that can
	// push the floating-point ratio of a near-degenerate instance above 1); NaN when unknown.
	ExactGap   *big.Rat
	ExactRatio float64
}

// Proved reports whether the claim was proved.
func (r *ProveResult) Proved() bool { return r.Proof != nil }

// Prove tries to certify the case: the encoded certificate first, then (with Auto) the
// automatic search; then it runs the targeted search over each instance family, which gives
// a counterexample when the claim is not proved and the tightness from below when it is.
func Prove(c *theorems.ProveCase, opt ProveOptions) *ProveResult {
	res := &ProveResult{Case: c}
	if c.Cert != nil {
		start := time.Now()
		pr, err := pep.Check(c.Claim, *c.Cert)
		res.CheckTime = time.Since(start)
		if err == nil {
			res.Proof, res.ProofBy = pr, "encoded certificate ("+c.CertFrom+")"
		} else {
			res.Attempts = append(res.Attempts, ProveAttempt{By: "encoded certificate (" + c.CertFrom + ")", Err: err})
		}
	}
	if res.Proof == nil && opt.Auto {
		proveAuto(c, res)
	}
	if c.Extremal != nil {
		ev := c.Evaluate(*c.Extremal)
		res.Extremal = &ev
		res.ExtremalExact = c.Confirm(*c.Extremal, 0)
	}
	var violated []ProveSearch
	for i, fam := range c.Families() {
		so := opt.Search
		so.Seed = opt.Search.withDefaults().Seed + uint64(i)*0x9e3779b97f4a7c15
		tr := Target(fam.Draw, func(u []float64) (float64, bool) {
			ev := c.Evaluate(fam.Instance(u))
			if math.IsNaN(ev.Ratio) || math.IsInf(ev.Ratio, 0) {
				return 0, false
			}
			return ev.Ratio, true
		}, so)
		ps := ProveSearch{Family: fam.Name, Best: theorems.ProveEval{Ratio: math.NaN()}, Evals: tr.Evals, Found: tr.Found, ExactRatio: math.NaN()}
		if tr.Found {
			ps.Best = c.Evaluate(fam.Instance(tr.Best))
			if ex, err := c.ExactGap(ps.Best.Instance); err == nil {
				ps.ExactGap = ex.Gap
				if g, _ := ex.Gap.Float64(); ps.Best.RHS > 0 {
					ps.ExactRatio = 1 + g/ps.Best.RHS
				}
			}
			if ps.Best.Outcome == theorems.Violated {
				violated = append(violated, ps)
			}
		}
		res.Tightness = append(res.Tightness, ps)
	}
	// A floating-point violation counts only once an exact replay of (a rounding of) the
	// instance confirms it: near-degenerate instances (tiny curvature, z ≈ θ_0) can push a
	// computed ratio above 1 by rounding alone. Simplest family first (a quadratic is the
	// most readable counterexample).
	rank := map[string]int{"quadratic": 0, "huber": 1}
	simplicity := func(f string) int {
		if r, ok := rank[f]; ok {
			return r
		}
		return 2
	}
	sort.SliceStable(violated, func(i, j int) bool { return simplicity(violated[i].Family) < simplicity(violated[j].Family) })
	for _, v := range violated {
		ex := c.Confirm(v.Best.Instance, 1)
		if ex == nil || ex.Gap.Sign() <= 0 {
			res.RoundingOnly++
			continue
		}
		if res.Proved() {
			res.Inconsistent = fmt.Sprintf("the claim is proved, yet the exact replay of %s violates it (LHS − RHS = %s)",
				ex.Instance, pep.FormatRat(ex.Gap))
			break
		}
		res.Counterexample = &ProveCounterexample{Family: v.Family, Eval: v.Best, Exact: ex}
		break
	}
	return res
}
