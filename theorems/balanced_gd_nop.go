package theorems

import (
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
)

const gdNOPStatement = `For a scale-invariant NOP problem min f(XYᵀ), X ∈ R^{d1×r}, Y ∈ R^{d2×r} (r = 1 is the
paper's f(xyᵀ); r > 1 is LoRA, with Frobenius norms), one gradient step on minibatch B,

    X⁺ = X − η·g_x,  Y⁺ = Y − η·g_y,   g_x = G·Y, g_y = Gᵀ·X, G = ∇f_B(XYᵀ),

changes the balancedness B = ½(‖X‖_F² − ‖Y‖_F²) by exactly

    B⁺ − B = (η²/2)(‖g_x‖_F² − ‖g_y‖_F²)

for every differentiable f, every η and every minibatch (the same for both blocks): the
first-order terms −η⟨X, g_x⟩ and −η⟨Y, g_y⟩ both equal −η·tr(XᵀGY) and cancel, which is why
gradient flow conserves B (Thm 1). Derived (the paper states only the flow limit).`

var gdNOPSteps = []string{
	"step 1 gradients: the record's g_x, g_y are G·Y, Gᵀ·X with G = ∇f_B(XYᵀ) on the step's minibatch",
	"step 2 update: X⁺ = X − η·g_x and Y⁺ = Y − η·g_y",
	"step 3 expansion: ‖X⁺‖² = ‖X‖² − 2η⟨X, g_x⟩ + η²‖g_x‖²",
	"step 4 expansion: ‖Y⁺‖² = ‖Y‖² − 2η⟨Y, g_y⟩ + η²‖g_y‖²",
	"step 5 first-order terms cancel: ⟨X, GY⟩ = tr(XᵀGY) = ⟨Y, GᵀX⟩",
	"claim: B⁺ − B = (η²/2)(‖g_x‖² − ‖g_y‖²)",
}

// gdNOPClaim builds the conclusion from B⁺ − B, η, ‖g_x‖², ‖g_y‖² and the scale of the
// terms; controls replace it by a wrong coefficient.
type gdNOPClaim func(dB, eta, gx2, gy2, scale float64) Inequality

func gdNOPTrueClaim(dB, eta, gx2, gy2, scale float64) Inequality {
	q := Eq(ClaimStep, -1, dB, eta*eta/2*(gx2-gy2))
	q.Scale = scale
	return q
}

