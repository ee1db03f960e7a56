package generators

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

type valueScaler interface {
	ValueScale(x []float64) float64
}

var (
	_ valueScaler = (*LeastSquares)(nil)
	_ valueScaler = (*Logistic)(nil)
	_ valueScaler = (*Huber)(nil)
	_ valueScaler = (*Poisson)(nil)
	_ valueScaler = (*LogSumExp)(nil)
	_ valueScaler = (*Quadratic)(nil)
	_ valueScaler = (*DoubleWell)(nil)
	_ valueScaler = (*Component)(nil)
)

// ---- 200-bit reference values ---------------------------------------------------------

const (
	refPrec  = 200
	workPrec = refPrec + 64 // guard bits for exp's squarings and log's Newton steps
)

func bnew() *big.Float                { return new(big.Float).SetPrec(workPrec) }
func bf(v float64) *big.Float         { return bnew().SetFloat64(v) }
func badd(a, b *big.Float) *big.Float { return bnew().Add(a, b) }
func bsub(a, b *big.Float) *big.Float { return bnew().Sub(a, b) }
func bmul(a, b *big.Float) *big.Float { return bnew().Mul(a, b) }
func bquo(a, b *big.Float) *big.Float { return bnew().Quo(a, b) }

// bdot returns Σ a_i b_i (products of doubles are exact in 106 bits).
func bdot(a, b []float64) *big.Float {
	s := bnew()
	for i, v := range a {
		s.Add(s, bmul(bf(v), bf(b[i])))
	}
	return s
}

// bexp returns e^x: x is halved k times until |x| < 2⁻¹⁰, the Taylor series summed to
// below 2^−workPrec relative, and the result squared k times.
func bexp(x *big.Float) *big.Float {
	z := bnew().Set(x)
	k := 0
	if z.Sign() != 0 {
		if e := z.MantExp(nil); e > -10 {
			k = e + 10
			z.SetMantExp(z, -k)
		}
	}
	sum, term := bf(1), bf(1)
	for i := 1; i < 1000; i++ {
		term = bquo(bmul(term, z), bf(float64(i)))
		sum.Add(sum, term)
		if term.Sign() == 0 || term.MantExp(nil) < sum.MantExp(nil)-workPrec-2 {
			break
		}
	}
	for ; k > 0; k-- {
		sum = bmul(sum, sum)
	}
	return sum
}

// blog returns log y for y > 0 by Halley's iteration z ← z + 2(y − e^z)/(y + e^z) (cubic)
// from the double-precision logarithm of y's mantissa and exponent.
func blog(y *big.Float) *big.Float {
	mant := bnew()
	e := y.MantExp(mant)
	mf, _ := mant.Float64()
	z := bf(math.Log(mf) + float64(e)*math.Ln2)
	for it := 0; it < 6; it++ {
		ez := bexp(z)
		z = badd(z, bquo(bmul(bf(2), bsub(y, ez)), badd(y, ez)))
	}
	return z
}

// blossValue returns ℓ(m, y) exactly as loss.value defines it, to ~200 bits.
func blossValue(l loss, m *big.Float, y float64) *big.Float {
	switch l.kind {
	case lossSquared:
		r := bsub(m, bf(y))
		return bmul(bf(0.5), bmul(r, r))
	case lossHuber:
		r := bsub(m, bf(y))
		r.Abs(r)
		d := bf(l.delta)
		if r.Cmp(d) <= 0 {
			return bmul(bf(0.5), bmul(r, r))
		}
		return bmul(d, bsub(r, bmul(bf(0.5), d)))
	case lossLogistic:
		t := bmul(bf(-y), m)
		et := bexp(t)
		if t.Cmp(bf(-40)) < 0 { // log(1 + u) = u − u²/2 + u³/3 − …, u < 1e-17
			u2 := bmul(et, et)
			return badd(bsub(et, bquo(u2, bf(2))), bquo(bmul(u2, et), bf(3)))
		}
		return blog(badd(bf(1), et))
	default:
		return bsub(bexp(m), bmul(bf(y), m))
	}
}

