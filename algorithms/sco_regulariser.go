package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/implicitreg/verify/internal/numeric"
)

// SCORegulariser is a regulariser R: R^d → R for regularised ERM (RERM) in the SCO family
// (THEOREMS.md §7, papers/sco.md §6), with what the 2-D reduction of the RERM problem needs.
// It is a value: the built-in families are made by SCOL2Sq, SCOL1, SCOElasticNet, SCOL2Norm
// and SCOLpNorm, and a user's own R by SCOUserRegulariser.
//
// The reduction needs condition (C): R(w_0 e_0 + u) ≥ R(w_0 e_0 + ‖u‖ e_j) for every u in the
// spurious block and every j ≥ 1 (1-sparse vectors minimise R on spheres of the u-block).
// SparseMinimal records that (C) is proved; for a user's R it is false and the caller checks
// (C) by sampling (SCOCheckConditionC).
type SCORegulariser struct {
	// Name identifies R in reports, e.g. "0.1‖w‖²".
	Name string
	// Family is "l2sq", "l1", "elastic-net", "l2", "lp" or "user".
	Family string
	// Lambda (and Lambda2 for the elastic net, P for ‖·‖_p) are the family's parameters.
	Lambda, Lambda2, P float64
	// Value returns R(w) for w of any length d ≥ 2. It must not keep w.
	Value func(w []float64) float64
	// Plane returns G(w_0, ρ) = R(w_0 e_0 + ρ e_1); nil means Value at (w_0, ρ).
	Plane func(w0, rho float64) float64
	// Subgradient writes an element of ∂R(w) into dst; nil when unknown (the §6.7
	// certificate then uses a finite-difference gradient and is labelled uncertified).
	Subgradient func(dst, w []float64)
	// Convex: R is convex (proved for the built-in families, declared for a user's R). The
	// certified 2-D solver relies on it.
	Convex bool
	// SparseMinimal: condition (C) is proved (built-in families with p ∈ [1, 2]).
	SparseMinimal bool
	// RelErr bounds the relative rounding error of Value and Plane (0: 64 units of roundoff).
	RelErr float64
}

// scoDefaultRelErr is the rounding bound assumed for one evaluation of R or φ relative to
// the magnitude of its terms: a handful of operations, each within one unit roundoff, and
// math.Pow within one ulp, with a wide margin.
const scoDefaultRelErr = 64 * 0x1p-53

// relErr returns the relative rounding bound of R's evaluations.
func (r SCORegulariser) relErr() float64 {
	if r.RelErr > 0 {
		return r.RelErr
	}
	return scoDefaultRelErr
}

// G returns R(w_0 e_0 + ρ e_1).
func (r SCORegulariser) G(w0, rho float64) float64 {
	if r.Plane != nil {
		return r.Plane(w0, rho)
	}
	return r.Value([]float64{w0, rho})
}

func (r SCORegulariser) String() string { return r.Name }

