package theorems

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// Shared machinery of the balancedness flow theorems (flow-conserved, sam-flow-nop,
// sam-flow-op; THEOREMS.md §2, kind "flow").
//
// Every method of the family moves z = (X, Y) by z⁺ = z − η·D(z) with a direction D that
// depends on the method (D = ∇h for SGD, ∇h/‖∇h‖ for normalised SGD, ∇h(z̃) at the SAM
// perturbation z̃ = z + ρ∇h/‖∇h‖; h(X, Y) = f_B(XYᵀ) or f_B(xᵀy)). Expanding the squares of
// B = ½(‖X‖² − ‖Y‖²) gives, for every such step and every η,
//
//	B⁺ − B = η·F(z) + (η²/2)·ψ(z),   F = −⟨X, D_x⟩ + ⟨Y, D_y⟩,   ψ = ‖D_x‖² − ‖D_y‖²,       (1)
//
// where F is exactly the flow's dB/dt at z (the flow ż = −D(z)) and (η²/2)ψ the explicit
// discretisation term. The paper's theorems are statements about F (F = 0 for SGD flows;
// Thm 2's and Thm 3's expressions for SAM); the theorems check them at every iterate, check
// (1) step by step, and check the convergence order at a fixed horizon:
//
// Order check. The run with step η (T steps, minibatch B_t at step t) is compared with the run
// with step η/2 (2T steps, minibatch B_t at steps 2t and 2t+1: the same piecewise flow). With
// E(h) = B_T − B_0 − h·Σ_k F(z_k) the accumulated deviation from the flow's rate, (1) gives
// E(h) = (h²/2)Σ_k ψ(z_k), so that, exactly,
//
//	E(η) − 2E(η/2) = (η²/4)·Σ_t [(ψ(z_t) − ψ(z′_{2t})) + (ψ(z_t) − ψ(z′_{2t+1}))].
//
// Each difference is bounded by |ψ(a) − ψ(c)| ≤ (‖D(a)‖ + ‖D(c)‖)·Λ(a, c)·‖a − c‖ with Λ(a, c)
// an explicit Lipschitz bound of D between the two points (bflowLip, from the certified L of
// the outer loss, the norms and the gradient magnitudes), which gives the explicit
// second-order remainder b (step "second-order remainder"). The distances between the two
// runs obey the recursion e_{t+1} ≤ (1 + ηΛ_t)e_t + (η/2)Λ′_t‖z′_{2t+1} − z′_{2t}‖ (step "gap
// recursion"; e_t = ‖z_t − z′_{2t}‖), which is what makes them — and b — second order.
//
// Ratio band [1.6, 2.4]. Where b plus its rounding bound r is at most 0.2·|2E(η/2)|,
// any run satisfying the remainder step has |E(η)/(2E(η/2)) − 1| ≤ 0.2, i.e. the ratio
// E(η)/E(η/2) lies in [1.6, 2.4]: the band is exactly what the remainder step certifies at
// that gate, so a correct method cannot fail it, while a method whose rate is not the flow's
// (first-order drift) has E(η) ≈ E(η/2), a ratio near 1, and second-order rates (E ∝ η²) a
// ratio near 4. Runs where the gate fails are not judged on the ratio and are counted in the
// metrics with their reason: order_below_rounding (r alone exceeds 0.1·|2E(η/2)|:
// the drift is below what rounding resolves) or order_remainder_dominates (the O(η) term
// cancels along the path, e.g. ψ changing sign, so its certified second-order remainder is
// not small beside it). order_judged counts the judged runs, order_ratio is E(η)/E(η/2) there.

// Sizes of the flow instances: each check runs the method 3T times and recomputes every
// quantity at every iterate, so horizons are shorter than THEOREMS' 500 (the order check works
// from T = 1: it compares one step with two half steps); SAM recomputes two dense gradients
// per iterate, so its horizons are shorter still.
const (
	fconsMaxT    = 200
	bflowSAMMaxT = 100

	bflowMaxD = 5
	bflowMaxK = 4
	bflowMaxR = 3

	bflowControlMaxT = 4
)

// Methods whose flow the theorems describe.
const (
	bflowSGD  = "sgd"
	bflowNSGD = "normalised-sgd"
	bflowSAM  = "sam"
)

// bflowRound is the derived rounding bound of identity (1) per unit of its scale (bflowIDScale):
// one step's computed B⁺ − B, F and ψ are sums of at most 2n + 4 ≤ 64 rounded products
// (n ≤ 30 coordinates: d ≤ 5, r ≤ 3) and the iterate's own rounding, z⁺ = fl(z − ηD), moves B
// by at most u‖z⁺‖(‖z⁺‖ + η‖D‖); each errs by the unit roundoff u = 2⁻⁵³ relative to its
// magnitude, all of which the scale counts, so 64u bounds a step and 128u = 2⁻⁴⁶ keeps a factor
// 2 (the largest error observed is about 3.5u; TestBalancednessFlowRoundingBound asserts at
// most 16u). It is the rounding term of the statements about computed runs: the order check's
// remainder and gap recursion, and the SAM claims (the computed iterate is z − ηD rounded). The
// tolerance model's band (2⁻⁴⁰ relative) still applies on top.
const bflowRound = 0x1p-46

