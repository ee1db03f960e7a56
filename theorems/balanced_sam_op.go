package theorems

import (
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
)

const samOPStatement = `For a scale-invariant OP problem min f(xᵀy), x, y ∈ R^d, one SAM step as the paper analyses
it (perturbation normalised jointly over (x, y), one minibatch B for both derivatives):

    f′ = f_B′(xᵀy),  u = sgn(f′)/√(‖x‖² + ‖y‖²),  x̃ = x + ρu·y,  ỹ = y + ρu·x,
    f̃′ = f_B′(x̃ᵀỹ),  x⁺ = x − η·f̃′·ỹ,  y⁺ = y − η·f̃′·x̃,

multiplies B = ½(‖x‖² − ‖y‖²) by exactly

    B⁺ = [1 − 2ηρu·f̃′ − η²f̃′²(1 − ρ²u²)]·B

for every differentiable f, η and ρ, using xᵀỹ − yᵀx̃ = 2ρuB and ‖ỹ‖² − ‖x̃‖² = −2(1 − ρ²u²)B.
When sgn(f̃′) = sgn(f′) the middle term is −2ηρ|f̃′|/‖(x, y)‖ < 0: |B| contracts geometrically,
and the flow limit is Lemma 2 / Thm 3's dB/dt = −2ρ sgn(f′) f̃′ B/‖(x, y)‖. Derived.`

var samOPSteps = []string{
	"step 1 derivative: the record's f′ is f_B′(xᵀy) on the step's minibatch",
	"step 2 normalisation: the record's u is sgn(f′)/√(‖x‖² + ‖y‖²)",
	"step 3 perturbation: the record's x̃, ỹ are x + ρu·y, y + ρu·x",
	"step 4 perturbed derivative: the record's f̃′ is f_B′(x̃ᵀỹ) on the same minibatch",
	"step 5 update: x⁺ = x − η·f̃′·ỹ and y⁺ = y − η·f̃′·x̃",
	"step 6 expansion: ‖x⁺‖² = ‖x‖² − 2ηf̃′·xᵀỹ + η²f̃′²‖ỹ‖²",
	"step 7 expansion: ‖y⁺‖² = ‖y‖² − 2ηf̃′·yᵀx̃ + η²f̃′²‖x̃‖²",
	"step 8 identity: xᵀỹ − yᵀx̃ = ρu(‖x‖² − ‖y‖²) = 2ρuB",
	"step 9 identity: ‖ỹ‖² − ‖x̃‖² = −(1 − ρ²u²)(‖x‖² − ‖y‖²) = −2(1 − ρ²u²)B",
	"claim: B⁺ = [1 − 2ηρu·f̃′ − η²f̃′²(1 − ρ²u²)]·B",
}

// BalancednessSAMOP builds `balancedness/sam-op` on the given SAM step
// (algorithms.SAMInnerStep is ours).
func BalancednessSAMOP(step algorithms.InnerSAMMethod) *Theorem {
	th := &Theorem{
		ID:     "balancedness/sam-op",
		Title:  "SAM one-step balancedness identity, OP",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"f differentiable on R, a finite sum f = (1/K)Σ f_k; both derivatives of the step use the same minibatch B",
			"f′(xᵀy) ≠ 0 and (x, y) ≠ 0 (Assumption 1: u is defined); draws where it is not are discarded",
			"any η, ρ > 0 (drawn relative to Λ_0 and ‖(x_0, y_0)‖ in flow, moderate and large regimes)",
			"any start (random, balanced, unbalanced, y_0 = 0, y_0 = −3x_0, the paper's x_0); losses squared, log-cosh and logistic",
		},
		Statement:  samOPStatement,
		ProofSteps: samOPSteps,
		Tolerance:  DefaultTolerance,
		Property:   samOPProperty(step, balMaxD, balMaxK, balMaxT),
		Examples: []Example{{
			Name:        "paper-toy-op",
			Description: "the paper's toy OP without noise: f(w) = (w − 0.5)², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, ρ = 0.2, η = 1e-4, 3 steps",
			Run: func() Evidence {
				d := balPaperOP(3, 0.2)
				return samOPEvidence(step, d)
			},
		}},
	}
	ctl := func(name, desc string, mutant algorithms.InnerSAMMethod) Control {
		return Control{Name: name, Breaks: BreaksAlgorithm, Description: desc,
			Property: samOPProperty(mutant, balControlMaxD, balControlMaxK, balControlMaxT)}
	}
	th.Controls = []Control{
		ctl("unnormalised", "SAM with the unnormalised perturbation ρ∇h: x̃ = x + ρf′·y, ỹ = y + ρf′·x (record u = f′)",
			samOPMutant(samMutantUnnormalised)),
		ctl("per-variable-normalisation", "each block normalised by its own gradient: x̃ = x + ρ sgn(f′)·y/‖y‖, ỹ = y + ρ sgn(f′)·x/‖x‖ (record u = sgn(f′)/‖y‖)",
			samOPMutant(samMutantPerVariable)),
		ctl("sign-flipped", "the perturbation taken downhill: the given step run with −ρ",
			func(f algorithms.ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *algorithms.InnerWork) {
				step(f, x, y, eta, -rho, batch, w)
			}),
		ctl("different-minibatches", "f̃′ taken on another minibatch than f′ (indices shifted by one mod K; component 0 alone for a full batch)",
			samOPMutant(samMutantOtherBatch)),
	}
	return th
}