func scoFmt(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func scoCheckLambda(name string, lambda float64) {
	if !(lambda >= 0) || math.IsInf(lambda, 0) {
		panic(fmt.Sprintf("algorithms: %s: λ = %v, want finite λ ≥ 0", name, lambda))
	}
}

// SCOL2Sq is λ‖w‖₂² (Tikhonov).
func SCOL2Sq(lambda float64) SCORegulariser {
	scoCheckLambda("SCOL2Sq", lambda)
	return SCORegulariser{
		Name: scoFmt(lambda) + "‖w‖²", Family: "l2sq", Lambda: lambda,
		Value: func(w []float64) float64 { return lambda * numeric.Norm2Sq(w) },
		Plane: func(w0, rho float64) float64 { return lambda * (w0*w0 + rho*rho) },
		Subgradient: func(dst, w []float64) {
			for i, v := range w {
				dst[i] = 2 * lambda * v
			}
		},
		Convex: true, SparseMinimal: true,
	}
}

// SCOL1 is λ‖w‖₁.
func SCOL1(lambda float64) SCORegulariser {
	scoCheckLambda("SCOL1", lambda)
	return SCORegulariser{
		Name: scoFmt(lambda) + "‖w‖₁", Family: "l1", Lambda: lambda,
		Value: func(w []float64) float64 { return lambda * scoNorm1(w) },
		Plane: func(w0, rho float64) float64 { return lambda * (math.Abs(w0) + math.Abs(rho)) },
		Subgradient: func(dst, w []float64) {
			for i, v := range w {
				dst[i] = lambda * numeric.Sign(v)
			}
		},
		Convex: true, SparseMinimal: true,
	}
}

// SCOElasticNet is λ1‖w‖₁ + λ2‖w‖₂².
func SCOElasticNet(lambda1, lambda2 float64) SCORegulariser {
	scoCheckLambda("SCOElasticNet", lambda1)
	scoCheckLambda("SCOElasticNet", lambda2)
	return SCORegulariser{
		Name:   scoFmt(lambda1) + "‖w‖₁ + " + scoFmt(lambda2) + "‖w‖²",
		Family: "elastic-net", Lambda: lambda1, Lambda2: lambda2,
		Value: func(w []float64) float64 { return lambda1*scoNorm1(w) + lambda2*numeric.Norm2Sq(w) },
		Plane: func(w0, rho float64) float64 {
			return lambda1*(math.Abs(w0)+math.Abs(rho)) + lambda2*(w0*w0+rho*rho)
		},
		Subgradient: func(dst, w []float64) {
			for i, v := range w {
				dst[i] = lambda1*numeric.Sign(v) + 2*lambda2*v
			}
		},
		Convex: true, SparseMinimal: true,
	}
}

// SCOL2Norm is λ‖w‖₂ (not squared).
func SCOL2Norm(lambda float64) SCORegulariser {
	scoCheckLambda("SCOL2Norm", lambda)
	return SCORegulariser{
		Name: scoFmt(lambda) + "‖w‖₂", Family: "l2", Lambda: lambda,
		Value: func(w []float64) float64 { return lambda * math.Sqrt(numeric.Norm2Sq(w)) },
		Plane: func(w0, rho float64) float64 { return lambda * math.Hypot(w0, rho) },
		Subgradient: func(dst, w []float64) {
			n := math.Sqrt(numeric.Norm2Sq(w))
			for i, v := range w {
				if n > 0 {
					dst[i] = lambda * v / n
				} else {
					dst[i] = 0
				}
			}
		},
		Convex: true, SparseMinimal: true,
	}
}

// SCOLpNorm is λ‖w‖_p for p ≥ 1. Condition (C) holds for p ∈ [1, 2] (on a sphere of the
// u-block, ‖u‖_p ≥ ‖u‖₂ exactly when p ≤ 2); for p > 2 spread vectors have the smaller
// p-norm, so SparseMinimal is false.
func SCOLpNorm(lambda, p float64) SCORegulariser {
	scoCheckLambda("SCOLpNorm", lambda)
	if !(p >= 1) || math.IsInf(p, 0) {
		panic(fmt.Sprintf("algorithms: SCOLpNorm: p = %v, want finite p ≥ 1", p))
	}
	return SCORegulariser{
		Name: scoFmt(lambda) + "‖w‖_" + scoFmt(p), Family: "lp", Lambda: lambda, P: p,
		Value: func(w []float64) float64 { return lambda * scoNormP(w, p) },
		Plane: func(w0, rho float64) float64 { return lambda * scoNormP2(w0, rho, p) },
		Subgradient: func(dst, w []float64) {
			n := scoNormP(w, p)
			for i, v := range w {
				if n > 0 {
					dst[i] = lambda * numeric.Sign(v) * math.Pow(math.Abs(v)/n, p-1)
				} else {
					dst[i] = 0
				}
			}
		},
		Convex: true, SparseMinimal: p <= 2,
	}
}

// SCOUserRegulariser wraps a user's R. convex declares R convex (the certified 2-D solver and
// the §6.7 certificate rely on it); condition (C) is not assumed: callers check it with
// SCOCheckConditionC. subgrad may be nil.
func SCOUserRegulariser(name string, value func(w []float64) float64, subgrad func(dst, w []float64), convex bool) SCORegulariser {
	if value == nil {
		panic("algorithms: SCOUserRegulariser: nil value")
	}
	return SCORegulariser{Name: name, Family: "user", Value: value, Subgradient: subgrad, Convex: convex}
}

func scoNorm1(w []float64) float64 {
	s := 0.0
	for _, v := range w {
		s += math.Abs(v)
	}
	return s
}

// scoNormP is ‖w‖_p, scaled by max|w_i| so that the powers neither overflow nor underflow.
func scoNormP(w []float64, p float64) float64 {
	m := 0.0
	for _, v := range w {
		m = math.Max(m, math.Abs(v))
	}
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	s := 0.0
	for _, v := range w {
		s += scoPowP(math.Abs(v)/m, p)
	}
	return m * scoRootP(s, p)
}

// scoPowP is x^p for x ∈ [0, 1], exact-formula fast paths for the p the suite uses.
func scoPowP(x, p float64) float64 {
	switch p {
	case 1:
		return x
	case 1.5:
		return x * math.Sqrt(x)
	case 2:
		return x * x
	case 4:
		x2 := x * x
		return x2 * x2
	}
	return math.Pow(x, p)
}

// scoRootP is s^{1/p}.
func scoRootP(s, p float64) float64 {
	switch p {
	case 1:
		return s
	case 2:
		return math.Sqrt(s)
	case 4:
		return math.Sqrt(math.Sqrt(s))
	}
	return math.Pow(s, 1/p)
}

func scoNormP2(a, b, p float64) float64 {
	a, b = math.Abs(a), math.Abs(b)
	m := math.Max(a, b)
	if m == 0 || math.IsInf(m, 0) || math.IsNaN(m) {
		return m
	}
	return m * scoRootP(scoPowP(a/m, p)+scoPowP(b/m, p), p)
}

// SCOConditionCReport is the outcome of checking condition (C) by sampling.
type SCOConditionCReport struct {
	// Holds is false when some sampled u violates (C) beyond rounding.
	Holds bool
	// Checked is the number of (w_0, u, j) triples compared.
	Checked int
	// WorstGap is the largest R(w_0e_0 + ‖u‖e_j) − R(w_0e_0 + u) seen (> 0: a violation if
	// beyond Tolerance), and Witness the w_0e_0 + u that attains it.
	WorstGap, Tolerance float64
	Witness             []float64
}

// SCOCheckConditionC samples condition (C) in dimension dim ≥ 3: w_0 uniform in [−1, 1],
// u with a random support of size 2 … dim−1 (1-sparse u are trivially fine), random signs
// and magnitudes, scaled to a random radius ‖u‖ ≤ √(1 − w_0²); j and the sign of e_j random.
// A triple violates (C) when R(w_0e_0 + u) < R(w_0e_0 + ‖u‖e_j) − tol, with tol the rounding
// bound of the two evaluations. Sampling cannot prove (C); it can refute it.
func SCOCheckConditionC(r SCORegulariser, rng *rand.Rand, samples, dim int) SCOConditionCReport {
	if dim < 3 {
		panic(fmt.Sprintf("algorithms: SCOCheckConditionC: dim = %d, want ≥ 3", dim))
	}
	rep := SCOConditionCReport{Holds: true, WorstGap: math.Inf(-1)}
	w := make([]float64, dim)
	s := make([]float64, dim)
	for k := 0; k < samples; k++ {
		w0 := 2*rng.Float64() - 1
		rmax := math.Sqrt(math.Max(0, 1-w0*w0))
		for i := range w {
			w[i] = 0
		}
		w[0] = w0
		size := 2 + rng.IntN(dim-2)
		perm := rng.Perm(dim - 1)
		for _, i := range perm[:size] {
			w[1+i] = rng.NormFloat64()
		}
		rho := rmax * math.Sqrt(rng.Float64())
		un := math.Sqrt(numeric.Norm2Sq(w[1:]))
		if un == 0 {
			continue
		}
		for i := 1; i < dim; i++ {
			w[i] *= rho / un
		}
		rho = math.Sqrt(numeric.Norm2Sq(w[1:]))
		for i := range s {
			s[i] = 0
		}
		s[0] = w0
		j := 1 + rng.IntN(dim-1)
		s[j] = rho
		if rng.IntN(2) == 0 {
			s[j] = -rho
		}
		spread, sparse := r.Value(w), r.Value(s)
		gap := sparse - spread
		tol := 2 * r.relErr() * (math.Abs(spread) + math.Abs(sparse))
		rep.Checked++
		if gap > rep.WorstGap || math.IsNaN(gap) {
			rep.WorstGap, rep.Tolerance = gap, tol
			rep.Witness = append(rep.Witness[:0], w...)
		}
		if !(gap <= tol) {
			rep.Holds = false
		}
	}
	return rep
}

// SCOCheckConvexity samples the midpoint inequality R((x+y)/2) ≤ (R(x) + R(y))/2 on pairs in
// the unit ball of dimension dim; false refutes a declared convexity.
func SCOCheckConvexity(r SCORegulariser, rng *rand.Rand, samples, dim int) bool {
	x := make([]float64, dim)
	y := make([]float64, dim)
	m := make([]float64, dim)
	for k := 0; k < samples; k++ {
		scoRandomBall(rng, x)
		scoRandomBall(rng, y)
		for i := range m {
			m[i] = (x[i] + y[i]) / 2
		}
		rx, ry, rm := r.Value(x), r.Value(y), r.Value(m)
		tol := 2 * r.relErr() * (math.Abs(rx) + math.Abs(ry) + math.Abs(rm))
		if !(rm <= (rx+ry)/2+tol) {
			return false
		}
	}
	return true
}

// scoRandomBall writes a uniform point of the unit ball into x.
func scoRandomBall(rng *rand.Rand, x []float64) {
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	n := math.Sqrt(numeric.Norm2Sq(x))
	if n == 0 {
		return
	}
	r := math.Pow(rng.Float64(), 1/float64(len(x)))
	for i := range x {
		x[i] *= r / n
	}
}

// SCOSwapCertificate is the certificate of papers/sco.md §6.7 (derived) for a convex R that
// may violate condition (C). With the signal placed where R is largest — (k, σ) maximising
// R(σ a0 e_k), w* = σ a0 e_k — every spurious e_j has a sign with R(±a0 e_j) ≤ R(w*), and for
// a subgradient g ∈ ∂R(w*) with |g_k| ≤ c0, if a > c0 + c1, c1 > 0 and a0 > 0, every RERM
// solution on the bad event has excess ≥ c1(a − c0 − c1)a0/(a − c1 + ‖g_u‖), g_u the rest of g.
type SCOSwapCertificate struct {
	// OK says whether the conditions hold; Reason says which failed otherwise.
	OK     bool
	Reason string
	Bound  float64
	// Coord, Sign place the signal; RStar = R(w*); G0 = g_k and GuNorm = ‖g_u‖.
	Coord      int
	Sign       float64
	RStar      float64
	G0, GuNorm float64
	// ExactSubgradient is false when g came from central finite differences (R has no
	// Subgradient): the bound is then an estimate, not a certificate.
	ExactSubgradient bool
}

// SCOSwapBound evaluates the §6.7 certificate for R on instance p in dimension dim ≥ 2.
func SCOSwapBound(p SCORERMProblem, r SCORegulariser, dim int) SCOSwapCertificate {
	var c SCOSwapCertificate
	switch {
	case !r.Convex:
		c.Reason = "R is not declared convex (the certificate uses a subgradient inequality)"
		return c
	case !(p.C1 > 0):
		c.Reason = "c1 = 0: the excess would not be bounded below through ‖u‖"
		return c
	case !(p.A0 > 0):
		c.Reason = "a0 = 0: there is no signal to swap away from"
		return c
	case !(p.A > p.C0+p.C1):
		c.Reason = fmt.Sprintf("a = %.4g ≤ c0 + c1 = %.4g: the swap does not lower F_S", p.A, p.C0+p.C1)
		return c
	}
	w := make([]float64, dim)
	c.RStar = math.Inf(-1)
	for k := 0; k < dim; k++ {
		for _, sg := range [2]float64{1, -1} {
			w[k] = sg * p.A0
			if v := r.Value(w); v > c.RStar {
				c.RStar, c.Coord, c.Sign = v, k, sg
			}
			w[k] = 0
		}
	}
	w[c.Coord] = c.Sign * p.A0
	g := make([]float64, dim)
	if r.Subgradient != nil {
		r.Subgradient(g, w)
		c.ExactSubgradient = true
	} else {
		const h = 1e-6
		for i := range w {
			old := w[i]
			w[i] = old + h
			up := r.Value(w)
			w[i] = old - h
			dn := r.Value(w)
			w[i] = old
			g[i] = (up - dn) / (2 * h)
		}
	}
	c.G0 = g[c.Coord]
	for i, v := range g {
		if i != c.Coord {
			c.GuNorm += v * v
		}
	}
	c.GuNorm = math.Sqrt(c.GuNorm)
	if math.Abs(c.G0) > p.C0 {
		c.Reason = fmt.Sprintf("|g_0| = %.4g > c0 = %.4g: R is too steep at w* (use a B-type instance instead)", math.Abs(c.G0), p.C0)
		return c
	}
	c.OK = true
	c.Bound = p.C1 * (p.A - p.C0 - p.C1) * p.A0 / (p.A - p.C1 + c.GuNorm)
	return c
}
