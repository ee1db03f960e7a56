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

const sharpnessStatement = `Lemma 1: for an OP problem h(x, y) = f(xᵀy), x, y ∈ R^d, on
W* = {(x, y) : xᵀy = w, f′(w) = 0, f″(w) > 0} the largest eigenvalue of the Hessian ∇²h(x, y) is

    λ_max(∇²h(x, y)) = f″(w)·(‖x‖² + ‖y‖²),

so minimising sharpness over W* is equivalent to balance ‖x‖ = ‖y‖ (B = 0).

How it is checked (derived, not the paper's wording): ∇²h = f″(w)·vvᵀ + f′(w)·J with
v = (y; x), J = [[0, I], [I, 0]], built explicitly and its λ_max computed numerically; on the
scaling orbit (αx, y/α), which stays in W*, λ_max = f″(w)(α²‖x‖² + ‖y‖²/α²) ≥ 2f″(w)‖x‖‖y‖
(AM–GM) with equality at α² = ‖y‖/‖x‖, the balanced point.`

var sharpnessSteps = []string{
	"step 1 on W*: f′(w) = 0 at w = xᵀy",
	"claim: λ_max(∇²h(x, y)) = f″(w)(‖x‖² + ‖y‖²), ∇²h computed explicitly, λ_max by internal/numeric",
	"step 2 the balanced point (αx, y/α), α² = ‖y‖/‖x‖, lies on W* (same w) with ‖αx‖ = ‖y/α‖",
	"claim: λ_max(∇²h(αx, y/α)) = 2f″(w)‖x‖‖y‖",
	"claim: λ_max(∇²h(αx, y/α)) ≤ λ_max(∇²h(x, y)): sharpness is smallest at B = 0 (AM–GM: 2‖x‖‖y‖ ≤ ‖x‖² + ‖y‖²)",
}

// sharpnessClaim is the claimed top eigenvalue at (x, y) from f″(w), ‖x‖, ‖y‖; the control
// replaces ‖x‖² + ‖y‖² by 2‖x‖‖y‖.
type sharpnessClaim func(f2, nx, ny float64) float64

func sharpnessTrue(f2, nx, ny float64) float64 { return f2 * (nx*nx + ny*ny) }

// BalancednessSharpness builds `balancedness/sharpness` (Lemma 1).
func BalancednessSharpness() *Theorem {
	th := &Theorem{
		ID:     "balancedness/sharpness",
		Title:  "Sharpness is smallest at balance (Lemma 1)",
		Kind:   Exact,
		Source: Quoted,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"f twice differentiable on R with a minimiser w (f′(w) = 0, f″(w) > 0); drawn: squared, log-cosh, logistic (mixed labels), noisy targets",
			"(x, y) on W*: x drawn, y = v + (w − xᵀv)x/‖x‖² for a drawn v, then moved along the orbit (2^k x, y/2^k) (exact scaling)",
		},
		Statement:  sharpnessStatement,
		ProofSteps: sharpnessSteps,
		Tolerance:  DefaultTolerance,
		Property:   sharpnessProperty(sharpnessTrue, false),
		Examples: []Example{
			{
				Name:        "squared-unbalanced",
				Description: "f(w) = (w − 1)²/2, x = (2, 0), y = (0.5, 0): λ_max = 4.25, balanced (1, 0), (1, 0): 2",
				Run: func() Evidence {
					f, err := generators.NewScalarTarget(generators.ScalarSquared, 1, []float64{1}, nil)
					if err != nil {
						panic(err)
					}
					return sharpnessEvidence(f, []float64{2, 0}, []float64{0.5, 0}, 1, sharpnessTrue)
				},
			},
			{
				Name:        "log-cosh-paper-start",
				Description: "f(w) = log cosh(w + 0.42) (non-quadratic) at the paper's x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0 (w = −0.42)",
				Run: func() Evidence {
					x0, y0 := generators.PaperStart()
					w := numeric.Dot(x0, y0)
					f, err := generators.NewScalarTarget(generators.ScalarLogCosh, 1, []float64{w}, nil)
					if err != nil {
						panic(err)
					}
					return sharpnessEvidence(f, x0, y0, 1, sharpnessTrue)
				},
			},
		},
	}
	th.Controls = []Control{{
		Name:        "2‖x‖‖y‖-for-‖x‖²+‖y‖²",
		Breaks:      BreaksConstant,
		Description: "the claim λ_max = 2f″(w)‖x‖‖y‖ (the balanced value) at unbalanced points of W*",
		Property: sharpnessProperty(func(f2, nx, ny float64) float64 {
			return 2 * f2 * nx * ny
		}, true),
	}}
	return th
}

func init() { Register(BalancednessSharpness()) }

