package theorems

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// bflowRound claims that one step's identity (1) holds for the computed iterates to within
// 128u per unit of its scale (derived: at most 36u). The largest error over random steps of all
// three flow theorems must stay well inside it.
func TestBalancednessFlowRoundingBound(t *testing.T) {
	const u = 0x1p-53
	identity := map[string]string{
		"balancedness/flow-conserved": "step 3 one-step identity",
		"balancedness/sam-flow-nop":   "step 3 discretisation",
		"balancedness/sam-flow-op":    "step 3 discretisation",
	}
	for id, step := range identity {
		th, _ := Lookup(id)
		worst, n := 0.0, 0
		rapid.Check(t, func(rt *rapid.T) {
			ev := th.Property(rt)
			for _, q := range ev.Steps {
				if q.Step == step && q.Scale > 0 {
					worst = math.Max(worst, math.Abs(q.LHS-q.RHS)/q.Scale)
					n++
				}
			}
		})
		t.Logf("%s: %d steps, largest identity error %.3g u per unit of scale (bflowRound = %g u)", id, n, worst/u, bflowRound/u)
		if worst > bflowRound/8 {
			t.Errorf("%s: identity error %.3g u exceeds bflowRound/8 = 16u: the derived rounding bound is not safe", id, worst/u)
		}
	}
}

// The order check's remainder b rests on bflowLip: ‖D(a) − D(c)‖ ≤ Λ(a, c)·‖a − c‖ for the three
// directions, between any two points (near and far). Check it on random pairs.
func TestBalancednessFlowLipschitzBound(t *testing.T) {
	worst := map[string]float64{}
	rapid.Check(t, func(rt *rapid.T) {
		method := rapid.SampledFrom([]string{bflowSGD, bflowNSGD, bflowSAM}).Draw(rt, "method")
		dist := math.Pow(10, rapid.Float64Range(-8, 0.5).Draw(rt, "log10_relative_distance"))
		var a, c bflowPoint
		var L, rho float64
		if rapid.Bool().Draw(rt, "nop") {
			f, err := generators.DrawFactorLoss(rt, 3, 2)
			if err != nil {
				rt.Skip("degenerate")
			}
			d1, d2 := f.Dims()
			r := rapid.IntRange(1, 2).Draw(rt, "r")
			X, Y, _ := generators.DrawFactorStart(rt, d1, d2, r)
			nz := math.Hypot(numeric.FrobNorm(X), numeric.FrobNorm(Y))
			if bflowScaleCheck(nz) != "" {
				rt.Skip("small")
			}
			dX := mat.NewDense(d1, r, generators.DrawVector(rt, "dX", d1*r, dist*nz))
			dY := mat.NewDense(d2, r, generators.DrawVector(rt, "dY", d2*r, dist*nz))
			rho = nz * math.Pow(10, rapid.Float64Range(-4, 0).Draw(rt, "log10_rho_rel"))
			L = f.ComponentSmoothness()
			qa, why := bflowNOPAt(f, method, rho, X, Y, nil)
			var Xc, Yc mat.Dense
			Xc.Add(X, dX)
			Yc.Add(Y, dY)
			qc, why2 := bflowNOPAt(f, method, rho, &Xc, &Yc, nil)
			if qa == nil || qc == nil {
				rt.Skip(why + why2)
			}
			a, c = qa.point(method), qc.point(method)
		} else {
			f, err := generators.DrawScalarTarget(rt, 2)
			if err != nil {
				rt.Skip("degenerate")
			}
			d := rapid.IntRange(1, 3).Draw(rt, "d")
			x, y, _ := generators.DrawInnerStart(rt, d)
			nz := math.Hypot(numeric.Norm2(x), numeric.Norm2(y))
			if bflowScaleCheck(nz) != "" {
				rt.Skip("small")
			}
			dx := generators.DrawVector(rt, "dx", d, dist*nz)
			dy := generators.DrawVector(rt, "dy", d, dist*nz)
			rho = nz * math.Pow(10, rapid.Float64Range(-4, 0).Draw(rt, "log10_rho_rel"))
			L = f.Smoothness()
			qa, why := bflowOPAt(f, method, rho, x, y, nil)
			qc, why2 := bflowOPAt(f, method, rho, balVecAxpy(1, dx, x), balVecAxpy(1, dy, y), nil)
			if qa == nil || qc == nil {
				rt.Skip(why + why2)
			}
			a, c = qa.point(method), qc.point(method)
		}
		R := balVecDist(a.z, c.z)
		lhs := balVecDist(a.D, c.D)
		rhs := bflowLip(method, L, rho, &a, &c) * R
		// Rounding: both directions are computed to about 2⁻⁴⁰ of their magnitude.
		if lhs > rhs+0x1p-40*(a.magD+c.magD) {
			rt.Fatalf("%s: ‖D(a) − D(c)‖ = %g > Λ·‖a − c‖ = %g (R = %g)", method, lhs, rhs, R)
		}
		if rhs > 0 {
			worst[method] = math.Max(worst[method], lhs/rhs)
		}
	})
	t.Logf("largest ‖D(a) − D(c)‖/(Λ‖a − c‖): %v", worst)
}

// Cor. 1's threshold on the paper's toy loss f = ‖xyᵀ − diag(0.5, 0, 0)‖², computed
// independently from B̄ = ½(‖x‖²‖g_x‖/‖g_y‖ − ‖y‖²‖g_y‖/‖g_x‖) with dense G = 2(xyᵀ − A). (At
// the paper's start y_0 = −3x_0, G is symmetric and ‖g_x‖ = 3‖g_y‖, so B̄ = 0 there exactly:
// B_0 = −0.56 lies below the threshold and |B| shrinks first; the test uses another y.)
func TestBalancednessSAMFlowNOPThresholdPaperToy(t *testing.T) {
	f, err := generators.PaperNOP(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	x0, _ := generators.PaperStart()
	y0 := []float64{0.5, 0.4, -0.6}
	X, Y := mat.NewDense(3, 1, x0), mat.NewDense(3, 1, y0)
	q, why := bflowNOPAt(f, bflowSAM, 0.1, X, Y, nil)
	if q == nil {
		t.Fatal(why)
	}
	got, _ := fsamnThreshold(f, q, nil)

	var G mat.Dense
	G.Mul(X, Y.T())
	G.Sub(&G, mat.NewDiagDense(3, []float64{0.5, 0, 0}))
	G.Scale(2, &G)
	var gx, gy mat.Dense
	gx.Mul(&G, Y)
	gy.Mul(G.T(), X)
	ngx, ngy := mat.Norm(&gx, 2), mat.Norm(&gy, 2) // Frobenius = Euclidean for vectors
	nx2, ny2 := numeric.Norm2Sq(x0), numeric.Norm2Sq(y0)
	want := (nx2*ngx/ngy - ny2*ngy/ngx) / 2
	if !cmp.Equal(got, want, cmpopts.EquateApprox(1e-13, 1e-15)) || math.Abs(want) < 0.01 {
		t.Errorf("B̄ = %v, want %v", got, want)
	}
	B := (nx2 - ny2) / 2
	t.Logf("B = %v, B̄ = %v, ‖g_x‖ = %v, ‖g_y‖ = %v", B, want, ngx, ngy)
}
