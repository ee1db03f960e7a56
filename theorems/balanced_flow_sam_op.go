package theorems

import (
	"fmt"
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

const fsamoStatement = `Thm 3 / Lemma 2 (quoted): for an OP problem min f(xᵀy) under the SAM flow (η → 0, ρ > 0 fixed
and small; perturbation normalised jointly over (x, y), one minibatch for both derivatives), with
f′ = f_B′(xᵀy), u = sgn(f′)/√(‖x‖² + ‖y‖²), x̃ = x + ρu·y, ỹ = y + ρu·x, f̃′ = f_B′(x̃ᵀỹ):

    dB/dt = −2ρ|f′|·B/√(‖x‖² + ‖y‖²) + A_t,   A_t = 2ρu(f′ − f̃′)B,   |A_t| = O(ρ²L|B|),

so |B_t| decreases wherever the first term dominates the remainder: on OP, SAM drives B toward 0.

Explicit forms derived here:
  – |A_t| = 2ρ|u|·|f′ − f̃′|·|B| ≤ Ā_t := 2ρ²L|B|(1 + ρ/(2‖(x, y)‖)), with L the certified
    smoothness of the outer loss (every minibatch average), via |f′ − f̃′| ≤ L|x̃ᵀỹ − xᵀy|,
    x̃ᵀỹ − xᵀy = ρu(‖x‖² + ‖y‖²) + ρ²u²·xᵀy and |x̃ᵀỹ − xᵀy| ≤ ρ‖(x, y)‖ + ρ²/2;
  – one SAM step: (B⁺ − B)/η = dB/dt + (η/2)f̃′²(‖ỹ‖² − ‖x̃‖²) exactly, so the claim
        |(B⁺ − B)/η + 2ρ|f′|B/‖(x, y)‖| ≤ Ā_t + (η/2)f̃′²|‖ỹ‖² − ‖x̃‖²| + r_t
    (r_t ≤ 2⁻⁴⁶·scale/η the rounding of the computed iterate, derived in the code);
  – where 2ρ|f′||B|/‖(x, y)‖ exceeds Ā_t + (η/2)f̃′²|‖ỹ‖² − ‖x̃‖²| (and rounding), B⁺ − B has the
    sign of −B: B moves toward 0;
  – convergence order at a fixed horizon as in balancedness/flow-conserved, with
    E = B_T − B_0 − η·Σ_t dB/dt(z_t): |E(η) − 2E(η/2)| ≤ b (explicit), and E(η)/E(η/2) ∈ [1.6, 2.4]
    where b plus rounding is at most 0.2·|2E(η/2)| (counted otherwise).`

var fsamoSteps = []string{
	"step 1 update: z_{t+1} = z_t − η·D(z_t), D = f̃′·(ỹ, x̃) at the paper's x̃ = x + ρu·y, ỹ = y + ρu·x, same minibatch",
	"step 2 flow rate (Thm 3 / Lemma 2): dB/dt = −⟨x, f̃′ỹ⟩ + ⟨y, f̃′x̃⟩ = −2ρ|f′|B/‖(x, y)‖ + A_t, A_t = 2ρu(f′ − f̃′)B",
	"step 3 discretisation: (B_{t+1} − B_t)/η = dB/dt + (η/2)f̃′²(‖ỹ‖² − ‖x̃‖²)",
	"step 4 smoothness of f_B (L certified): |f′ − f̃′| ≤ L|x̃ᵀỹ − xᵀy| (an equality for squared losses: checked as one)",
	"step 5 perturbation of the product: x̃ᵀỹ − xᵀy = ρu(‖x‖² + ‖y‖²) + ρ²u²·xᵀy",
	"step 6 normalisation: |x̃ᵀỹ − xᵀy| ≤ ρ‖(x, y)‖ + ρ²/2 (ρ|u|‖(x, y)‖² = ρ‖(x, y)‖, u²|xᵀy| ≤ ½)",
	"step 7 explicit O(ρ²L|B|): |A_t| = 2ρ|u||f′ − f̃′||B| ≤ Ā_t = 2ρ²L|B|(1 + ρ/(2‖(x, y)‖))",
	"step 8 contraction: where 2ρ|f′||B|/‖(x, y)‖ exceeds Ā_t + (η/2)f̃′²|‖ỹ‖² − ‖x̃‖²| and the bands of steps 2, 3, 7, (B_{t+1} − B_t)·sgn(B_t) ≤ 0",
	"step 9 update of the η/2 run: z′_{k+1} = z′_k − (η/2)·D(z′_k) on step ⌊k/2⌋'s minibatch",
	"step 10 gap recursion: e_{t+1} ≤ (1 + ηΛ_t)e_t + (η/2)Λ′_t‖z′_{2t+1} − z′_{2t}‖ + rounding, Λ the explicit Lipschitz bounds of the SAM direction",
	"step 11 second-order remainder: |E(η) − 2E(η/2)| ≤ b + rounding, E = B_T − B_0 − η·Σ_t dB/dt(z_t)",
	"step 12 order ratio: E(η)/E(η/2) ∈ [1.6, 2.4], judged where b + rounding ≤ 0.2·|2E(η/2)|",
	"claim: |(B_{t+1} − B_t)/η + 2ρ|f′|B_t/‖(x, y)‖| ≤ Ā_t + (η/2)f̃′²|‖ỹ‖² − ‖x̃‖²| + r_t, r_t the rounding of the computed iterate (bflowRound)",
}

var fsamoOrderNames = [4]string{"step 9 update of the η/2 run", "step 10 gap recursion", "step 11 second-order remainder", "step 12 order ratio"}

// fsamoConfig is what controls change: the smoothness constant of the remainder bound and
// whether the claim keeps its η-term.
type fsamoConfig struct {
	lFactor float64
	dropEta bool
}

var fsamoTrue = fsamoConfig{lFactor: 1}

// BalancednessSAMFlowOP builds `balancedness/sam-flow-op` on the given SAM step
// (algorithms.SAMInnerStep is ours).
func BalancednessSAMFlowOP(step algorithms.InnerSAMMethod) *Theorem {
	th := &Theorem{
		ID:     "balancedness/sam-flow-op",
		Title:  "SAM flow balancedness dynamics, OP (Thm 3)",
		Kind:   Flow,
		Source: Quoted,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"Assumption 1: every f_B has an L-Lipschitz derivative (L certified: c, or c/4 for logistic) and f_B′(xᵀy) ≠ 0, (x, y) ≠ 0 at every iterate (u defined; draws where not are discarded)",
			"both derivatives of a step use the same minibatch; perturbation normalised jointly over (x, y)",
			"flow regime: η·Λ_0 ∈ [1e-6, 1e-3] (Λ_0 = L(‖x_0‖² + ‖y_0‖²) + |f′|), ρ/‖(x_0, y_0)‖ ∈ [1e-4, 1e-2]; the explicit bounds hold for every η and ρ",
			"any start (random, balanced, unbalanced, y = 0, y = −3x, the paper's x_0); losses squared, log-cosh and logistic",
		},
		Statement:  fsamoStatement,
		ProofSteps: fsamoSteps,
		Tolerance:  DefaultTolerance,
		Property:   fsamoProperty(step, fsamoTrue, bflowSAMMaxT, bflowFlowRegimes, false),
		Examples: []Example{{
			Name:        "paper-toy-op",
			Description: "the paper's toy OP without noise: f(w) = (w − 0.5)², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, ρ = 0.2, η = 1e-4, 20 steps",
			Run: func() Evidence {
				d := balPaperOP(20, 0.2)
				return fsamoEvidence(step, d, fsamoTrue)
			},
		}},
	}
	mutant := func(name, desc string, m algorithms.InnerSAMMethod) Control {
		return Control{Name: name, Breaks: BreaksAlgorithm, Description: desc,
			Property: fsamoProperty(m, fsamoTrue, bflowControlMaxT, bflowFlowRegimes, false)}
	}
	th.Controls = []Control{
		{
			Name:        "L/4-on-squared-loss",
			Breaks:      BreaksConstant,
			Description: "the remainder bound with L/4 in place of L, on squared losses (where |f′ − f̃′| = c|x̃ᵀỹ − xᵀy| exactly, c = L)",
			Property:    fsamoProperty(step, fsamoConfig{lFactor: 0.25}, bflowControlMaxT, bflowFlowRegimes, true),
		},
		{
			Name:        "claim-without-η-term",
			Breaks:      BreaksConstant,
			Description: "the claim with the discretisation term (η/2)f̃′²|‖ỹ‖² − ‖x̃‖²| dropped (Thm 3 read as exact for finite steps), η in the large regime ηΛ_0 ∈ [1, 10]",
			Property:    fsamoProperty(step, fsamoConfig{lFactor: 1, dropEta: true}, bflowControlMaxT, bflowRegimes{eta: generators.RegimeLarge, rho: generators.RegimeFlow}, false),
		},
		mutant("unnormalised", "SAM with the unnormalised perturbation x̃ = x + ρf′·y, ỹ = y + ρf′·x (a different flow: rate ∝ f′²)",
			samOPMutant(samMutantUnnormalised)),
		mutant("sign-flipped", "the perturbation taken downhill: the given step run with −ρ (the flow then grows |B|)",
			func(f algorithms.ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *algorithms.InnerWork) {
				step(f, x, y, eta, -rho, batch, w)
			}),
	}
	return th
}