func init() { Register(BalancednessSAMOP(algorithms.SAMInnerStep)) }

// samOPMutant returns a SAM step mutated as kind says, with an honest record.
func samOPMutant(kind string) algorithms.InnerSAMMethod {
	return func(f algorithms.ScalarLoss, x, y []float64, eta, rho float64, batch []int, w *algorithms.InnerWork) {
		algorithms.SGDInnerStep(f, append([]float64(nil), x...), append([]float64(nil), y...), eta, batch, w) // resets w, records W, D
		fp := w.D
		ux := numeric.Sign(fp) / math.Hypot(numeric.Norm2(x), numeric.Norm2(y))
		uy := ux
		second := batch
		switch kind {
		case samMutantUnnormalised:
			ux, uy = fp, fp
		case samMutantPerVariable:
			ux, uy = numeric.Sign(fp)/numeric.Norm2(y), numeric.Sign(fp)/numeric.Norm2(x)
		case samMutantOtherBatch:
			second = balOtherBatch(f.Components(), batch)
		}
		w.U = ux
		numeric.AxpyTo(w.XT, rho*ux, y, x)
		numeric.AxpyTo(w.YT, rho*uy, x, y)
		w.WT = numeric.Dot(w.XT, w.YT)
		w.DT = f.Deriv(w.WT, second)
		w.GradEvals++
		numeric.ScaleTo(w.DX, w.DT, w.YT)
		numeric.ScaleTo(w.DY, w.DT, w.XT)
		numeric.Axpy(x, -eta, w.DX)
		numeric.Axpy(y, -eta, w.DY)
	}
}

func samOPProperty(step algorithms.InnerSAMMethod, maxD, maxK, maxT int) Property {
	return func(t *rapid.T) Evidence {
		d, reason := balDrawInner(t, maxD, maxK, maxT, true)
		if d == nil {
			return Discarded(reason)
		}
		return samOPEvidence(step, d)
	}
}