// refValue returns f(x) for inst with its stored data, to ~200 bits.
func refValue(inst Instance, x []float64) *big.Float {
	glmRef := func(g *glm) *big.Float {
		s := bnew()
		for i := 0; i < g.n; i++ {
			s.Add(s, blossValue(g.loss, bdot(g.row(i), x), g.y[i]))
		}
		return bquo(s, bf(float64(g.n)))
	}
	switch f := inst.(type) {
	case *LeastSquares:
		return glmRef(f.g)
	case *Logistic:
		return glmRef(f.g)
	case *Huber:
		return glmRef(f.g)
	case *Poisson:
		return glmRef(f.g)
	case *Component:
		return blossValue(f.loss, bdot(f.row, x), f.y)
	case *LogSumExp:
		u := make([]*big.Float, f.k)
		var top *big.Float
		for i := range u {
			u[i] = badd(bdot(f.a.RawRowView(i)[:f.d], x), bf(f.b[i]))
			if top == nil || u[i].Cmp(top) > 0 {
				top = u[i]
			}
		}
		s := bnew()
		for _, ui := range u {
			s.Add(s, bexp(bsub(ui, top)))
		}
		return badd(top, blog(s))
	case *Quadratic:
		s := bnew()
		col := make([]float64, f.d)
		for k := 0; k < f.d; k++ {
			mat.Col(col, k, f.q)
			w := bdot(col, x)
			s.Add(s, bmul(bf(f.lam[k]), bmul(w, w)))
		}
		s = bmul(bf(0.5), s)
		return badd(bsub(s, bdot(f.b, x)), bf(f.c))
	case *DoubleWell:
		s := bnew()
		for _, v := range x {
			w := bsub(bmul(bf(v), bf(v)), bf(1))
			s.Add(s, bmul(w, w))
		}
		return bquo(s, bf(4))
	}
	panic("refValue: unknown instance type")
}

// termCount is the n of the bound c·(n+d)·ε·ValueScale: samples, log-sum-exp terms, or 1.
func termCount(inst Instance) int {
	switch f := inst.(type) {
	case *LeastSquares:
		return f.N()
	case *Logistic:
		return f.N()
	case *Huber:
		return f.N()
	case *Poisson:
		return f.N()
	case *LogSumExp:
		return f.K()
	}
	return 1
}

// checkValueScale checks |fl(f(x)) − f(x)| ≤ 64·(n+d)·ε·ValueScale(x) against the 200-bit
// reference, and ValueScale(x) ≥ |Value(x)|.
func checkValueScale(t *rapid.T, inst Instance, what string, x []float64) {
	if !numeric.VecFinite(x) {
		return
	}
	v := inst.Value(x)
	s := inst.(valueScaler).ValueScale(x)
	if math.IsNaN(s) || !(s >= math.Abs(v)) {
		t.Fatalf("%v at %s x=%v: ValueScale = %g < |Value| = %g", inst, what, x, s, math.Abs(v))
	}
	if math.IsInf(v, 0) || math.IsInf(s, 0) {
		return
	}
	ref := refValue(inst, x)
	diff := bsub(bf(v), ref)
	errAbs, _ := diff.Abs(diff).Float64()
	bound := 64 * float64(termCount(inst)+inst.Dim()) * numeric.Eps * s
	if !(errAbs <= bound) {
		rf, _ := ref.Float64()
		t.Fatalf("%v at %s x=%v: |fl(f) − f| = %g > 64(n+d)ε·ValueScale = %g (f = %g, fl(f) = %g, ValueScale = %g)",
			inst, what, x, errAbs, bound, rf, v, s)
	}
}

type scaleCase struct {
	inst Instance
	what string
	x    []float64
}

func zeros(d int) []float64 { return make([]float64, d) }

// matVec returns Xθ in float64.
func matVec(X *mat.Dense, theta []float64) []float64 {
	var v mat.VecDense
	v.MulVec(X, mat.NewVecDense(len(theta), theta))
	return append([]float64(nil), v.RawVector().Data...)
}

