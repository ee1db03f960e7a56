package theorems

import (
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
)

const samNOPStatement = `For a scale-invariant NOP problem min f(XYᵀ), X ∈ R^{d1×r}, Y ∈ R^{d2×r}, one SAM step as the
paper analyses it (perturbation normalised jointly over (X, Y), one minibatch B for both
gradients):

    g_x = G·Y, g_y = Gᵀ·X, G = ∇f_B(XYᵀ),  u = 1/√(‖g_x‖_F² + ‖g_y‖_F²),
    X̃ = X + ρu·g_x,  Ỹ = Y + ρu·g_y,  G̃ = ∇f_B(X̃Ỹᵀ),
    X⁺ = X − η·G̃·Ỹ,  Y⁺ = Y − η·G̃ᵀ·X̃,

changes B = ½(‖X‖_F² − ‖Y‖_F²) by exactly

    B⁺ − B = −ηρu·[tr(XᵀG̃GᵀX) − tr(YᵀG̃ᵀGY)] + (η²/2)(‖G̃Ỹ‖_F² − ‖G̃ᵀX̃‖_F²)

for every differentiable f, η and ρ. For r = 1 the traces are xᵀG̃Gᵀx and yᵀG̃ᵀGy, the form of
THEOREMS.md; tr(XᵀG̃GᵀX) = ⟨G̃ᵀX, g_y⟩_F and tr(YᵀG̃ᵀGY) = ⟨G̃Y, g_x⟩_F. Dividing by η and letting
η → 0 gives Thm 2's dB/dt = ρ(‖g_x‖² − ‖g_y‖²)/‖g‖ + A_t. Derived.`

var samNOPSteps = []string{
	"step 1 gradients: the record's g_x, g_y are G·Y, Gᵀ·X with G = ∇f_B(XYᵀ) on the step's minibatch",
	"step 2 normalisation: the record's u is 1/√(‖g_x‖² + ‖g_y‖²)",
	"step 3 perturbation: the record's X̃, Ỹ are X + ρu·g_x, Y + ρu·g_y",
	"step 4 update: X⁺ = X − η·G̃Ỹ, Y⁺ = Y − η·G̃ᵀX̃ with G̃ = ∇f_B(X̃Ỹᵀ) on the same minibatch",
	"step 5 expansion: ‖X⁺‖² = ‖X‖² − 2η⟨X, G̃Ỹ⟩ + η²‖G̃Ỹ‖²",
	"step 6 expansion: ‖Y⁺‖² = ‖Y‖² − 2η⟨Y, G̃ᵀX̃⟩ + η²‖G̃ᵀX̃‖²",
	"step 7 cross term: ⟨X, G̃Ỹ⟩ = ⟨X, G̃Y⟩ + ρu·tr(XᵀG̃GᵀX)   (Ỹ = Y + ρu·GᵀX)",
	"step 8 cross term: ⟨Y, G̃ᵀX̃⟩ = ⟨Y, G̃ᵀX⟩ + ρu·tr(YᵀG̃ᵀGY)   (X̃ = X + ρu·GY)",
	"step 9 trace: ⟨X, G̃Y⟩ = tr(XᵀG̃Y) = ⟨Y, G̃ᵀX⟩",
	"claim: B⁺ − B = −ηρu[tr(XᵀG̃GᵀX) − tr(YᵀG̃ᵀGY)] + (η²/2)(‖G̃Ỹ‖² − ‖G̃ᵀX̃‖²)",
}

// BalancednessSAMNOP builds `balancedness/sam-nop` on the given SAM step
// (algorithms.SAMFactorStep is ours).
func BalancednessSAMNOP(step algorithms.FactorSAMMethod) *Theorem {
	th := &Theorem{
		ID:     "balancedness/sam-nop",
		Title:  "SAM one-step balancedness identity, NOP",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"f differentiable on R^{d1×d2}, a finite sum f = (1/K)Σ f_k; both gradients of the step use the same minibatch B",
			"the minibatch gradient (g_x, g_y) is not 0 (Assumption 1: u is defined); draws where it is are discarded",
			"any η, ρ > 0 (drawn relative to Λ_0 and ‖(X_0, Y_0)‖ in flow, moderate and large regimes)",
			"any start (random, balanced, unbalanced, LoRA's Y = 0, y_0 = −3x_0); losses squared (noisy low-rank targets) and softplus (non-quadratic)",
		},
		Statement:  samNOPStatement,
		ProofSteps: samNOPSteps,
		Tolerance:  DefaultTolerance,
		Property:   samNOPProperty(step, balMaxD, balMaxK, balMaxR, balMaxT),
		Examples: []Example{{
			Name:        "paper-toy-nop",
			Description: "the paper's toy NOP without noise: f = ‖xyᵀ − diag(0.5, 0, 0)‖², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, ρ = 0.1, η = 1e-4, 3 steps",
			Run: func() Evidence {
				d := balPaperNOP(3, 0.1)
				return samNOPEvidence(step, d)
			},
		}},
	}
	ctl := func(name, desc string, mutant algorithms.FactorSAMMethod) Control {
		return Control{Name: name, Breaks: BreaksAlgorithm, Description: desc,
			Property: samNOPProperty(mutant, balControlMaxD, balControlMaxK, balControlMaxR, balControlMaxT)}
	}
	th.Controls = []Control{
		ctl("unnormalised", "SAM with the unnormalised perturbation X̃ = X + ρ·g_x, Ỹ = Y + ρ·g_y (record u = 1)",
			samNOPMutant(samMutantUnnormalised)),
		ctl("per-variable-normalisation", "each block normalised by its own gradient: X̃ = X + ρ·g_x/‖g_x‖, Ỹ = Y + ρ·g_y/‖g_y‖ (record u = 1/‖g_x‖)",
			samNOPMutant(samMutantPerVariable)),
		ctl("sign-flipped", "the perturbation taken downhill: the given step run with −ρ",
			func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *algorithms.FactorWork) {
				step(f, X, Y, eta, -rho, batch, w)
			}),
		ctl("different-minibatches", "G̃ taken on another minibatch than G (indices shifted by one mod K; component 0 alone for a full batch)",
			samNOPMutant(samMutantOtherBatch)),
	}
	return th
}

