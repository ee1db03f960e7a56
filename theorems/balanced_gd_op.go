package theorems

import (
	"math"

	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
)

const gdOPStatement = `For a scale-invariant OP problem min f(xᵀy), x, y ∈ R^d, one gradient step on minibatch B,

    x⁺ = x − η·f′·y,  y⁺ = y − η·f′·x,   f′ = f_B′(xᵀy),

multiplies the balancedness B = ½(‖x‖² − ‖y‖²) by exactly

    B⁺ = (1 − η²f′²)·B

for every differentiable f and every η: the first-order terms −2ηf′xᵀy of ‖x⁺‖² and ‖y⁺‖²
are equal and cancel, and the second-order ones are η²f′²‖y‖² and η²f′²‖x‖². So gradient flow
conserves B (Thm 6) and GD contracts |B| at second order in η while 0 < η²f′² < 2. Derived.`

var gdOPSteps = []string{
	"step 1 derivative: the record's f′ is f_B′(xᵀy) on the step's minibatch",
	"step 2 update: x⁺ = x − η·f′·y and y⁺ = y − η·f′·x",
	"step 3 expansion: ‖x⁺‖² = ‖x‖² − 2ηf′xᵀy + η²f′²‖y‖²",
	"step 4 expansion: ‖y⁺‖² = ‖y‖² − 2ηf′xᵀy + η²f′²‖x‖²",
	"claim: B⁺ = (1 − η²f′²)·B",
}

// gdOPClaim builds the conclusion from B⁺, B, η, f′ and the scale of the terms.
type gdOPClaim func(Bn, B, eta, fp, scale float64) Inequality

func gdOPTrueClaim(Bn, B, eta, fp, scale float64) Inequality {
	q := Eq(ClaimStep, -1, Bn, (1-eta*eta*fp*fp)*B)
	q.Scale = scale
	return q
}

// BalancednessGDOP builds `balancedness/gd-op` on the given SGD step (algorithms.SGDInnerStep
// is ours).
func BalancednessGDOP(step algorithms.InnerSGDMethod) *Theorem {
	th := &Theorem{
		ID:     "balancedness/gd-op",
		Title:  "GD one-step balancedness identity, OP",
		Kind:   Exact,
		Source: Derived,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"f differentiable on R, a finite sum f = (1/K)Σ f_k; the step uses one minibatch B for both blocks (B = all: GD)",
			"any η > 0 (drawn relative to Λ_0 = L(‖x_0‖² + ‖y_0‖²) + |f′| in flow, moderate and large regimes)",
			"any start: random, balanced, unbalanced, y_0 = 0, y_0 = −3x_0, the paper's x_0; losses squared, log-cosh and logistic (the last two non-quadratic)",
		},
		Statement:  gdOPStatement,
		ProofSteps: gdOPSteps,
		Tolerance:  DefaultTolerance,
		Property:   gdOPProperty(step, gdOPTrueClaim, balMaxD, balMaxK, balMaxT),
		Examples: []Example{{
			Name:        "paper-toy-op",
			Description: "the paper's toy OP without noise: f(w) = (w − 0.5)², x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0 (B_0 = −0.56), η = 1e-4, 3 steps",
			Run: func() Evidence {
				d := balPaperOP(3, 0)
				return gdOPEvidence(step, d, gdOPTrueClaim)
			},
		}},
	}
	th.Controls = []Control{
		{
			Name:        "(1 − ηf′²)",
			Breaks:      BreaksConstant,
			Description: "the claim with (1 − ηf′²) in place of (1 − η²f′²)",
			Property: gdOPProperty(step, func(Bn, B, eta, fp, scale float64) Inequality {
				q := Eq(ClaimStep, -1, Bn, (1-eta*fp*fp)*B)
				q.Scale = scale
				return q
			}, balControlMaxD, balControlMaxK, balControlMaxT),
		},
		{
			Name:        "alternating-updates",
			Breaks:      BreaksAlgorithm,
			Description: "Gauss–Seidel GD: y is updated with f′(x⁺ᵀy)·x⁺",
			Property:    gdOPProperty(gdOPAlternating, gdOPTrueClaim, balControlMaxD, balControlMaxK, balControlMaxT),
		},
	}
	return th
}