func init() { Register(BalancednessSAMFlowOP(algorithms.SAMInnerStep)) }

// fsamoProperty draws an OP instance (T ≤ maxT, regimes reg; squared losses only when
// squaredOnly) and checks it.
func fsamoProperty(step algorithms.InnerSAMMethod, cfg fsamoConfig, maxT int, reg bflowRegimes, squaredOnly bool) Property {
	return func(t *rapid.T) Evidence {
		d, reason := bflowDrawInner(t, bflowMaxD, bflowMaxK, maxT, reg, bflowSAM)
		if d == nil {
			return Discarded(reason)
		}
		if squaredOnly && !d.f.Quadratic() {
			return Discarded("control restricted to squared losses")
		}
		return fsamoEvidence(step, d, cfg)
	}
}

// fsamoEvidence runs SAM with steps η and η/2 from d's start and checks every step.
func fsamoEvidence(step algorithms.InnerSAMMethod, d *balInnerDraw, cfg fsamoConfig) Evidence {
	f, eta, rho := d.f, d.eta, d.rho
	run := func(f algorithms.ScalarLoss, x, y []float64, h float64, batch []int, w *algorithms.InnerWork) {
		step(f, x, y, h, rho, batch, w)
	}
	qs, base, reason := bflowRunOP(run, f, bflowSAM, rho, d.x0, d.y0, eta, d.T, bflowBatchOf(d.batches))
	if base == nil {
		return Discarded(reason)
	}
	_, fine, reason := bflowRunOP(run, f, bflowSAM, rho, d.x0, d.y0, eta/2, 2*d.T, bflowFineOf(d.batches))
	if fine == nil {
		return Discarded(reason)
	}
	ev := Evidence{Horizon: d.T, Instance: fmt.Sprintf("SAM on OP %v", d), Metrics: map[string]float64{
		"non_quadratic": balNonQuadratic(f.Quadratic()), "d": float64(len(d.x0)), "T": float64(d.T),
	}}
	L := f.Smoothness() * cfg.lFactor
	ev.Metrics["claim_rounding_dominated"] = 0 // share of steps whose claim is below the iterate's rounding
	judged := 0
	for t := 0; t < d.T; t++ {
		if fsamoStep(&ev, f, qs[t], &base[t], &base[t+1], t, eta, rho, L, cfg) {
			judged++
		}
	}
	ev.Metrics["contraction_judged"] = float64(judged) / float64(d.T)
	bflowOrder(&ev, bflowSAM, f.Smoothness(), rho, base, fine, eta, bflowTrueOrder, fsamoOrderNames)
	return ev
}