// bflowRatioLo and bflowRatioHi are the order-check band for E(η)/E(η/2) (see above), and
// bflowGate the share of |2E(η/2)| the certified remainder plus rounding may take for the ratio
// to be judged: 0.2 makes the band exactly [2(1 − 0.2), 2(1 + 0.2)].
const (
	bflowRatioLo = 1.6
	bflowRatioHi = 2.4
	bflowGate    = 0.2
)

// bflowPoint is what the claims and the order check need at one iterate, recomputed from the
// paper's definitions with the loss's own oracle (never from the method's record).
type bflowPoint struct {
	z      []float64 // the iterate, flat: vec X then vec Y (row-major), or x then y
	nx2    float64   // ‖X‖², ‖Y‖² (plain sums of squares: the form B is written in)
	ny2    float64
	nz     float64 // ‖z‖
	B      float64 // ½(‖X‖² − ‖Y‖²)
	D      []float64
	magD   float64 // magnitude of the terms D is computed from (≥ ‖D‖; rounding scale)
	nD     float64 // ‖D‖
	psi    float64 // ‖D_x‖² − ‖D_y‖²
	psiMag float64 // its rounding scale
	rate   float64 // −⟨X, D_x⟩ + ⟨Y, D_y⟩: the flow's dB/dt at z, from its definition
	F      float64 // the flow's dB/dt at z in the paper's form (0 for SGD flows)
	FMag   float64 // rounding scale of F and of −⟨X, D_x⟩ + ⟨Y, D_y⟩
	gn     float64 // ‖∇h(z)‖ (the SAM / normalised-SGD normaliser)
	gmag   float64 // ≥ ‖∇f_B‖ at z's product (GradScale, or the magnitude of f_B′)
	zt     []float64
	gmagT  float64 // the same at the SAM perturbation z̃ (SAM only)
}

// bflowGradLip returns Λ with ‖∇h(a) − ∇h(c)‖ ≤ Λ·‖a − c‖ for h(X, Y) = f_B(XYᵀ) (Frobenius
// norms) or h(x, y) = f_B(xᵀy), where ∇f_B is L-Lipschitz, na = ‖a‖, R = ‖a − c‖ and mc bounds
// ‖∇f_B‖ at c's product: with ΔX = X_a − X_c, ΔY = Y_a − Y_c,
//
//	∇_X h(a) − ∇_X h(c) = (G_a − G_c)Y_a + G_c(Y_a − Y_c)   (and likewise for Y),
//	‖∇h(a) − ∇h(c)‖ ≤ ‖G_a − G_c‖·‖a‖ + ‖G_c‖·R,
//	‖G_a − G_c‖ ≤ L‖X_aY_aᵀ − X_cY_cᵀ‖ ≤ L(‖ΔX‖‖Y_a‖ + ‖X_a‖‖ΔY‖ + ‖ΔX‖‖ΔY‖) ≤ L(R‖a‖ + R²/2),
//
// (Cauchy–Schwarz on the pairs, ‖MY‖_F ≤ ‖M‖_F‖Y‖_F, 2‖ΔX‖‖ΔY‖ ≤ R²), hence
// Λ = L‖a‖(‖a‖ + R/2) + mc.
func bflowGradLip(L, na, R, mc float64) float64 { return L*na*(na+R/2) + mc }

// bflowLip returns Λ(a, c) with ‖D(a) − D(c)‖ ≤ Λ(a, c)·‖a − c‖ for the method's direction:
//
//	SGD             D = ∇h:          Λ = Λ_g := bflowGradLip(L, ‖a‖, R, M_c)
//	normalised SGD  D = ∇h/‖∇h‖:     Λ = 2Λ_g/max(‖∇h(a)‖, ‖∇h(c)‖)
//	SAM             D = ∇h(z̃):      Λ = bflowGradLip(L, ‖ã‖, kR, M̃_c)·k,  k = 1 + 2ρΛ_g/max(‖∇h(a)‖, ‖∇h(c)‖)
//
// using ‖p/‖p‖ − q/‖q‖‖ ≤ 2‖p − q‖/max(‖p‖, ‖q‖) for p, q ≠ 0 and ‖ã − c̃‖ ≤ R + ρ·2Λ_gR/max‖∇h‖.
// It returns +Inf when a normaliser is 0.
func bflowLip(method string, L, rho float64, a, c *bflowPoint) float64 {
	R := balVecDist(a.z, c.z)
	lg := bflowGradLip(L, a.nz, R, c.gmag)
	switch method {
	case bflowSGD:
		return lg
	case bflowNSGD:
		return 2 * lg / math.Max(a.gn, c.gn)
	case bflowSAM:
		k := 1 + 2*rho*lg/math.Max(a.gn, c.gn)
		return bflowGradLip(L, numeric.Norm2(a.zt), k*R, c.gmagT) * k
	}
	panic("theorems: unknown method " + method)
}