// drawScaleCases draws an instance of family and points at which to evaluate it, including
// points near a minimiser where f (or its residuals) cancels to ≈ 0 while the terms are O(1)
// at the problem's scale. It returns nil for a degenerate draw.
func drawScaleCases(t *rapid.T, family string) []scaleCase {
	const maxN, maxD = 8, 6
	var cs []scaleCase
	add := func(inst Instance, what string, x []float64) {
		if x != nil {
			cs = append(cs, scaleCase{inst, what, x})
		}
	}
	ridge := func(inst Instance, tau float64) []float64 {
		x, ok := ridgePoint(inst, zeros(inst.Dim()), tau)
		if !ok {
			return nil
		}
		return x
	}
	switch family {
	case "least-squares", "huber", "component":
		var (
			f     Instance
			X     *mat.Dense
			delta float64
		)
		if family == "huber" {
			h, err := DrawHuber(t, maxN, maxD)
			if err != nil {
				return nil
			}
			f, X, delta = h, h.X(), h.Delta()
		} else {
			l, err := DrawLeastSquares(t, maxN, maxD)
			if err != nil {
				return nil
			}
			f, X = l, l.X()
			add(l, "minimiser", func() []float64 { x, _ := l.Minimizer(); return x }())
		}
		theta := DrawVector(t, "theta", f.Dim(), ThetaScale(f))
		// The consistent system y = Xθ: residuals ≈ 0 at θ, terms of order |x_ij θ_j|.
		var cons Instance
		if family == "huber" {
			h, err := NewHuber(X, matVec(X, theta), delta)
			if err != nil {
				return nil
			}
			cons = h
			i := rapid.IntRange(0, h.N()-1).Draw(t, "i")
			add(h.Component(i), "consistent θ", theta)
		} else {
			l, err := NewLeastSquares(X, matVec(X, theta))
			if err != nil {
				return nil
			}
			cons = l
			add(l, "consistent minimiser X⁺y", func() []float64 { x, _ := l.Minimizer(); return x }())
		}
		if family == "component" {
			i := rapid.IntRange(0, f.(*LeastSquares).N()-1).Draw(t, "i")
			add(f.(*LeastSquares).Component(i), "random", theta)
			add(cons.(*LeastSquares).Component(i), "consistent θ", theta)
			return cs
		}
		add(f, "random", theta)
		add(cons, "consistent θ", theta)
	case "logistic":
		f, err := DrawLogistic(t, maxN, maxD)
		if err != nil {
			return nil
		}
		theta := DrawVector(t, "theta", f.Dim(), ThetaScale(f))
		add(f, "random", theta)
		add(f, "near-minimiser", ridge(f, 1e4/f.Smoothness()))
		i := rapid.IntRange(0, f.N()-1).Draw(t, "i")
		add(f.Component(i), "random", theta)
	case "poisson":
		f, err := DrawPoisson(t, maxN, maxD)
		if err != nil {
			return nil
		}
		theta := f.DrawStart(t, "theta")
		add(f, "start", theta)
		add(f, "near-minimiser", ridge(f, 1e2/f.Smoothness()))
		i := rapid.IntRange(0, f.N()-1).Draw(t, "i")
		add(f.Component(i), "start", theta)
	case "log-sum-exp":
		f, err := DrawLogSumExp(t, maxN, maxD)
		if err != nil {
			return nil
		}
		theta := DrawVector(t, "theta", f.Dim(), ThetaScale(f)*drawPow10(t, "log10_theta_rel", -1, 2))
		add(f, "random", theta)
		add(f, "near-minimiser", ridge(f, 1e4/f.Smoothness()))
		// b shifted by −f(θ): f(θ) ≈ 0 while the margins are not.
		b := f.B()
		v := f.Value(theta)
		for i := range b {
			b[i] -= v
		}
		if g, err := NewLogSumExp(f.A(), b); err == nil {
			add(g, "shifted to f ≈ 0", theta)
		}
	case "quadratic":
		f, err := DrawQuadratic(t, maxD)
		if err != nil {
			return nil
		}
		theta := DrawVector(t, "theta", f.Dim(), ThetaScale(f))
		add(f, "random", theta)
		if x, ok := f.Minimizer(); ok {
			add(f, "minimiser", x)
		}
		vals, q := f.Eigen()
		if vals[0] == 0 { // a null-space direction: Qᵀx has O(1) terms but ½xᵀHx ≈ 0
			x := make([]float64, f.Dim())
			mat.Col(x, 0, q)
			s := drawPow10(t, "log10_null_scale", -3, 3)
			for j := range x {
				x[j] *= s
			}
			if g, err := NewQuadratic(vals, q, nil, 0); err == nil {
				add(g, "null space", x)
			}
		}
		// c = −f(θ) + c: f(θ) ≈ 0 by cancellation between ½θᵀHθ, bᵀθ and c.
		if g, err := NewQuadratic(vals, q, f.B(), f.C()-f.Value(theta)); err == nil {
			add(g, "shifted to f ≈ 0", theta)
		}
	case "double-well":
		f := DrawDoubleWell(t, maxD)
		add(f, "random", DrawVector(t, "theta", f.Dim(), f.Box()))
		u := DrawVector(t, "perturbation", f.Dim(), drawPow10(t, "log10_perturbation", -12, -1))
		signs := rapid.SliceOfN(rapid.SampledFrom([]float64{1, -1}), f.Dim(), f.Dim()).Draw(t, "wells")
		for j := range u {
			u[j] += signs[j]
		}
		add(f, "near the wells", u)
	}
	return cs
}