func init() { Register(BalancednessGDOP(algorithms.SGDInnerStep)) }

// gdOPAlternating is the Gauss–Seidel mutant y⁺ = y − η·f_B′(x⁺ᵀy)·x⁺ (honest record of the
// first derivative).
func gdOPAlternating(f algorithms.ScalarLoss, x, y []float64, eta float64, batch []int, w *algorithms.InnerWork) {
	algorithms.SGDInnerStep(f, x, y, eta, batch, w)
	copy(y, w.YT)
	fp := f.Deriv(numeric.Dot(x, y), batch)
	numeric.Axpy(y, -eta*fp, x)
}

func gdOPProperty(step algorithms.InnerSGDMethod, claim gdOPClaim, maxD, maxK, maxT int) Property {
	return func(t *rapid.T) Evidence {
		d, reason := balDrawInner(t, maxD, maxK, maxT, false)
		if d == nil {
			return Discarded(reason)
		}
		return gdOPEvidence(step, d, claim)
	}
}

func gdOPEvidence(step algorithms.InnerSGDMethod, d *balInnerDraw, claim gdOPClaim) Evidence {
	f, eta, L := d.f, d.eta, d.f.Smoothness()
	x, y := append([]float64(nil), d.x0...), append([]float64(nil), d.y0...)
	w := algorithms.NewInnerWork(len(x))
	ev := Evidence{Horizon: d.T, Instance: d.String(), Metrics: map[string]float64{
		"non_quadratic": balNonQuadratic(f.Quadratic()), "d": float64(len(x)), "T": float64(d.T),
	}}
	for t := 0; t < d.T; t++ {
		batch := d.batch(t)
		xp, yp := append([]float64(nil), x...), append([]float64(nil), y...)
		step(f, x, y, eta, batch, w)

		wv := numeric.Dot(xp, yp)
		fp := f.Deriv(wv, batch)
		F := balDerivMag(f, L, xp, yp, wv, batch)
		nx, ny := numeric.Norm2(xp), numeric.Norm2(yp)
		nx2, ny2, nxp2, nyp2 := numeric.Norm2Sq(xp), numeric.Norm2Sq(yp), numeric.Norm2Sq(x), numeric.Norm2Sq(y)
		if balHuge(nx2, ny2, eta*F*nx*ny, eta*eta*F*F*(nx2+ny2)) {
			ev.Discard = balDiscardBlowUp
			return ev
		}
		uf := balOPUnderflow(eta, F, L, 0)
		ev.Add(
			Eq("step 1 derivative", t, w.D, fp, F).WithSlack(uf),
			Eq("step 2 update", t, balVecDist(x, balVecAxpy(-eta*fp, yp, xp))+balVecDist(y, balVecAxpy(-eta*fp, xp, yp)), 0,
				nx, eta*F*ny, ny, eta*F*nx).WithSlack(uf),
			Eq("step 3 expansion ‖x⁺‖²", t, nxp2, nx2-2*eta*fp*wv+eta*eta*fp*fp*ny2, nxp2, nx2, 2*eta*F*nx*ny, eta*eta*F*F*ny2).WithSlack(uf),
			Eq("step 4 expansion ‖y⁺‖²", t, nyp2, ny2-2*eta*fp*wv+eta*eta*fp*fp*nx2, nyp2, ny2, 2*eta*F*nx*ny, eta*eta*F*F*nx2).WithSlack(uf),
		)
		B, Bn := (nx2-ny2)/2, (nxp2-nyp2)/2
		scale := (nxp2+nyp2)/2 + (1+eta*eta*F*F)*(nx2+ny2)/2 + 2*eta*F*nx*ny + math.Abs(Bn)
		c := claim(Bn, B, eta, fp, scale)
		c.Index = t
		c = c.WithSlack(uf)
		ev.Add(c)
	}
	return ev
}