func sharpnessProperty(claim sharpnessClaim, unbalanced bool) Property {
	return func(t *rapid.T) Evidence {
		f, err := generators.DrawScalarTarget(t, balMaxK)
		if err != nil {
			return discard(err)
		}
		wstar, ok := f.Minimiser(nil)
		if !ok {
			return Discarded("f has no minimiser (logistic with one label): W* is empty")
		}
		if !(f.Deriv2(wstar, nil) > 0) {
			return Discarded("f″(w*) = 0 numerically: the hypothesis f″ > 0 fails")
		}
		d := rapid.IntRange(1, balMaxD).Draw(t, "d")
		scale := math.Pow10(rapid.IntRange(-1, 1).Draw(t, "log10_point_scale"))
		x := generators.DrawVector(t, "x", d, scale)
		v := generators.DrawVector(t, "v", d, scale)
		nx2 := numeric.Norm2Sq(x)
		if !(nx2 >= 1e-200) {
			return Discarded("‖x‖ below 1e-100: y = v + (w* − xᵀv)x/‖x‖² would overflow")
		}
		coef := (wstar - numeric.Dot(x, v)) / nx2
		y := balVecAxpy(coef, x, v)
		if ny2 := numeric.Norm2Sq(y); balHuge(ny2) || !(ny2 >= 1e-200) {
			return Discarded("‖y‖ outside [1e-100, 1e30]: the Hessian's entries or the balanced point would overflow")
		}
		// Move along the orbit by an exact power of two.
		lo, hi := -6, 6
		if unbalanced {
			lo = 1
		}
		k := rapid.IntRange(lo, hi).Draw(t, "log2_orbit")
		for i := range x {
			x[i] = math.Ldexp(x[i], k)
			y[i] = math.Ldexp(y[i], -k)
		}
		if unbalanced && numeric.Norm2(x) <= numeric.Norm2(y) {
			return Discarded("the drawn point is not unbalanced toward x")
		}
		var xv float64 // magnitude of the rounding in constructing w = xᵀy
		for i := range x {
			xv += math.Abs(x[i] * v[i] * math.Ldexp(1, -k))
		}
		ev := sharpnessEvidence(f, x, y, xv+math.Abs(wstar), claim)
		ev.Instance = fmt.Sprintf("%v; w* = %g; d = %d; x = %v, y = %v (orbit 2^%d)", f, wstar, d, x, y, k)
		return ev
	}
}

// sharpnessHessian returns ∇²h(x, y) for h = f(xᵀy): [[f″yyᵀ, f″yxᵀ + f′I], [f″xyᵀ + f′I, f″xxᵀ]]
// with the derivatives at w = xᵀy, and λ_max.
func sharpnessHessian(f algorithms.ScalarLoss2, x, y []float64) (lam, w, f1, f2 float64) {
	d := len(x)
	w = numeric.Dot(x, y)
	f1, f2 = f.Deriv(w, nil), f.Deriv2(w, nil)
	H := mat.NewSymDense(2*d, nil)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			H.SetSym(i, j, f2*y[i]*y[j])
			H.SetSym(d+i, d+j, f2*x[i]*x[j])
		}
		for j := 0; j < d; j++ {
			v := f2 * y[i] * x[j]
			if i == j {
				v += f1
			}
			H.SetSym(i, d+j, v)
		}
	}
	lam, ok := numeric.MaxEigSym(H)
	if !ok {
		panic(fmt.Sprintf("balancedness/sharpness: λ_max of the Hessian could not be computed at x = %v, y = %v", x, y))
	}
	return lam, w, f1, f2
}

// sharpnessEvidence checks Lemma 1 at (x, y) ∈ W*; wmag is the magnitude of the rounding
// that placed w = xᵀy at the minimiser (so f′(w) = 0 up to L·ε·wmag).
func sharpnessEvidence(f *generators.ScalarTarget, x, y []float64, wmag float64, claim sharpnessClaim) Evidence {
	L := f.Smoothness()
	lam, w, f1, f2 := sharpnessHessian(f, x, y)
	nx, ny := numeric.Norm2(x), numeric.Norm2(y)
	nx2, ny2 := nx*nx, ny*ny
	F := balDerivMag(f, L, x, y, w, nil) + L*wmag
	if nx == 0 || ny == 0 {
		return Discarded("x = 0 or y = 0 (w = 0): the orbit (αx, y/α) has no balanced point")
	}
	// The balanced point of the orbit.
	alpha := math.Sqrt(ny / nx)
	xb, yb := make([]float64, len(x)), make([]float64, len(y))
	numeric.ScaleTo(xb, alpha, x)
	numeric.ScaleTo(yb, 1/alpha, y)
	lamb, wb, _, _ := sharpnessHessian(f, xb, yb)
	nxb, nyb := numeric.Norm2(xb), numeric.Norm2(yb)
	Fb := balDerivMag(f, L, xb, yb, wb, nil) + L*wmag
	// |f‴| ≤ L for the three families (squared 0, log-cosh (4/(3√3))c·… ≤ c, logistic
	// c/(6√3) ≤ c/4), so moving w by its rounding moves f″ by at most L·|w_b − w|, which the
	// band covers through the term L·wmag·(‖x‖² + ‖y‖²).
	var xy float64
	for i := range x {
		xy += math.Abs(x[i] * y[i])
	}
	f3 := L * (xy + wmag) * (nx2 + ny2)
	if !(f2 > 0) {
		return Discarded("f″(w) = 0 numerically at w = xᵀy: not a point of W* with f″ > 0")
	}
	ev := Evidence{Instance: fmt.Sprintf("%v; x = %v, y = %v", f, x, y), Metrics: map[string]float64{
		"non_quadratic": balNonQuadratic(f.Quadratic()), "d": float64(len(x)), "imbalance": math.Abs(nx2-ny2) / (nx2 + ny2),
	}}
	c1 := Eq(ClaimStep, -1, lam, claim(f2, nx, ny))
	c1.Scale = math.Abs(lam) + math.Abs(f2)*(nx2+ny2) + F
	c2 := Eq(ClaimStep, -1, lamb, 2*f2*nx*ny)
	c2.Scale = math.Abs(lamb) + 2*math.Abs(f2)*nx*ny + Fb + f3
	c3 := Le(ClaimStep, -1, lamb, lam, lamb, lam, F, Fb, f3)
	ev.Add(
		Eq("step 1 on W*: f′(w) = 0", -1, f1, 0, F),
		c1,
		Eq("step 2 balanced point on W*", -1, nxb*nxb, nyb*nyb, nxb*nxb, nyb*nyb),
		Eq("step 2 balanced point on W*: same w", -1, wb, w, xy+wmag),
		c2,
		c3,
	)
	return ev
}