// fsamoStep appends steps 1–8 and the claim for step t; it reports whether step 8 was judged.
func fsamoStep(ev *Evidence, f *generators.ScalarTarget, q *bflowOPq, a, n *bflowPoint, t int, eta, rho, L float64, cfg fsamoConfig) bool {
	ru := rho * q.u
	nz := q.nz
	ids := bflowIDScale(a, n, eta)
	uf := bflowUnderflow(eta, L) * (1 + math.Abs(ru)) // u = sgn(f′)/‖z‖ scales the inputs (x, y) themselves: no amplification
	dB := n.B - a.B
	absB := math.Abs(a.B)
	Abar := 2 * rho * rho * L * absB * (1 + rho/(2*nz))
	AbarMag := 2 * rho * rho * L * (q.nx2 + q.ny2) / 2 * (1 + rho/(2*nz)) // |B|'s rounding is relative to ‖z‖²
	s2 := Eq("step 2 flow rate", t, q.rate, q.lead+q.A, q.rateMag, q.leadMag, q.AMag).WithSlack(uf)
	s3 := Eq("step 3 discretisation", t, dB/eta, q.rate+eta/2*q.psi, ids/eta).WithSlack(uf / eta)
	s7 := Le("step 7 explicit O(ρ²L|B|)", t, math.Abs(q.A), Abar, q.AMag, AbarMag).WithSlack(uf)
	smooth := Le("step 4 smoothness", t, math.Abs(q.fp-q.fpt), L*math.Abs(q.dw), q.Fm, q.Fmt, L*q.dwMag).WithSlack(uf * (1 + L))
	if f.Kind() == generators.ScalarSquared && f.Smoothness() == L {
		smooth.Equality = true // f_B′ is affine with slope c = L: |f′ − f̃′| = c|x̃ᵀỹ − xᵀy| exactly
	}
	ev.Add(
		bflowUpdate("step 1 update", t, a, n, eta),
		s2, s3,
		smooth,
		Eq("step 5 perturbation of the product", t, q.dw, ru*(q.nx2+q.ny2)+ru*ru*q.w, q.dwMag, math.Abs(ru)*(q.nx2+q.ny2), ru*ru*math.Abs(q.w)).WithSlack(uf),
		Le("step 6 normalisation", t, math.Abs(q.dw), rho*nz+rho*rho/2, q.dwMag, rho*nz, rho*rho/2).WithSlack(uf),
		s7,
	)
	// Step 8's premise, as Cor. 1's in sam-flow-nop: steps 2, 3 and 7 within their bands give
	// |B⁺ − B − η·lead| ≤ η(Ā + band_7 + (η/2)|ψ| + band_2 + band_3), and lead = −2ρ|f′|B/‖z‖ has
	// the sign of −B.
	tol := DefaultTolerance
	rest := Abar + tol.Band(s7, ev) + eta/2*math.Abs(q.psi) + tol.Band(s2, ev) + tol.Band(s3, ev)
	judged := false
	if a.B != 0 && math.Abs(q.lead) > rest {
		judged = true
		ev.Add(Le("step 8 contraction", t, dB*numeric.Sign(a.B), 0, math.Abs(dB)))
	}
	rnd := bflowRound * ids / eta // the computed iterate's rounding (see bflowRound)
	rhs := Abar + eta/2*math.Abs(q.psi) + rnd
	if cfg.dropEta {
		rhs = Abar + rnd
	}
	if rnd > Abar+eta/2*math.Abs(q.psi) {
		ev.Metrics["claim_rounding_dominated"] += 1 / ev.Metrics["T"]
	}
	ev.Add(Le(ClaimStep, t, math.Abs(dB/eta-q.lead), rhs, ids/eta, q.leadMag, AbarMag, eta/2*q.psiMag).WithSlack(uf / eta))
	return judged
}