// BalancednessGDNOP builds `balancedness/gd-nop` on the given SGD step (algorithms.SGDFactorStep
// is ours), with its explicit example and negative controls.
func BalancednessGDNOP(step algorithms.FactorSGDMethod) *Theorem {
	th := &Theorem{
		ID:     "balancedness/gd-nop",
		Title:  "GD one-step balancedness identity, NOP",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"f differentiable on R^{d1×d2}, a finite sum f = (1/K)Σ f_k; the step uses one minibatch B for both blocks (B = all: GD)",
			"any η > 0 (drawn relative to the local smoothness Λ_0 = L(‖X_0‖² + ‖Y_0‖²) + S_0 in flow, moderate and large regimes)",
			"any start: random, balanced, unbalanced, LoRA's Y = 0, y_0 = −3x_0; losses squared (noisy low-rank targets) and softplus (non-quadratic)",
		},
		Statement:  gdNOPStatement,
		ProofSteps: gdNOPSteps,
		Tolerance:  DefaultTolerance,
		Property:   gdNOPProperty(step, gdNOPTrueClaim, balMaxD, balMaxK, balMaxR, balMaxT),
		Examples: []Example{{
			Name:        "paper-toy-nop",
			Description: "the paper's toy NOP without noise: f = ‖xyᵀ − diag(0.5, 0, 0)‖², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, η = 1e-4, 3 full-batch steps",
			Run: func() Evidence {
				d := balPaperNOP(3, 0)
				return gdNOPEvidence(step, d, gdNOPTrueClaim)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "eta²/4",
			Breaks:      BreaksConstant,
			Description: "the claim with (η²/4) in place of (η²/2)",
			Property: gdNOPProperty(step, func(dB, eta, gx2, gy2, scale float64) Inequality {
				q := Eq(ClaimStep, -1, dB, eta*eta/4*(gx2-gy2))
				q.Scale = scale
				return q
			}, balControlMaxD, balControlMaxK, balControlMaxR, balControlMaxT),
		},
		{
			Name:        "alternating-updates",
			Breaks:      BreaksAlgorithm,
			Description: "Gauss–Seidel GD: Y is updated with the gradient at (X⁺, Y), not at (X, Y)",
			Property:    gdNOPProperty(gdNOPAlternating, gdNOPTrueClaim, balControlMaxD, balControlMaxK, balControlMaxR, balControlMaxT),
		},
	}
	return th
}

func init() { Register(BalancednessGDNOP(algorithms.SGDFactorStep)) }

// gdNOPAlternating is the Gauss–Seidel mutant: Y⁺ = Y − η·∇f_B(X⁺Yᵀ)ᵀX⁺. Its record is
// honest about the first gradient.
func gdNOPAlternating(f algorithms.MatrixLoss, X, Y *mat.Dense, eta float64, batch []int, w *algorithms.FactorWork) {
	algorithms.SGDFactorStep(f, X, Y, eta, batch, w) // X⁺, Y⁺ from (X, Y)
	// Undo Y's update and redo it from (X⁺, Y).
	Y.Copy(w.YT)
	_, gy := balProducts(f, X, Y, Y, X, batch)
	Y.Copy(balAxpy(-eta, gy, Y))
}

func gdNOPProperty(step algorithms.FactorSGDMethod, claim gdNOPClaim, maxD, maxK, maxR, maxT int) Property {
	return func(t *rapid.T) Evidence {
		d, reason := balDrawFactor(t, maxD, maxK, maxR, maxT, false)
		if d == nil {
			return Discarded(reason)
		}
		return gdNOPEvidence(step, d, claim)
	}
}

// gdNOPEvidence runs the step d.T times and checks every proof step at every t.
func gdNOPEvidence(step algorithms.FactorSGDMethod, d *balFactorDraw, claim gdNOPClaim) Evidence {
	f, eta := d.f, d.eta
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
		step(f, X, Y, eta, batch, w)

		gx, gy := balProducts(f, Xp, Yp, Yp, Xp, batch)
		S := balGradScale(f, Xp, Yp, batch)
		nx, ny := numeric.FrobNorm(Xp), numeric.FrobNorm(Yp)
		ngx, ngy := numeric.FrobNorm(gx), numeric.FrobNorm(gy)
		magGx, magGy := ngx+S*ny, ngy+S*nx
		nx2, ny2, nxp2, nyp2 := numeric.FrobNorm2(Xp), numeric.FrobNorm2(Yp), numeric.FrobNorm2(X), numeric.FrobNorm2(Y)
		gx2, gy2 := numeric.FrobNorm2(gx), numeric.FrobNorm2(gy)
		if balHuge(nx2, ny2, eta*eta*gx2, eta*eta*gy2, S*S*nx2*ny2) {
			ev.Discard = balDiscardBlowUp
			return ev
		}
		xg, yg := balDot(Xp, gx), balDot(Yp, gy)
		uf := balUnderflow // certified underflow error, times the factors each step applies
		ev.Add(
			Eq("step 1 gradients", t, balDist(w.GX, gx)+balDist(w.GY, gy), 0, magGx, magGy).WithSlack(uf),
			Eq("step 2 update", t, balDist(X, balAxpy(-eta, gx, Xp))+balDist(Y, balAxpy(-eta, gy, Yp)), 0,
				nx, eta*magGx, ny, eta*magGy).WithSlack(uf*(1+eta)),
			Eq("step 3 expansion ‖X⁺‖²", t, nxp2, nx2-2*eta*xg+eta*eta*gx2, nxp2, nx2, 2*eta*nx*magGx, eta*eta*magGx*magGx).
				WithSlack(uf*(2+2*eta+eta*eta)),
			Eq("step 4 expansion ‖Y⁺‖²", t, nyp2, ny2-2*eta*yg+eta*eta*gy2, nyp2, ny2, 2*eta*ny*magGy, eta*eta*magGy*magGy).
				WithSlack(uf*(2+2*eta+eta*eta)),
			Eq("step 5 first-order terms cancel", t, xg, yg, nx*magGx, ny*magGy).WithSlack(2*uf),
		)
		dB := (nxp2-nyp2)/2 - (nx2-ny2)/2
		scale := (nxp2+nyp2+nx2+ny2)/2 + eta*(nx*magGx+ny*magGy) + eta*eta/2*(magGx*magGx+magGy*magGy)
		c := claim(dB, eta, gx2, gy2, scale).WithSlack(uf * (4 + 2*eta + eta*eta))
		c.Index = t
		ev.Add(c)
	}
	return ev
}