func init() { Register(BalancednessSAMNOP(algorithms.SAMFactorStep)) }

// Mutations of SAM used by the sam-nop and sam-op controls.
const (
	samMutantUnnormalised = "unnormalised"
	samMutantPerVariable  = "per-variable"
	samMutantOtherBatch   = "other-batch"
)

// samNOPMutant returns a SAM step mutated as kind says, with an honest record of what it did.
func samNOPMutant(kind string) algorithms.FactorSAMMethod {
	return func(f algorithms.MatrixLoss, X, Y *mat.Dense, eta, rho float64, batch []int, w *algorithms.FactorWork) {
		algorithms.SGDFactorStep(f, mat.DenseCopyOf(X), mat.DenseCopyOf(Y), eta, batch, w) // resets w, records g_x, g_y
		gx, gy := mat.DenseCopyOf(w.GX), mat.DenseCopyOf(w.GY)
		u := 1 / math.Hypot(numeric.FrobNorm(gx), numeric.FrobNorm(gy))
		ux, uy := u, u
		second := batch
		switch kind {
		case samMutantUnnormalised:
			ux, uy = 1, 1
		case samMutantPerVariable:
			ux, uy = 1/numeric.FrobNorm(gx), 1/numeric.FrobNorm(gy)
		case samMutantOtherBatch:
			second = balOtherBatch(f.Components(), batch)
		}
		w.U = ux
		w.XT.Copy(balAxpy(rho*ux, gx, X))
		w.YT.Copy(balAxpy(rho*uy, gy, Y))
		dx, dy := balProducts(f, w.XT, w.YT, w.YT, w.XT, second)
		w.DX.Copy(dx)
		w.DY.Copy(dy)
		w.GradEvals++
		X.Copy(balAxpy(-eta, dx, X))
		Y.Copy(balAxpy(-eta, dy, Y))
	}
}

func samNOPProperty(step algorithms.FactorSAMMethod, maxD, maxK, maxR, maxT int) Property {
	return func(t *rapid.T) Evidence {
		d, reason := balDrawFactor(t, maxD, maxK, maxR, maxT, true)
		if d == nil {
			return Discarded(reason)
		}
		return samNOPEvidence(step, d)
	}
}