func samOPEvidence(step algorithms.InnerSAMMethod, d *balInnerDraw) Evidence {
	f, eta, rho, L := d.f, d.eta, d.rho, d.f.Smoothness()
	x, y := append([]float64(nil), d.x0...), append([]float64(nil), d.y0...)
	w := algorithms.NewInnerWork(len(x))
	ev := Evidence{Horizon: d.T, Instance: d.String(), Metrics: map[string]float64{
		"non_quadratic": balNonQuadratic(f.Quadratic()), "d": float64(len(x)), "T": float64(d.T),
	}}
	for t := 0; t < d.T; t++ {
		batch := d.batch(t)
		xp, yp := append([]float64(nil), x...), append([]float64(nil), y...)
		w0 := numeric.Dot(xp, yp)
		fp := f.Deriv(w0, batch)
		nx, ny := numeric.Norm2(xp), numeric.Norm2(yp)
		if fp == 0 || (nx == 0 && ny == 0) {
			ev.Discard = balDiscardZeroGrad
			return ev
		}
		u := numeric.Sign(fp) / math.Hypot(nx, ny)
		ru := rho * u
		F := balDerivMag(f, L, xp, yp, w0, batch)
		step(f, x, y, eta, rho, batch, w)

		XT, YT := append([]float64(nil), w.XT...), append([]float64(nil), w.YT...)
		wt := numeric.Dot(XT, YT)
		fpt := f.Deriv(wt, batch)
		Ft := balDerivMag(f, L, XT, YT, wt, batch)
		nxt, nyt := numeric.Norm2(XT), numeric.Norm2(YT)
		nx2, ny2, nxp2, nyp2 := numeric.Norm2Sq(xp), numeric.Norm2Sq(yp), numeric.Norm2Sq(x), numeric.Norm2Sq(y)
		nxt2, nyt2 := numeric.Norm2Sq(XT), numeric.Norm2Sq(YT)
		if math.Abs(u) > 1e150 || balHuge(nx2, ny2, nxt2, nyt2, eta*Ft*nx*nyt, eta*eta*Ft*Ft*(nxt2+nyt2)) {
			ev.Discard = balDiscardBlowUpSAM
			return ev
		}
		xyt, yxt := numeric.Dot(xp, YT), numeric.Dot(yp, XT)
		uf := balOPUnderflow(eta, math.Max(F, Ft), L, ru)
		ev.Add(
			Eq("step 1 derivative", t, w.D, fp, F).WithSlack(uf),
			Eq("step 2 normalisation", t, w.U, u, u).WithSlack(uf+balUnderflow*u*u),
			Eq("step 3 perturbation", t, balVecDist(XT, balVecAxpy(ru, yp, xp))+balVecDist(YT, balVecAxpy(ru, xp, yp)), 0,
				nx, math.Abs(ru)*ny, ny, math.Abs(ru)*nx).WithSlack(uf),
			Eq("step 4 perturbed derivative", t, w.DT, fpt, Ft).WithSlack(uf),
			Eq("step 5 update", t, balVecDist(x, balVecAxpy(-eta*fpt, YT, xp))+balVecDist(y, balVecAxpy(-eta*fpt, XT, yp)), 0,
				nx, eta*Ft*nyt, ny, eta*Ft*nxt).WithSlack(uf),
			Eq("step 6 expansion ‖x⁺‖²", t, nxp2, nx2-2*eta*fpt*xyt+eta*eta*fpt*fpt*nyt2, nxp2, nx2, 2*eta*Ft*nx*nyt, eta*eta*Ft*Ft*nyt2).WithSlack(uf),
			Eq("step 7 expansion ‖y⁺‖²", t, nyp2, ny2-2*eta*fpt*yxt+eta*eta*fpt*fpt*nxt2, nyp2, ny2, 2*eta*Ft*ny*nxt, eta*eta*Ft*Ft*nxt2).WithSlack(uf),
			// x̃, ỹ carry their rounding ε(|x| + ρ|u||y|), which the inner products see.
			Eq("step 8 identity xᵀỹ − yᵀx̃", t, xyt-yxt, ru*(nx2-ny2), nx*nyt, ny*nxt, math.Abs(ru)*(nx2+ny2)).WithSlack(uf),
			Eq("step 9 identity ‖ỹ‖² − ‖x̃‖²", t, nyt2-nxt2, -(1-ru*ru)*(nx2-ny2), nyt2, nxt2, (1+ru*ru)*(nx2+ny2)).WithSlack(uf),
		)
		B, Bn := (nx2-ny2)/2, (nxp2-nyp2)/2
		factor := 1 - 2*eta*ru*fpt - eta*eta*fpt*fpt*(1-ru*ru)
		c := Eq(ClaimStep, t, Bn, factor*B).WithSlack(uf)
		c.Scale = (nxp2+nyp2)/2 + (nx2+ny2)/2 + eta*Ft*(nx*nyt+ny*nxt) + eta*eta*Ft*Ft*(nxt2+nyt2)/2 +
			(1+2*eta*math.Abs(ru)*Ft+eta*eta*Ft*Ft*(1+ru*ru))*(nx2+ny2)/2 + math.Abs(Bn)
		ev.Add(c)
	}
	return ev
}