// bflowIDScale is the rounding scale of identity (1) for the step from a to next with step h:
// the squares of both iterates (the iterate's own rounding moves B by ε‖z‖² per step), the
// first-order terms and the second-order ones.
func bflowIDScale(a, next *bflowPoint, h float64) float64 {
	return (a.nx2+a.ny2+next.nx2+next.ny2)/2 + h*a.FMag + h*h/2*a.psiMag
}

// bflowUpdate checks that the method moved a to next by exactly h·D(a).
func bflowUpdate(step string, k int, a, next *bflowPoint, h float64) Inequality {
	want := balVecAxpy(-h, a.D, a.z)
	return Eq(step, k, balVecDist(next.z, want), 0, a.nz, h*a.magD, next.nz).WithSlack(balUnderflow * (1 + h))
}

// bflowOrderConfig is the order check's band (controls replace it).
type bflowOrderConfig struct {
	lo, hi float64
}

var bflowTrueOrder = bflowOrderConfig{lo: bflowRatioLo, hi: bflowRatioHi}

// bflowOrder appends the refined run's update steps and the order steps for base (T + 1
// points, step eta) and fine (2T + 1 points, step eta/2), and records the order metrics.
// names are the step names: update of the η/2 run, gap recursion, remainder, ratio.
func bflowOrder(ev *Evidence, method string, L, rho float64, base, fine []bflowPoint, eta float64, cfg bflowOrderConfig, names [4]string) {
	T := len(base) - 1
	h := eta / 2
	for k := 0; k < 2*T; k++ {
		ev.Add(bflowUpdate(names[0], k, &fine[k], &fine[k+1], h))
	}
	// E(h) = B_T − B_0 − h·Σ F and its rounding scale.
	E := func(pts []bflowPoint, h float64) (e, scale float64) {
		n := len(pts) - 1
		var sF, sMag float64
		for k := 0; k < n; k++ {
			sF += pts[k].F
			sMag += bflowIDScale(&pts[k], &pts[k+1], h)
		}
		return pts[n].B - pts[0].B - h*sF, sMag
	}
	E1, s1 := E(base, eta)
	E2, s2 := E(fine, h)

	var b, bMag float64
	for t := 0; t < T; t++ {
		a, c0, c1, n0, n2 := &base[t], &fine[2*t], &fine[2*t+1], &base[t+1], &fine[2*t+2]
		et, et1 := balVecDist(a.z, c0.z), balVecDist(n0.z, n2.z)
		st := balVecDist(c1.z, c0.z)
		lam := bflowLip(method, L, rho, a, c0)
		lamP := bflowLip(method, L, rho, c0, c1)
		// The computed iterates are z_{t+1} = z_t − η·D(z_t) + δ_t with ‖δ_t‖ ≤ (n + 2)u(‖z_{t+1}‖ +
		// η·|D|) (the rounding of the update and of the method's D), so the recursion for the
		// computed runs carries δ_t, δ′_{2t}, δ′_{2t+1} and the rounding of the two distances:
		// bflowRound (128u ≥ (n + 2)u) times those magnitudes.
		rnd := bflowRound * (a.nz + c0.nz + n0.nz + eta*a.magD + c1.nz + h*c0.magD + n2.nz + h*c1.magD)
		rhs := bflowMul(1+eta*lam, et) + bflowMul(h*lamP, st) + rnd
		if finite(rhs) {
			ev.Add(Le(names[1], t, et1, rhs, et1, et, bflowMul(eta*lam, et), bflowMul(h*lamP, st),
				a.nz, c0.nz, c1.nz, n0.nz, n2.nz, eta*a.magD, h*c0.magD, h*c1.magD).WithSlack(balUnderflow * (1 + eta)))
		}
		lam2 := bflowLip(method, L, rho, a, c1)
		d2 := balVecDist(a.z, c1.z)
		b += eta * eta / 4 * (bflowMul((a.nD+c0.nD)*lam, et) + bflowMul((a.nD+c1.nD)*lam2, d2))
		bMag += eta * eta / 4 * (a.psiMag + (c0.psiMag+c1.psiMag)/2)
	}
	// r bounds the rounding of E(η) − 2E(η/2) (see bflowRound); it is part of the bound, so
	// that a run whose drift is rounding is not reported as noise.
	r := bflowRound * (s1 + 2*s2 + bMag)
	q := Le(names[2], -1, math.Abs(E1-2*E2), b+r, math.Abs(E1), 2*math.Abs(E2), b, s1, 2*s2, bMag)
	q = q.WithSlack(balUnderflow * float64(4*T+2))
	ev.Metrics["order_below_rounding"], ev.Metrics["order_remainder_dominates"], ev.Metrics["order_judged"] = 0, 0, 0
	if !finite(b) {
		ev.Metrics["order_remainder_dominates"] = 1
		return
	}
	ev.Add(q)
	switch {
	case E2 == 0 || r >= bflowGate/2*math.Abs(2*E2):
		ev.Metrics["order_below_rounding"] = 1
	case b+r >= bflowGate*math.Abs(2*E2):
		ev.Metrics["order_remainder_dominates"] = 1
	default:
		ev.Metrics["order_judged"] = 1
		ev.Metrics["order_ratio"] = E1 / E2
		sg := numeric.Sign(E2)
		ev.Add(
			Le(names[3]+" ≥ "+bflowFmtBand(cfg.lo), -1, cfg.lo*math.Abs(E2), sg*E1, math.Abs(E1), cfg.lo*math.Abs(E2)),
			Le(names[3]+" ≤ "+bflowFmtBand(cfg.hi), -1, sg*E1, cfg.hi*math.Abs(E2), math.Abs(E1), cfg.hi*math.Abs(E2)),
		)
	}
}