// samNOPEvidence runs the SAM step d.T times and checks every proof step at every t.
func samNOPEvidence(step algorithms.FactorSAMMethod, d *balFactorDraw) Evidence {
	f, eta, rho := d.f, d.eta, d.rho
	d1, d2 := f.Dims()
	_, r := d.X0.Dims()
	X, Y := mat.DenseCopyOf(d.X0), mat.DenseCopyOf(d.Y0)
	w := algorithms.NewFactorWork(d1, d2, r)
	ev := Evidence{Horizon: d.T, Instance: d.String(), Metrics: map[string]float64{
		"non_quadratic": balNonQuadratic(f.Quadratic()), "r": float64(r), "T": float64(d.T),
	}}
	for t := 0; t < d.T; t++ {
		batch := d.batch(t)
		Xp, Yp := mat.DenseCopyOf(X), mat.DenseCopyOf(Y)
		// The paper's quantities at (X, Y), from the loss's oracle.
		gx, gy := balProducts(f, Xp, Yp, Yp, Xp, batch)
		S := balGradScale(f, Xp, Yp, batch)
		ngx, ngy := numeric.FrobNorm(gx), numeric.FrobNorm(gy)
		ng := math.Hypot(ngx, ngy)
		if ng == 0 {
			ev.Discard = balDiscardZeroGrad
			return ev
		}
		u := 1 / ng
		step(f, X, Y, eta, rho, batch, w)

		nx, ny := numeric.FrobNorm(Xp), numeric.FrobNorm(Yp)
		magGx, magGy := ngx+S*ny, ngy+S*nx
		// The perturbed point as the method recorded it (checked against the definition in
		// step 3); the oracle is evaluated there so that a correct method's direction is
		// reproduced exactly.
		XT, YT := mat.DenseCopyOf(w.XT), mat.DenseCopyOf(w.YT)
		dx, dy := balProducts(f, XT, YT, YT, XT, batch)
		P, Q := balProducts(f, XT, YT, Yp, Xp, batch) // G̃Y, G̃ᵀX
		St := balGradScale(f, XT, YT, batch)
		nxt, nyt := numeric.FrobNorm(XT), numeric.FrobNorm(YT)
		magDx, magDy := numeric.FrobNorm(dx)+St*nyt, numeric.FrobNorm(dy)+St*nxt
		magP, magQ := numeric.FrobNorm(P)+St*ny, numeric.FrobNorm(Q)+St*nx
		nx2, ny2, nxp2, nyp2 := numeric.FrobNorm2(Xp), numeric.FrobNorm2(Yp), numeric.FrobNorm2(X), numeric.FrobNorm2(Y)
		ru := rho * u
		if u > 1e150 || eta*ru > 1e150 || balHuge(nx2, ny2, nxt*nxt, nyt*nyt, eta*eta*magDx*magDx, eta*eta*magDy*magDy, magP*magGx, magQ*magGy, S*S*nx2*ny2) {
			ev.Discard = balDiscardBlowUpSAM
			return ev
		}
		a1, a2, a3 := balDot(Xp, dx), balDot(Xp, P), balDot(Q, gy) // ⟨X, G̃Ỹ⟩, ⟨X, G̃Y⟩, tr(XᵀG̃GᵀX)
		b1, b2, b3 := balDot(Yp, dy), balDot(Yp, Q), balDot(P, gx) // ⟨Y, G̃ᵀX̃⟩, ⟨Y, G̃ᵀX⟩, tr(YᵀG̃ᵀGY)
		uf := balUnderflow
		ev.Add(
			Eq("step 1 gradients", t, balDist(w.GX, gx)+balDist(w.GY, gy), 0, magGx, magGy).WithSlack(uf),
			// u = 1/‖g‖ turns an absolute error δ of ‖g‖ into δ·u².
			Eq("step 2 normalisation", t, w.U, u, u).WithSlack(uf*u*u),
			Eq("step 3 perturbation", t, balDist(XT, balAxpy(ru, gx, Xp))+balDist(YT, balAxpy(ru, gy, Yp)), 0,
				nx, ru*magGx, ny, ru*magGy).WithSlack(uf*(1+ru)),
			Eq("step 4 update", t, balDist(X, balAxpy(-eta, dx, Xp))+balDist(Y, balAxpy(-eta, dy, Yp)), 0,
				nx, eta*magDx, ny, eta*magDy).WithSlack(uf*(1+eta)),
			Eq("step 5 expansion ‖X⁺‖²", t, nxp2, nx2-2*eta*a1+eta*eta*numeric.FrobNorm2(dx), nxp2, nx2, 2*eta*nx*magDx, eta*eta*magDx*magDx).
				WithSlack(uf*(2+2*eta+eta*eta)),
			Eq("step 6 expansion ‖Y⁺‖²", t, nyp2, ny2-2*eta*b1+eta*eta*numeric.FrobNorm2(dy), nyp2, ny2, 2*eta*ny*magDy, eta*eta*magDy*magDy).
				WithSlack(uf*(2+2*eta+eta*eta)),
			// Ỹ differs from Y + ρu·g_y by its rounding, which ⟨X, G̃·⟩ sees through S̃.
			Eq("step 7 cross term", t, a1, a2+ru*a3, nx*magDx, nx*magP, ru*magQ*magGy, St*nx*(ny+ru*magGy)).WithSlack(uf*(2+ru)),
			Eq("step 8 cross term", t, b1, b2+ru*b3, ny*magDy, ny*magQ, ru*magP*magGx, St*ny*(nx+ru*magGx)).WithSlack(uf*(2+ru)),
			Eq("step 9 trace", t, a2, b2, nx*magP, ny*magQ).WithSlack(2*uf),
		)
		dB := (nxp2-nyp2)/2 - (nx2-ny2)/2
		rhs := -eta*ru*(a3-b3) + eta*eta/2*(numeric.FrobNorm2(dx)-numeric.FrobNorm2(dy))
		c := Eq(ClaimStep, t, dB, rhs).WithSlack(uf * (4 + 4*eta + 2*eta*ru + eta*eta))
		c.Scale = (nxp2+nyp2+nx2+ny2)/2 + eta*(nx*magDx+ny*magDy+nx*magP+ny*magQ) +
			eta*ru*(magQ*magGy+magP*magGx) + eta*St*(nx*(ny+ru*magGy)+ny*(nx+ru*magGx)) +
			eta*eta/2*(magDx*magDx+magDy*magDy)
		ev.Add(c)
	}
	return ev
}