// TestValueScaleBoundsRounding: for drawn instances of every type, at random points and at
// points near a minimiser where f cancels to ≈ 0, the error of Value against a 200-bit
// reference is at most 64·(n+d)·ε·ValueScale(x), and ValueScale(x) ≥ |Value(x)|.
func TestValueScaleBoundsRounding(t *testing.T) {
	for _, family := range []string{"least-squares", "huber", "component", "logistic", "poisson", "log-sum-exp", "quadratic", "double-well"} {
		t.Run(family, func(t *testing.T) {
			var checked int
			rapid.Check(t, func(t *rapid.T) {
				for _, c := range drawScaleCases(t, family) {
					checkValueScale(t, c.inst, c.what, c.x)
					checked++
				}
			})
			if checked == 0 {
				t.Errorf("%s: no case checked", family)
			}
		})
	}
}

// TestValueScaleCatchesCancellation: at the consistent least-squares solution f ≈ 0, yet
// ValueScale stays at the size of the terms, and fl(f) is within its bound.
func TestValueScaleCatchesCancellation(t *testing.T) {
	X := matOf(3, 2, 1, 2, 3, 4, 5, 6)
	theta := []float64{0.1, -0.3}
	f := must(NewLeastSquares(X, matVec(X, theta)))
	v, s := f.Value(theta), f.ValueScale(theta)
	if !(v < 1e-25) || !(s > 0.1) {
		t.Errorf("consistent least squares: Value = %g, ValueScale = %g; want ≈ 0 and O(1)", v, s)
	}
	dw := NewDoubleWell(3, 2)
	if s := dw.ValueScale([]float64{1, -1, 1}); s != 3 {
		t.Errorf("double well at the wells: ValueScale = %g, want 3", s)
	}
}

// TestValueScaleDoesNotAllocate: ValueScale allocates nothing, for every instance type.
func TestValueScaleDoesNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	seen := map[string]bool{}
	for _, ni := range fixedInstances() {
		inst := ni.inst
		vs, ok := inst.(valueScaler)
		if !ok {
			t.Errorf("%s: no ValueScale", ni.name)
			continue
		}
		x := pointFor(rng, inst)
		var sink float64
		if a := testing.AllocsPerRun(50, func() { sink += vs.ValueScale(x) }); a != 0 {
			t.Errorf("%s: ValueScale allocates %v times per call", ni.name, a)
		}
		_ = sink
		switch inst.(type) {
		case *LeastSquares:
			seen["LeastSquares"] = true
		case *Logistic:
			seen["Logistic"] = true
		case *Huber:
			seen["Huber"] = true
		case *Poisson:
			seen["Poisson"] = true
		case *LogSumExp:
			seen["LogSumExp"] = true
		case *Quadratic:
			seen["Quadratic"] = true
		case *DoubleWell:
			seen["DoubleWell"] = true
		case *Component:
			seen["Component"] = true
		}
	}
	if len(seen) != 8 {
		t.Errorf("allocation test covered only %v", seen)
	}
}