func bflowFmtBand(v float64) string { return fmt.Sprintf("%g", v) }

// bflowMul is a·b with 0·(anything) = 0 (a vacuous infinite Lipschitz bound times a zero
// distance is 0, not NaN).
func bflowMul(a, b float64) float64 {
	if a == 0 || b == 0 {
		return 0
	}
	return a * b
}

// bflowFlat returns (vec X, vec Y), row-major.
func bflowFlat(X, Y *mat.Dense) []float64 {
	r1, c := X.Dims()
	r2, _ := Y.Dims()
	z := make([]float64, 0, (r1+r2)*c)
	for i := 0; i < r1; i++ {
		z = append(z, X.RawRowView(i)[:c]...)
	}
	for i := 0; i < r2; i++ {
		z = append(z, Y.RawRowView(i)[:c]...)
	}
	return z
}

// bflowNOPq holds the paper's quantities at one NOP iterate (X, Y) on one minibatch.
type bflowNOPq struct {
	X, Y             *mat.Dense
	nx, ny, nx2, ny2 float64
	gx, gy           *mat.Dense
	S                float64 // GradScale at (X, Y)
	ngx, ngy, ng     float64
	magGx, magGy     float64 // ‖g_x‖ + S‖Y‖, ‖g_y‖ + S‖X‖
	u                float64 // 1/‖g‖ (normalised SGD, SAM)
	XT, YT           *mat.Dense
	St               float64 // GradScale at (X̃, Ỹ)
	Dx, Dy           *mat.Dense
	magDx, magDy     float64
	rate, rateMag    float64 // −⟨X, D_x⟩ + ⟨Y, D_y⟩ and its rounding scale
	psi, psiMag      float64
	// SAM: the remainder of Thm 2.
	lead, leadMag float64 // ρu(‖g_x‖² − ‖g_y‖²)
	A, AMag       float64 // ρu[⟨(G̃ − G)Y, g_x⟩ − ⟨(G̃ − G)ᵀX, g_y⟩]
	ndG, dGMag    float64 // ‖G̃ − G‖_F and its rounding scale
	ndW, dWMag    float64 // ‖X̃Ỹᵀ − XYᵀ‖_F and its rounding scale
}

