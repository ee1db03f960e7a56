package theorems

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// dmfMaxAbsDiff returns max |a_ij − b_ij|.
func dmfMaxAbsDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	var m float64
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			m = math.Max(m, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return m
}

// Frames are orthonormal whatever the drawn vectors (zero, tiny, coordinate-aligned or
// Gaussian), and a reflector is symmetric, orthogonal and sends v to −v.
func TestDmfDrawFrameOrthonormal(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(1, 8).Draw(rt, "n")
		k := rapid.IntRange(1, n).Draw(rt, "k")
		ent := dmfDrawEntries(rt)
		F := dmfDrawFrame(rt, ent, "F", n, k)
		var FtF mat.Dense
		FtF.Mul(F.T(), F)
		if d := dmfMaxAbsDiff(&FtF, dmfProduct(k, nil)); d > 8*float64(n)*numeric.Eps {
			rt.Fatalf("‖FᵀF − I‖_max = %g for F = %v", d, mat.Formatted(F))
		}
		v := ent.vector(rt, "v", n, 1)
		H := dmfReflector(v)
		var HH, Hv mat.Dense
		HH.Mul(H, H)
		Hv.Mul(H, mat.NewDense(n, 1, v))
		if d := dmfMaxAbsDiff(&HH, dmfProduct(n, nil)); d > 8*float64(n)*numeric.Eps {
			rt.Fatalf("‖H² − I‖_max = %g", d)
		}
		if d := dmfMaxAbsDiff(H, H.T()); d != 0 {
			rt.Fatalf("H not symmetric: %g", d)
		}
		if numeric.Norm2(v) > 0 {
			var minus mat.Dense
			minus.Scale(-1, mat.NewDense(n, 1, v))
			if e := dmfMaxAbsDiff(&Hv, &minus); e > 8*float64(n)*numeric.Eps*numeric.NormInf(v) {
				rt.Fatalf("Hv ≠ −v: %g", e)
			}
		}
	})
}

// The magnitude the theorems judge ∇ℓ's rounding against bounds ‖∇ℓ(W)‖_F, and the loss's
// smoothness bounds the change of its gradient: ‖∇ℓ(W + V) − ∇ℓ(W)‖ ≤ L‖V‖, with equality
// approached along the top direction for sensing (L ≥ Weight·max_k ‖A_k‖² too).
func TestDmfGradMagAndSmoothness(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d, reason := dmfDrawRun(rt, 1, 4, 1)
		if d == nil {
			rt.Skip(reason)
		}
		rows, cols := d.start.Dims()
		W := d.start.Product()
		G := mat.NewDense(rows, cols, nil)
		d.loss.Grad(G, W)
		mag := dmfGradMag(d.loss, dmfProdExcept(dmfNorms(d.start)))
		if g := numeric.FrobNorm(G); g > mag*(1+1e-12) {
			rt.Fatalf("‖∇ℓ‖ = %g > magnitude %g", g, mag)
		}
		L := dmfLossSmoothness(d.loss)
		V := mat.NewDense(rows, cols, generators.DrawVector(rt, "V", rows*cols, 1))
		var WV mat.Dense
		WV.Add(W, V)
		G2 := mat.NewDense(rows, cols, nil)
		d.loss.Grad(G2, &WV)
		if diff, bound := lrbdDist(G2, G), L*numeric.FrobNorm(V); diff > bound*(1+1e-9)+1e-12*(numeric.FrobNorm(G)+numeric.FrobNorm(G2)) {
			rt.Fatalf("‖∇ℓ(W+V) − ∇ℓ(W)‖ = %g > L‖V‖ = %g", diff, bound)
		}
		if s, ok := d.loss.(*algorithms.Sensing); ok {
			var maxA float64
			for _, a := range s.A {
				maxA = math.Max(maxA, numeric.FrobNorm2(a))
			}
			if L < s.Weight*maxA*(1-1e-12) {
				rt.Fatalf("sensing smoothness %g below Weight·max‖A_k‖² = %g", L, s.Weight*maxA)
			}
		}
	})
}

// Drawn runs respect their ranges, η sits in its regime relative to Λ, and a balanced start
// has every D_j = 0 up to rounding.
func TestDmfDrawRunRanges(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		d, reason := dmfDrawRun(rt, 2, 4, 5)
		if d == nil {
			rt.Skip(reason)
		}
		N := d.start.Depth()
		if N < 2 || N > 4 || d.T < 1 || d.T > 5 {
			rt.Fatalf("depth %d, T %d", N, d.T)
		}
		for _, l := range d.start.Layers {
			if r, c := l.Dims(); r > dmfMaxDim || c > dmfMaxDim {
				rt.Fatalf("factor %d×%d", r, c)
			}
		}
		// η = v/Λ is rounded, and so is ηΛ: allow each its half ulp.
		if v := d.eta * d.lambda; !(v >= 1e-6*(1-0x1p-51) && v <= 10*(1+0x1p-51)) {
			rt.Fatalf("ηΛ = %g outside [1e-6, 10]", v)
		}
		if d.startKind == dmfStartBalanced {
			for j := 0; j+1 < N; j++ {
				a, b := numeric.FrobNorm2(d.start.Layers[j+1]), numeric.FrobNorm2(d.start.Layers[j])
				if n := numeric.FrobNorm(lrbdImbalance(d.start, j)); n > 1e-13*(a+b) {
					rt.Fatalf("balanced start: ‖D_%d‖ = %g against %g", j+1, n, a+b)
				}
			}
		}
	})
}
