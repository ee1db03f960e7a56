package theorems

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/implicitreg/verify/internal/pep"
)

// ProveInstance is a one-dimensional L-smooth convex function with a start and a reference
// point: f(x) = λ·h(x) with h' = clamp(·, −δ₋, δ₊), i.e.
//
//	h(r) = r²/2 on [−δ₋, δ₊],  δ₊r − δ₊²/2 beyond δ₊,  −δ₋r − δ₋²/2 below −δ₋,
//
// so f is convex, λ-smooth (λ ≤ L), min f = 0. δ₋ = δ₊ = δ is the Huber function, δ± = +∞ the
// quadratic λx²/2, δ₋ = 0 with δ₊ = +∞ the one-sided quadratic λ·max(x, 0)²/2. These are the
// worst cases of gradient descent on the class (Drori–Teboulle 2014 use the Huber one).
type ProveInstance struct {
	Lambda float64 // curvature λ, 0 < λ ≤ L
	Lo, Hi float64 // δ₋, δ₊ ∈ [0, +Inf]
	X0     float64 // θ_0
	Z      float64 // the reference point z (unused when the claim's reference is a minimiser)
}

// String describes the instance.
func (p ProveInstance) String() string {
	return fmt.Sprintf("f(x) = %s; θ_0 = %.10g; z = %.10g", proveShape(fmt.Sprintf("%.10g", p.Lambda), proveFmtDelta(p.Lo), proveFmtDelta(p.Hi)), p.X0, p.Z)
}

// StringMin describes the instance when the reference point is the minimiser.
func (p ProveInstance) StringMin() string {
	return fmt.Sprintf("f(x) = %s; θ_0 = %.10g", proveShape(fmt.Sprintf("%.10g", p.Lambda), proveFmtDelta(p.Lo), proveFmtDelta(p.Hi)), p.X0)
}

func proveFmtDelta(d float64) string {
	if math.IsInf(d, 1) {
		return "∞"
	}
	return fmt.Sprintf("%.10g", d)
}

// proveShape names the function: quadratic, Huber, one-sided quadratic or general.
func proveShape(lam, lo, hi string) string {
	if lam == "1" {
		lam = ""
	} else {
		lam += "·"
	}
	switch {
	case lo == "∞" && hi == "∞":
		return lam + "x²/2 (quadratic)"
	case lo == hi:
		return lam + "huber_δ(x), δ = " + lo + " (huber_δ(r) = r²/2 for |r| ≤ δ, δ|r| − δ²/2 beyond)"
	}
	return lam + "h(x), h' = clamp(·, −" + lo + ", " + hi + ") (h = r²/2 on [−δ₋, δ₊], linear beyond)"
}

type proveCurve struct{ lam, lo, hi float64 }

func (p ProveInstance) objective() proveCurve { return proveCurve{p.Lambda, p.Lo, p.Hi} }

func (f proveCurve) Dim() int { return 1 }

func (f proveCurve) value(x float64) float64 {
	switch {
	case x > f.hi:
		return f.lam * (f.hi*x - f.hi*f.hi/2)
	case x < -f.lo:
		return f.lam * (-f.lo*x - f.lo*f.lo/2)
	}
	return f.lam * x * x / 2
}

func (f proveCurve) deriv(x float64) float64 { return f.lam * math.Max(-f.lo, math.Min(f.hi, x)) }

// Value returns f(x).
func (f proveCurve) Value(x []float64) float64 { return f.value(x[0]) }

// Grad writes f'(x).
func (f proveCurve) Grad(dst, x []float64) { dst[0] = f.deriv(x[0]) }

// nearestMinimiser projects x on the minimiser set [−∞ or 0, 0 or +∞].
func (f proveCurve) nearestMinimiser(x float64) float64 {
	lo, hi := 0.0, 0.0
	if f.lo == 0 {
		lo = math.Inf(-1)
	}
	if f.hi == 0 {
		hi = math.Inf(1)
	}
	return math.Max(lo, math.Min(hi, x))
}

// proveExactInstance is a ProveInstance with rational parameters (nil δ is +∞).
type proveExactInstance struct {
	lam, lo, hi *big.Rat
	x0, z       *big.Rat
}

func (e proveExactInstance) value(x *big.Rat) *big.Rat {
	half := big.NewRat(1, 2)
	v := new(big.Rat)
	switch {
	case e.hi != nil && x.Cmp(e.hi) > 0: // δ₊x − δ₊²/2
		v.Mul(e.hi, x)
		v.Sub(v, new(big.Rat).Mul(half, new(big.Rat).Mul(e.hi, e.hi)))
	case e.lo != nil && x.Cmp(new(big.Rat).Neg(e.lo)) < 0: // −δ₋x − δ₋²/2
		v.Mul(e.lo, x)
		v.Neg(v)
		v.Sub(v, new(big.Rat).Mul(half, new(big.Rat).Mul(e.lo, e.lo)))
	default:
		v.Mul(x, x)
		v.Mul(v, half)
	}
	return v.Mul(v, e.lam)
}

func (e proveExactInstance) grad(x *big.Rat) *big.Rat {
	g := new(big.Rat).Set(x)
	if e.hi != nil && g.Cmp(e.hi) > 0 {
		g.Set(e.hi)
	}
	if e.lo != nil {
		if nlo := new(big.Rat).Neg(e.lo); g.Cmp(nlo) < 0 {
			g.Set(nlo)
		}
	}
	return g.Mul(g, e.lam)
}