// bflowNOPAt computes the quantities for method at (X, Y) on batch (copies are kept). It
// returns a discard reason when the direction is undefined (zero gradient) or the terms would
// overflow.
func bflowNOPAt(f generators.FactorLoss, method string, rho float64, X, Y *mat.Dense, batch []int) (*bflowNOPq, string) {
	q := &bflowNOPq{X: mat.DenseCopyOf(X), Y: mat.DenseCopyOf(Y)}
	q.nx, q.ny = numeric.FrobNorm(X), numeric.FrobNorm(Y)
	q.nx2, q.ny2 = numeric.FrobNorm2(X), numeric.FrobNorm2(Y)
	q.gx, q.gy = balProducts(f, q.X, q.Y, q.Y, q.X, batch)
	q.S = f.GradScale(q.X, q.Y, batch)
	q.ngx, q.ngy = numeric.FrobNorm(q.gx), numeric.FrobNorm(q.gy)
	q.ng = math.Hypot(q.ngx, q.ngy)
	q.magGx, q.magGy = q.ngx+q.S*q.ny, q.ngy+q.S*q.nx
	if balHuge(q.nx2, q.ny2, q.magGx*q.magGx, q.magGy*q.magGy, q.S*q.S*q.nx2*q.ny2) {
		return nil, balDiscardBlowUp
	}
	switch method {
	case bflowSGD:
		q.Dx, q.Dy = q.gx, q.gy
		q.magDx, q.magDy = q.magGx, q.magGy
	case bflowNSGD, bflowSAM:
		if q.ng == 0 {
			return nil, balDiscardZeroGrad
		}
		q.u = 1 / q.ng
		if q.u > 1e150 {
			return nil, balDiscardBlowUpSAM
		}
	}
	switch method {
	case bflowNSGD:
		q.Dx, q.Dy = balAxpy(q.u, q.gx, mat.NewDense(q.gx.RawMatrix().Rows, q.gx.RawMatrix().Cols, nil)),
			balAxpy(q.u, q.gy, mat.NewDense(q.gy.RawMatrix().Rows, q.gy.RawMatrix().Cols, nil))
		q.magDx, q.magDy = q.u*q.magGx, q.u*q.magGy
	case bflowSAM:
		ru := rho * q.u
		q.XT, q.YT = balAxpy(ru, q.gx, q.X), balAxpy(ru, q.gy, q.Y)
		q.Dx, q.Dy = balProducts(f, q.XT, q.YT, q.YT, q.XT, batch)
		q.St = f.GradScale(q.XT, q.YT, batch)
		nxt, nyt := numeric.FrobNorm(q.XT), numeric.FrobNorm(q.YT)
		q.magDx, q.magDy = numeric.FrobNorm(q.Dx)+q.St*nyt, numeric.FrobNorm(q.Dy)+q.St*nxt
		if balHuge(nxt*nxt, nyt*nyt, q.magDx*q.magDx, q.magDy*q.magDy) {
			return nil, balDiscardBlowUpSAM
		}
		// Thm 2's terms, with dense G and G̃ (small instances).
		G := algorithms.DenseGradient(f, q.X, q.Y, batch)
		Gt := algorithms.DenseGradient(f, q.XT, q.YT, batch)
		var dG mat.Dense
		dG.Sub(Gt, G)
		q.ndG = numeric.FrobNorm(&dG)
		var dGY, dGtX mat.Dense
		dGY.Mul(&dG, q.Y)
		dGtX.Mul(dG.T(), q.X)
		q.lead = ru * (q.ngx*q.ngx - q.ngy*q.ngy)
		q.leadMag = ru * (q.magGx*q.magGx + q.magGy*q.magGy)
		q.A = ru * (balDot(&dGY, q.gx) - balDot(&dGtX, q.gy))
		q.dGMag = q.ndG + q.S + q.St
		q.AMag = ru * q.dGMag * (q.ny*q.magGx + q.nx*q.magGy)
		var W, Wt, dW mat.Dense
		W.Mul(q.X, q.Y.T())
		Wt.Mul(q.XT, q.YT.T())
		dW.Sub(&Wt, &W)
		q.ndW = numeric.FrobNorm(&dW)
		q.dWMag = q.ndW + nxt*nyt + q.nx*q.ny
	}
	if bflowTiny(q.X, q.Y, q.gx, q.gy, q.Dx, q.Dy, q.XT, q.YT) {
		return nil, underflowReason
	}
	q.rate = -balDot(q.X, q.Dx) + balDot(q.Y, q.Dy)
	q.rateMag = q.nx*q.magDx + q.ny*q.magDy
	q.psi = numeric.FrobNorm2(q.Dx) - numeric.FrobNorm2(q.Dy)
	q.psiMag = q.magDx*q.magDx + q.magDy*q.magDy
	return q, ""
}

// point turns q into the order check's view; F is the paper's rate (lead + A for SAM, 0 for
// the SGD flows, whose rate vanishes identically).
func (q *bflowNOPq) point(method string) bflowPoint {
	p := bflowPoint{
		z: bflowFlat(q.X, q.Y), nx2: q.nx2, ny2: q.ny2, nz: math.Hypot(q.nx, q.ny), B: (q.nx2 - q.ny2) / 2,
		D: bflowFlat(q.Dx, q.Dy), magD: q.magDx + q.magDy, psi: q.psi, psiMag: q.psiMag,
		rate: q.rate, FMag: q.rateMag, gn: q.ng, gmag: q.S,
	}
	p.nD = numeric.Norm2(p.D)
	if method == bflowSAM {
		p.F = q.lead + q.A
		p.FMag += q.leadMag + q.AMag
		p.zt = bflowFlat(q.XT, q.YT)
		p.gmagT = q.St
	}
	return p
}

// bflowFinalNOP is the view of the last iterate (only z and B are used).
func bflowFinalNOP(X, Y *mat.Dense) bflowPoint {
	nx2, ny2 := numeric.FrobNorm2(X), numeric.FrobNorm2(Y)
	return bflowPoint{z: bflowFlat(X, Y), nx2: nx2, ny2: ny2, nz: math.Sqrt(nx2 + ny2), B: (nx2 - ny2) / 2}
}

// bflowOPq holds the paper's quantities at one OP iterate (x, y) on one minibatch.
type bflowOPq struct {
	x, y             []float64
	nx, ny, nx2, ny2 float64
	nz               float64
	w, fp, Fm        float64 // xᵀy, f_B′(w) and its magnitude (DerivScale + L·Σ|x_i y_i|)
	u                float64 // sgn(f′)/‖(x, y)‖ (normalised SGD, SAM)
	xt, yt           []float64
	wt, fpt, Fmt     float64 // at the SAM perturbation
	Dx, Dy           []float64
	magDx, magDy     float64
	rate, rateMag    float64
	psi, psiMag      float64
	// SAM: Thm 3's terms.
	lead, leadMag float64 // −2ρ|f′|B/‖(x, y)‖
	A, AMag       float64 // 2ρu(f′ − f̃′)B
	dw, dwMag     float64 // x̃ᵀỹ − xᵀy and its rounding scale
}

// bflowOPAt computes the quantities for method at (x, y) on batch.
func bflowOPAt(f *generators.ScalarTarget, method string, rho float64, x, y []float64, batch []int) (*bflowOPq, string) {
	L := f.Smoothness()
	q := &bflowOPq{x: append([]float64(nil), x...), y: append([]float64(nil), y...)}
	q.nx, q.ny = numeric.Norm2(x), numeric.Norm2(y)
	q.nx2, q.ny2 = numeric.Norm2Sq(x), numeric.Norm2Sq(y)
	q.nz = math.Hypot(q.nx, q.ny)
	q.w = numeric.Dot(x, y)
	q.fp = f.Deriv(q.w, batch)
	q.Fm = balDerivMag(f, L, x, y, q.w, batch)
	if balHuge(q.nx2, q.ny2, q.Fm*q.nx*q.ny, q.Fm*q.Fm*(q.nx2+q.ny2)) {
		return nil, balDiscardBlowUp
	}
	switch method {
	case bflowSGD:
		q.Dx, q.Dy = balVecAxpy(q.fp, q.y, make([]float64, len(x))), balVecAxpy(q.fp, q.x, make([]float64, len(x)))
		q.magDx, q.magDy = q.Fm*q.ny, q.Fm*q.nx
	case bflowNSGD, bflowSAM:
		if q.fp == 0 || q.nz == 0 {
			return nil, balDiscardZeroGrad
		}
		q.u = numeric.Sign(q.fp) / q.nz
		if math.Abs(q.u) > 1e150 {
			return nil, balDiscardBlowUpSAM
		}
	}
	switch method {
	case bflowNSGD:
		q.Dx, q.Dy = balVecAxpy(q.u, q.y, make([]float64, len(x))), balVecAxpy(q.u, q.x, make([]float64, len(x)))
		q.magDx, q.magDy = math.Abs(q.u)*q.ny, math.Abs(q.u)*q.nx
	case bflowSAM:
		ru := rho * q.u
		q.xt, q.yt = balVecAxpy(ru, q.y, q.x), balVecAxpy(ru, q.x, q.y)
		q.wt = numeric.Dot(q.xt, q.yt)
		q.fpt = f.Deriv(q.wt, batch)
		q.Fmt = balDerivMag(f, L, q.xt, q.yt, q.wt, batch)
		nxt, nyt := numeric.Norm2(q.xt), numeric.Norm2(q.yt)
		q.Dx, q.Dy = balVecAxpy(q.fpt, q.yt, make([]float64, len(x))), balVecAxpy(q.fpt, q.xt, make([]float64, len(x)))
		q.magDx, q.magDy = q.Fmt*nyt, q.Fmt*nxt
		if balHuge(nxt*nxt, nyt*nyt, q.magDx*q.magDx, q.magDy*q.magDy) {
			return nil, balDiscardBlowUpSAM
		}
		B := (q.nx2 - q.ny2) / 2
		Bmag := (q.nx2 + q.ny2) / 2
		rn := rho / q.nz // the order of the factors keeps intermediate products in range
		q.lead = -2 * rn * math.Abs(q.fp) * B
		q.leadMag = 2 * rn * q.Fm * Bmag
		q.A = 2 * ru * (q.fp - q.fpt) * B
		q.AMag = 2 * rho * math.Abs(q.u) * (q.Fm + q.Fmt) * Bmag
		q.dw = q.wt - q.w
		q.dwMag = math.Abs(q.wt) + math.Abs(q.w) + nxt*nyt + q.nx*q.ny
	}
	if bflowTinyVec(q.x, q.y, q.Dx, q.Dy, q.xt, q.yt, []float64{q.fp, q.fpt}) {
		return nil, underflowReason
	}
	q.rate = -numeric.Dot(q.x, q.Dx) + numeric.Dot(q.y, q.Dy)
	q.rateMag = q.nx*q.magDx + q.ny*q.magDy
	q.psi = numeric.Norm2Sq(q.Dx) - numeric.Norm2Sq(q.Dy)
	q.psiMag = q.magDx*q.magDx + q.magDy*q.magDy
	return q, ""
}

func (q *bflowOPq) point(method string) bflowPoint {
	p := bflowPoint{
		z: append(append([]float64(nil), q.x...), q.y...), nx2: q.nx2, ny2: q.ny2, nz: q.nz, B: (q.nx2 - q.ny2) / 2,
		D: append(append([]float64(nil), q.Dx...), q.Dy...), magD: q.magDx + q.magDy, psi: q.psi, psiMag: q.psiMag,
		rate: q.rate, FMag: q.rateMag, gn: math.Abs(q.fp) * q.nz, gmag: q.Fm,
	}
	p.nD = numeric.Norm2(p.D)
	if method == bflowSAM {
		p.F = q.lead + q.A
		p.FMag += q.leadMag + q.AMag
		p.zt = append(append([]float64(nil), q.xt...), q.yt...)
		p.gmagT = q.Fmt
	}
	return p
}