func (e proveExactInstance) nearestMinimiser(x *big.Rat) *big.Rat {
	zero := new(big.Rat)
	switch {
	case e.lo != nil && e.lo.Sign() == 0 && x.Sign() < 0:
		return new(big.Rat).Set(x)
	case e.hi != nil && e.hi.Sign() == 0 && x.Sign() > 0:
		return new(big.Rat).Set(x)
	}
	return zero
}

// String describes the exact instance.
func (e proveExactInstance) String(refMin bool) string {
	d := func(r *big.Rat) string {
		if r == nil {
			return "∞"
		}
		return pep.FormatRat(r)
	}
	s := "f(x) = " + proveShape(pep.FormatRat(e.lam), d(e.lo), d(e.hi)) + "; θ_0 = " + pep.FormatRat(e.x0)
	if !refMin {
		s += "; z = " + pep.FormatRat(e.z)
	}
	return s
}

// rational rounds the parameters to fractions with denominator ≤ maxDen (0: the exact binary
// value). λ is rounded down so it stays ≤ L; ok is false for non-finite parameters.
func (p ProveInstance) rational(maxDen int64) (proveExactInstance, bool) {
	conv := func(x float64) (*big.Rat, bool) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		if maxDen == 0 {
			return new(big.Rat).SetFloat64(x), true
		}
		return pep.ApproxRat(x, maxDen), true
	}
	delta := func(x float64) (*big.Rat, bool) {
		if math.IsInf(x, 1) {
			return nil, true
		}
		r, ok := conv(x)
		if ok && r.Sign() < 0 {
			return nil, false
		}
		return r, ok
	}
	lam, ok1 := conv(p.Lambda)
	if ok1 && maxDen > 0 && lam.Cmp(new(big.Rat).SetFloat64(p.Lambda)) > 0 {
		lam = new(big.Rat).SetFloat64(p.Lambda) // never round the curvature up
	}
	lo, ok2 := delta(p.Lo)
	hi, ok3 := delta(p.Hi)
	x0, ok4 := conv(p.X0)
	z, ok5 := conv(p.Z)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || lam.Sign() <= 0 {
		return proveExactInstance{}, false
	}
	return proveExactInstance{lam: lam, lo: lo, hi: hi, x0: x0, z: z}, true
}

// ProveFamily is a parameterised family of instances for a search: Draw gives a random
// starting parameter vector, Instance maps any vector to a valid instance.
type ProveFamily struct {
	Name     string
	Dim      int
	Draw     func(r *rand.Rand) []float64
	Instance func(u []float64) ProveInstance
}

// proveDelta maps a search coordinate to a threshold: e^u, with 0 and +∞ reachable at the
// ends so the quadratic and the one-sided quadratic belong to the family.
func proveDelta(u float64) float64 {
	switch {
	case u < -40:
		return 0
	case u > 40:
		return math.Inf(1)
	}
	return math.Exp(u)
}

// Families returns the instance families searched for this case: the general piecewise
// quadratic (curvature, both thresholds, start, reference), the Huber family and the
// quadratic.
func (c *ProveCase) Families() []ProveFamily {
	L := c.l
	// λ ≥ L·e^-14: flatter functions only make both sides of a claim vanish together.
	lam := func(u float64) float64 { return L * math.Min(1, math.Exp(math.Max(u, -14))) }
	extra := 1 // the reference point z is searched unless it is a minimiser
	if c.refMin {
		extra = 0
	}
	z := func(u []float64, i int) float64 {
		if c.refMin {
			return 0
		}
		return u[i]
	}
	uni := func(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	return []ProveFamily{
		{
			Name: "huber", Dim: 3 + extra,
			Draw: func(r *rand.Rand) []float64 {
				u := []float64{uni(r, -2, 0), uni(r, -5, 2), uni(r, -3, 3)}
				if extra == 1 {
					u = append(u, uni(r, -3, 3))
				}
				return u
			},
			Instance: func(u []float64) ProveInstance {
				d := proveDelta(u[1])
				return ProveInstance{Lambda: lam(u[0]), Lo: d, Hi: d, X0: u[2], Z: z(u, 3)}
			},
		},
		{
			Name: "piecewise-quadratic", Dim: 4 + extra,
			Draw: func(r *rand.Rand) []float64 {
				u := []float64{uni(r, -2, 0), uni(r, -5, 2), uni(r, -5, 2), uni(r, -3, 3)}
				if r.IntN(4) == 0 { // sometimes start from a one-sided quadratic
					u[1] = -50
					u[2] = 50
				}
				if extra == 1 {
					u = append(u, uni(r, -3, 3))
				}
				return u
			},
			Instance: func(u []float64) ProveInstance {
				return ProveInstance{Lambda: lam(u[0]), Lo: proveDelta(u[1]), Hi: proveDelta(u[2]), X0: u[3], Z: z(u, 4)}
			},
		},
		{
			Name: "quadratic", Dim: 2 + extra,
			Draw: func(r *rand.Rand) []float64 {
				u := []float64{uni(r, -2, 0), uni(r, -3, 3)}
				if extra == 1 {
					u = append(u, uni(r, -3, 3))
				}
				return u
			},
			Instance: func(u []float64) ProveInstance {
				return ProveInstance{Lambda: lam(u[0]), Lo: math.Inf(1), Hi: math.Inf(1), X0: u[1], Z: z(u, 2)}
			},
		},
	}
}

// Family returns the named family, or false.
func (c *ProveCase) Family(name string) (ProveFamily, bool) {
	for _, f := range c.Families() {
		if f.Name == name {
			return f, true
		}
	}
	return ProveFamily{}, false
}

// Describe writes the instance the way the claim uses it (z omitted for minimiser claims).
func (c *ProveCase) Describe(inst ProveInstance) string {
	if c.refMin {
		return inst.StringMin()
	}
	return inst.String()
}