func bflowFinalOP(x, y []float64) bflowPoint {
	nx2, ny2 := numeric.Norm2Sq(x), numeric.Norm2Sq(y)
	return bflowPoint{z: append(append([]float64(nil), x...), y...), nx2: nx2, ny2: ny2, nz: math.Sqrt(nx2 + ny2), B: (nx2 - ny2) / 2}
}

// bflowRegimes are the step and radius regimes of a draw: the theorems draw both in the flow
// regime; controls that need finite-step effects draw η in the large regime.
type bflowRegimes struct {
	eta, rho string
}

var bflowFlowRegimes = bflowRegimes{eta: generators.RegimeFlow, rho: generators.RegimeFlow}

// label names the regimes in an instance description (ρ's only when SAM draws one that differs).
func (reg bflowRegimes) label(method string) string {
	if reg.rho != reg.eta && method == bflowSAM {
		return "η " + reg.eta + ", ρ " + reg.rho
	}
	return reg.eta
}

// bflowDrawFactor draws a NOP loss, a rank, a start, a horizon T ≤ maxT, minibatches, and η in
// reg.eta relative to the local smoothness Λ_0 = L(‖X0‖² + ‖Y0‖²) + S_0 at the start (for
// normalised SGD relative to Λ_0/‖∇h(z_0)‖, the step's effective GD step being η/‖∇h‖), and,
// when sam, ρ in reg.rho relative to ‖(X0, Y0)‖.
func bflowDrawFactor(t *rapid.T, maxD, maxK, maxR, maxT int, reg bflowRegimes, method string) (*balFactorDraw, string) {
	f, err := generators.DrawFactorLoss(t, maxD, maxK)
	if err != nil {
		reason, ok := generators.IsDegenerate(err)
		if !ok {
			panic(err)
		}
		return nil, reason
	}
	d1, d2 := f.Dims()
	r := rapid.IntRange(1, maxR).Draw(t, "r")
	X0, Y0, start := generators.DrawFactorStart(t, d1, d2, r)
	T := generators.DrawHorizon(t, maxT)
	batches, bkind := generators.DrawMinibatches(t, f.Components(), T)
	lambda := generators.FactorLocalSmoothness(f.ComponentSmoothness(), X0, Y0, f.GradScale(X0, Y0, nil))
	if method == bflowNSGD {
		gx, gy := balProducts(f, X0, Y0, Y0, X0, nil)
		g0 := math.Hypot(numeric.FrobNorm(gx), numeric.FrobNorm(gy))
		if g0 == 0 {
			return nil, balDiscardZeroGrad
		}
		lambda /= g0
	}
	dr := &balFactorDraw{f: f, X0: X0, Y0: Y0, balRun: balRun{start: start, batches: batches, batchKind: bkind, regime: reg.label(method), T: T,
		lambda: lambda, normXY0: math.Hypot(numeric.FrobNorm(X0), numeric.FrobNorm(Y0))}}
	if reason := dr.drawSteps(t, reg.eta, reg.rho, method == bflowSAM, bflowScaleCheck); reason != "" {
		return nil, reason
	}
	return dr, ""
}

// bflowDrawInner draws an OP loss, d ≤ maxD, a start, T ≤ maxT, minibatches, η and ρ as
// bflowDrawFactor (Λ_0 = L(‖x0‖² + ‖y0‖²) + |f′|).
func bflowDrawInner(t *rapid.T, maxD, maxK, maxT int, reg bflowRegimes, method string) (*balInnerDraw, string) {
	f, err := generators.DrawScalarTarget(t, maxK)
	if err != nil {
		reason, ok := generators.IsDegenerate(err)
		if !ok {
			panic(err)
		}
		return nil, reason
	}
	d := rapid.IntRange(1, maxD).Draw(t, "d")
	x0, y0, start := generators.DrawInnerStart(t, d)
	T := generators.DrawHorizon(t, maxT)
	batches, bkind := generators.DrawMinibatches(t, f.Components(), T)
	w := numeric.Dot(x0, y0)
	lambda := generators.InnerLocalSmoothness(f.Smoothness(), x0, y0, f.DerivScale(w, nil))
	if method == bflowNSGD {
		g0 := math.Abs(f.Deriv(w, nil)) * math.Hypot(numeric.Norm2(x0), numeric.Norm2(y0))
		if g0 == 0 {
			return nil, balDiscardZeroGrad
		}
		lambda /= g0
	}
	dr := &balInnerDraw{f: f, x0: x0, y0: y0, balRun: balRun{start: start, batches: batches, batchKind: bkind, regime: reg.label(method), T: T,
		lambda: lambda, normXY0: math.Hypot(numeric.Norm2(x0), numeric.Norm2(y0))}}
	if reason := dr.drawSteps(t, reg.eta, reg.rho, method == bflowSAM, bflowScaleCheck); reason != "" {
		return nil, reason
	}
	return dr, ""
}

// bflowMinNorm is the smallest start norm ‖(X_0, Y_0)‖ the flow theorems take: their terms are
// products of up to four iterate norms with ρ² and L (Ā = ρ²L‖z‖², |B|·ρ/‖z‖·f′, …), which
// leave the normal floating-point range below it. Starts that small (rapid draws entries down
// to 1e-300) are discarded with bflowDiscardSmall.
const bflowMinNorm = 1e-30

const bflowDiscardSmall = "‖(X_0, Y_0)‖ below 1e-30 (or 0): the balancedness terms, products of up to four iterate norms, would leave the normal range"

// bflowScaleCheck returns bflowDiscardSmall for starts below bflowMinNorm.
func bflowScaleCheck(norm float64) string {
	if !(norm >= bflowMinNorm) {
		return bflowDiscardSmall
	}
	return ""
}

// bflowFineBatch is the minibatch of step k of the η/2 run: step ⌊k/2⌋'s.
func bflowFineBatch(batches [][]int, k int) []int {
	if batches == nil {
		return nil
	}
	return batches[k/2]
}

// bflowRunNOP runs step n times from copies of (X0, Y0) with step size h and minibatch
// batchOf(k), and recomputes the paper's quantities for method at every iterate before its
// step (the last iterate gets only z and B). It returns a discard reason when a direction is
// undefined or the terms would overflow.
func bflowRunNOP(step algorithms.FactorSGDMethod, f generators.FactorLoss, method string, rho float64, X0, Y0 *mat.Dense,
	h float64, n int, batchOf func(k int) []int) ([]*bflowNOPq, []bflowPoint, string) {
	X, Y := mat.DenseCopyOf(X0), mat.DenseCopyOf(Y0)
	d1, d2 := f.Dims()
	_, r := X0.Dims()
	w := algorithms.NewFactorWork(d1, d2, r)
	qs := make([]*bflowNOPq, 0, n)
	pts := make([]bflowPoint, 0, n+1)
	for k := 0; k < n; k++ {
		batch := batchOf(k)
		q, reason := bflowNOPAt(f, method, rho, X, Y, batch)
		if q == nil {
			return nil, nil, reason
		}
		step(f, X, Y, h, batch, w)
		qs = append(qs, q)
		pts = append(pts, q.point(method))
	}
	last := bflowFinalNOP(X, Y)
	if balHuge(last.nx2, last.ny2) {
		return nil, nil, balDiscardBlowUp
	}
	return qs, append(pts, last), ""
}

// bflowRunOP is bflowRunNOP for an OP problem.
func bflowRunOP(step algorithms.InnerSGDMethod, f *generators.ScalarTarget, method string, rho float64, x0, y0 []float64,
	h float64, n int, batchOf func(k int) []int) ([]*bflowOPq, []bflowPoint, string) {
	x, y := append([]float64(nil), x0...), append([]float64(nil), y0...)
	w := algorithms.NewInnerWork(len(x))
	qs := make([]*bflowOPq, 0, n)
	pts := make([]bflowPoint, 0, n+1)
	for k := 0; k < n; k++ {
		batch := batchOf(k)
		q, reason := bflowOPAt(f, method, rho, x, y, batch)
		if q == nil {
			return nil, nil, reason
		}
		step(f, x, y, h, batch, w)
		qs = append(qs, q)
		pts = append(pts, q.point(method))
	}
	last := bflowFinalOP(x, y)
	if balHuge(last.nx2, last.ny2) {
		return nil, nil, balDiscardBlowUp
	}
	return qs, append(pts, last), ""
}

// bflowUnderflow is the underflow slack of identity (1) for step h with an outer loss of
// smoothness L: each computed square or inner product errs by at most balUnderflow below the
// normal range, f′ by L times that, and the identity multiplies them by at most 4 + 2h + h².
func bflowUnderflow(h, L float64) float64 { return balUnderflow * (1 + L) * (4 + 2*h + h*h) }

// bflowBatchOf returns the base run's minibatch function.
func bflowBatchOf(batches [][]int) func(int) []int {
	return func(k int) []int {
		if batches == nil {
			return nil
		}
		return batches[k]
	}
}

// bflowFineOf returns the η/2 run's minibatch function.
func bflowFineOf(batches [][]int) func(int) []int {
	return func(k int) []int { return bflowFineBatch(batches, k) }
}

// bflowTiny reports whether a nonzero matrix (nil ones are skipped) has its sum of squares
// below underflowFloor: rounding there is absolute, and the normalisers u = 1/‖g‖ and the
// step sizes amplify it beyond the relative band (basic_common.go's rule).
func bflowTiny(ms ...*mat.Dense) bool {
	for _, m := range ms {
		if m == nil {
			continue
		}
		r, c := m.Dims()
		v := make([]float64, 0, r*c)
		for i := 0; i < r; i++ {
			v = append(v, m.RawRowView(i)[:c]...)
		}
		if bflowTinyVec(v) {
			return true
		}
	}
	return false
}

// bflowTinyVec is bflowTiny for vectors.
func bflowTinyVec(vs ...[]float64) bool {
	for _, v := range vs {
		if v != nil && underflows(numeric.Norm2Sq(v), numeric.NormInf(v)) {
			return true
		}
	}
	return false
}
