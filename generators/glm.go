package generators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// lossKind selects the per-sample loss ℓ(m, y) of a generalised linear instance, as a
// function of the margin m = x_iᵀθ.
type lossKind uint8

const (
	lossSquared  lossKind = iota // ½(m − y)²                 ℓ'' = 1
	lossLogistic                 // log(1 + exp(−y m)), y = ±1  ℓ'' ≤ ¼
	lossHuber                    // huber_δ(m − y)              ℓ'' ∈ {0, 1}
	lossPoisson                  // exp(m) − y m                ℓ'' = exp(m), unbounded
)

// loss is ℓ with its parameters: value, derivative and second derivative in the margin.
type loss struct {
	kind  lossKind
	delta float64 // Huber threshold δ > 0
}

func (l loss) value(m, y float64) float64 {
	switch l.kind {
	case lossSquared:
		r := m - y
		return 0.5 * r * r
	case lossLogistic:
		return numeric.Log1pExp(-y * m)
	case lossHuber:
		r := math.Abs(m - y)
		if r <= l.delta {
			return 0.5 * r * r
		}
		return l.delta * (r - 0.5*l.delta)
	default:
		return math.Exp(m) - y*m
	}
}

func (l loss) deriv(m, y float64) float64 {
	switch l.kind {
	case lossSquared:
		return m - y
	case lossLogistic:
		return -y * numeric.Sigmoid(-y*m)
	case lossHuber:
		return math.Max(-l.delta, math.Min(l.delta, m-y))
	default:
		return math.Exp(m) - y
	}
}

// termScale returns the magnitude of the terms that evaluating ℓ(m, y) combines, for a
// computed margin m = fl(x_iᵀθ) whose terms x_ijθ_j have absolute sum a, so that the
// rounding error of fl(ℓ(m, y)) — the margin's γ_d·a passed through ℓ', plus ℓ's own
// operations — is at most c·(d+1)·Eps times it:
//
//	squared, Huber  (|r| + A)·A with A = |y| + a, r = m − y: the residual errs by γ_{d+1}·A,
//	                ℓ's slope there is at most |r| + γ·A (Huber: min(δ, that)), ℓ ≤ r²/2
//	logistic        a + ℓ: |ℓ'| ≤ 1, and ℓ ≥ 0 is evaluated to a few ulps relative
//	Poisson         (e^m + y)·a + e^m + |y·m|: |ℓ'| ≤ e^m + y (up to the factor e^{γ_d·a},
//	                ≤ e while the margin has any accuracy at all), and e^m − y·m may cancel
//
// It is at least |ℓ(m, y)| up to a factor 1 + O(d·Eps).
func (l loss) termScale(m, y, a float64) float64 {
	switch l.kind {
	case lossSquared, lossHuber:
		A := a + math.Abs(y)
		return (math.Abs(m-y) + A) * A
	case lossLogistic:
		return a + math.Abs(l.value(m, y))
	default:
		e := math.Exp(m)
		return (e+math.Abs(y))*a + e + math.Abs(y*m)
	}
}

// curv is ℓ”(m) (for Huber: the almost-everywhere value, 1 inside the band and 0 outside).
func (l loss) curv(m, y float64) float64 {
	switch l.kind {
	case lossSquared:
		return 1
	case lossLogistic:
		return numeric.Sigmoid(m) * numeric.Sigmoid(-m) // σ(1−σ) without cancellation
	case lossHuber:
		if math.Abs(m-y) <= l.delta {
			return 1
		}
		return 0
	default:
		return math.Exp(m)
	}
}

// beta is sup ℓ” (the factor in L = β·λ_max(XᵀX)/n); +Inf for Poisson.
func (l loss) beta() float64 {
	switch l.kind {
	case lossLogistic:
		return 0.25
	case lossPoisson:
		return math.Inf(1)
	default:
		return 1
	}
}

// glm is the engine shared by the generalised linear instances f(θ) = (1/n) Σ ℓ(x_iᵀθ, y_i):
// the owned design, the certified spectral constant of XᵀX and the scratch buffer that keeps
// Value and Grad free of allocations (two matrix–vector products per gradient).
type glm struct {
	loss
	x     *mat.Dense     // n×d, owned, never modified
	raw   blas64.General // x's storage, for Gemv
	y     []float64      // owned
	n, d  int
	m     []float64 // scratch, len n: margins, then weights
	gram  float64   // certified upper bound on λ_max(XᵀX)
	frob2 float64   // certified upper bound on ‖X‖_F²
}

func newGLM(l loss, X *mat.Dense, y []float64) (*glm, error) {
	if X == nil || X.IsEmpty() {
		return nil, fmt.Errorf("generators: empty design matrix")
	}
	n, d := X.Dims()
	if len(y) != n {
		return nil, fmt.Errorf("generators: len(y) = %d but X has %d rows", len(y), n)
	}
	x := mat.DenseCopyOf(X)
	g := &glm{
		loss: l,
		x:    x,
		raw:  x.RawMatrix(),
		y:    append([]float64(nil), y...),
		n:    n,
		d:    d,
		m:    make([]float64, n),
	}
	if !denseFinite(x) || !numeric.VecFinite(g.y) {
		return nil, degenerate("non-finite data")
	}
	gram, ok := numeric.CertifiedGramMaxEig(x)
	if !ok {
		return nil, degenerate("λ_max(XᵀX) not certifiable")
	}
	g.gram = gram
	all := make([]float64, 0, n*d)
	for i := 0; i < n; i++ {
		all = append(all, g.row(i)...)
	}
	g.frob2 = numeric.CertifiedNorm2Sq(all)
	return g, nil
}

// row returns x_i as a view (read-only).
func (g *glm) row(i int) []float64 {
	return g.raw.Data[i*g.raw.Stride : i*g.raw.Stride+g.d : i*g.raw.Stride+g.d]
}

func vec(v []float64) blas64.Vector { return blas64.Vector{N: len(v), Inc: 1, Data: v} }

// margins sets g.m = Xθ.
func (g *glm) margins(theta []float64) {
	checkLen("θ", theta, g.d)
	blas64.Gemv(blas.NoTrans, 1, g.raw, vec(theta), 0, vec(g.m))
}

func (g *glm) value(theta []float64) float64 {
	g.margins(theta)
	// Neumaier summation: the sum's error does not grow with n.
	var s, c float64
	for i, mi := range g.m {
		v := g.loss.value(mi, g.y[i])
		t := s + v
		if math.Abs(s) >= math.Abs(v) {
			c += (s - t) + v
		} else {
			c += (v - t) + s
		}
		s = t
	}
	return (s + c) / float64(g.n)
}

// valueScale returns max((1/n) Σ_i termScale(fl(x_iᵀθ), y_i, Σ_j |x_ijθ_j|), |fl(f(θ))|):
// the magnitude of the terms value sums, against which its rounding error is
// O((n+d)·Eps) (the compensated sum adds only O(Eps) relative). No allocation.
func (g *glm) valueScale(theta []float64) float64 {
	v := g.value(theta) // leaves the margins in g.m
	var s float64
	for i, mi := range g.m {
		var a float64
		for j, xij := range g.row(i) {
			a += math.Abs(xij * theta[j])
		}
		s += g.loss.termScale(mi, g.y[i], a)
	}
	return scaleAtLeast(s/float64(g.n), v)
}

func (g *glm) grad(dst, theta []float64) {
	checkLen("dst", dst, g.d)
	g.margins(theta)
	nf := float64(g.n)
	for i, mi := range g.m {
		g.m[i] = g.loss.deriv(mi, g.y[i]) / nf
	}
	blas64.Gemv(blas.Trans, 1, g.raw, vec(g.m), 0, vec(dst))
}

// hessianAt returns Xᵀ diag(ℓ”(Xθ)) X / n (for Huber the almost-everywhere Hessian).
func (g *glm) hessianAt(theta []float64) *mat.SymDense {
	g.margins(theta)
	w := mat.DenseCopyOf(g.x)
	nf := float64(g.n)
	for i, mi := range g.m {
		s := math.Sqrt(g.loss.curv(mi, g.y[i]) / nf)
		row := w.RawRowView(i)
		for j := range row {
			row[j] *= s
		}
	}
	h := mat.NewSymDense(g.d, nil)
	h.SymOuterK(1, w.T())
	return h
}

// gramHessian returns XᵀX/n.
func (g *glm) gramHessian() *mat.SymDense {
	h := mat.NewSymDense(g.d, nil)
	h.SymOuterK(1/float64(g.n), g.x.T())
	return h
}

// gradErrBound returns a bound on ‖fl(∇f(x)) − ∇f(x)‖, the rounding error of grad at x
// (γ_k = (k+1)·Eps, generous):
//
//	e1 = β'·‖X‖_F²·γ_d·‖x‖/n      margin errors |δm_i| ≤ γ_d(|X||x|)_i, through ℓ'' ≤ β'
//	e2 = (8·Eps + γ_n)·‖X‖_F·‖w‖   evaluating w_i = ℓ'(m_i)/n, then the product Xᵀw
//
// For Poisson β' = max_i exp(m_i + γ_d‖X‖_F‖x‖). It leaves the weights w in g.m.
func (g *glm) gradErrBound(x []float64) float64 {
	checkLen("x", x, g.d)
	g.margins(x)
	d, n := float64(g.d), float64(g.n)
	gd, gn := (d+1)*numeric.Eps, (n+1)*numeric.Eps
	rootF := math.Sqrt(g.frob2) * (1 + numeric.Eps)
	normX := numeric.Norm2(x)
	beta := g.loss.beta()
	if g.kind == lossPoisson {
		beta = 0
		slack := gd * rootF * normX
		for _, mi := range g.m {
			beta = math.Max(beta, math.Exp(mi+slack))
		}
		beta *= 1 + 4*numeric.Eps
	}
	for i, mi := range g.m {
		g.m[i] = g.loss.deriv(mi, g.y[i]) / n
	}
	e1 := beta * rootF * rootF * gd * normX / n
	e2 := (8*numeric.Eps + gn) * rootF * numeric.Norm2(g.m)
	return (e1 + e2) * (1 + 1e-6)
}

// ridgeGap returns a certified upper bound on h(x) − min h for the ridge objective
// h(θ) = f(θ) + ‖θ − c‖²/(2τ), which is μ-strongly convex with μ = 1/τ, so that
// h(x) − min h ≤ ‖∇h(x)‖²/(2μ) = τ‖∇h(x)‖²/2. See ridgeGapFrom.
func (g *glm) ridgeGap(center []float64, tau float64, x []float64) float64 {
	checkLen("center", center, g.d)
	gf := make([]float64, g.d)
	g.grad(gf, x)
	return ridgeGapFrom(gf, g.gradErrBound(x), center, tau, x)
}

// ridgeGapFrom turns a computed gradient gf = fl(∇f(x)) with error at most gradErr into the
// certified bound τ/2·(‖fl(∇h)‖·(1 + (d+2)·Eps) + gradErr + e3)², rounded up, where
// e3 = 3·Eps·(‖x − c‖/τ + ‖gf‖) covers forming (x − c)/τ and the sum ∇f + (x − c)/τ.
func ridgeGapFrom(gf []float64, gradErr float64, center []float64, tau float64, x []float64) float64 {
	d := len(x)
	diff := make([]float64, d)
	numeric.SubTo(diff, x, center)
	gh := make([]float64, d)
	for j := range gh {
		gh[j] = gf[j] + diff[j]/tau
	}
	e3 := 3 * numeric.Eps * (numeric.Norm2(diff)/tau + numeric.Norm2(gf))
	r := numeric.Norm2(gh)*(1+float64(d+2)*numeric.Eps) + (gradErr+e3)*(1+1e-6)
	return numeric.MulUp(numeric.MulUp(r, r), tau/2)
}

// newtonProblem describes a twice-differentiable f for the damped Newton ridge solver.
type newtonProblem struct {
	d     int
	value func(x []float64) float64
	grad  func(dst, x []float64)
	hess  func(x []float64) *mat.SymDense
}

// ridgeNewton minimises h(θ) = f(θ) + ‖θ − c‖²/(2τ) by Newton's method with Armijo
// backtracking, started at c. h is (1/τ)-strongly convex, so the method converges globally
// and quadratically near the minimiser. It stops after maxIter iterations, when the
// Cholesky factorisation of ∇²h fails, or when the line search can no longer decrease h
// (the rounding floor). The accuracy reached is reported separately by a certificate.
func ridgeNewton(p newtonProblem, center []float64, tau float64, maxIter int) []float64 {
	d := p.d
	x := append([]float64(nil), center...)
	h := func(z []float64) float64 {
		return p.value(z) + numeric.Dist2Sq(z, center)/(2*tau)
	}
	gh := make([]float64, d)
	trial := make([]float64, d)
	rhs := mat.NewVecDense(d, nil)
	var dir mat.VecDense
	var chol mat.Cholesky
	hx := h(x)
	for it := 0; it < maxIter; it++ {
		p.grad(gh, x)
		for j := range gh {
			gh[j] += (x[j] - center[j]) / tau
		}
		if numeric.Norm2(gh) == 0 || !numeric.VecFinite(gh) {
			break
		}
		H := p.hess(x)
		for j := 0; j < d; j++ {
			H.SetSym(j, j, H.At(j, j)+1/tau)
		}
		if !chol.Factorize(H) {
			break
		}
		for j, v := range gh {
			rhs.SetVec(j, -v)
		}
		if err := chol.SolveVecTo(&dir, rhs); err != nil && !numeric.VecFinite(dir.RawVector().Data) {
			break
		}
		step := dir.RawVector().Data
		slope := numeric.Dot(gh, step)
		if !(slope < 0) {
			break
		}
		accepted := false
		for s := 1.0; s > 0x1p-40; s /= 2 {
			numeric.AxpyTo(trial, s, step, x)
			ht := h(trial)
			if ht <= hx+1e-4*s*slope {
				copy(x, trial)
				hx = ht
				accepted = true
				break
			}
		}
		if !accepted {
			break
		}
	}
	return x
}

func (g *glm) newtonProblem() newtonProblem {
	return newtonProblem{d: g.d, value: g.value, grad: g.grad, hess: g.hessianAt}
}

// ridge solves the ridge problem by Newton and returns the solution with its certified gap.
func (g *glm) ridge(center []float64, tau float64) ([]float64, float64, bool) {
	checkLen("center", center, g.d)
	if !(tau > 0) || math.IsInf(tau, 0) || !numeric.VecFinite(center) {
		return nil, math.NaN(), false
	}
	x := ridgeNewton(g.newtonProblem(), center, tau, 100)
	gap := g.ridgeGap(center, tau, x)
	if !numeric.VecFinite(x) || math.IsNaN(gap) || math.IsInf(gap, 0) {
		return nil, math.NaN(), false
	}
	return x, gap, true
}

// linfSmoothness returns β·max_i ‖x_i‖_∞², rounded up: with ℓ” ≤ β, |∇²f_jk| ≤
// β·max_i |x_ij||x_ik|, so ‖∇f(θ) − ∇f(θ')‖_∞ ≤ β·max_i‖x_i‖_∞²·‖θ − θ'‖₁.
func (g *glm) linfSmoothness() float64 {
	m := maxAbsDense(g.x)
	return numeric.MulUp(numeric.MulUp(m, m), g.loss.beta())
}

// rowNorm2Upper returns a certified upper bound on ‖x_i‖².
func (g *glm) rowNorm2Upper(i int) float64 { return numeric.CertifiedNorm2Sq(g.row(i)) }

// smallData reports whether all n·d + n numbers fit in a counterexample line.
func (g *glm) smallData() bool { return g.n*g.d+g.n <= printLimit }

func (g *glm) describe(name, formula, extra string, L float64) string {
	if g.smallData() {
		return fmt.Sprintf("%s %s with n=%d, d=%d, X=%s, y=%s%s; L=%s", name, formula, g.n, g.d, fmtMat(g.x), fmtVec(g.y), extra, fmtG(L))
	}
	return fmt.Sprintf("%s %s with n=%d, d=%d, max|X_ij|=%s, max|y_i|=%s%s (data not printed); L=%s", name, formula, g.n, g.d, fmtG(maxAbsDense(g.x)), fmtG(numeric.NormInf(g.y)), extra, fmtG(L))
}

// component returns f_i as an Instance.
func (g *glm) component(name string, i int, L float64) *Component {
	if i < 0 || i >= g.n {
		panic(fmt.Sprintf("generators: component %d out of range [0, %d)", i, g.n))
	}
	return &Component{name: fmt.Sprintf("%s[%d]", name, i), loss: g.loss, i: i, row: g.row(i), y: g.y[i], l: L}
}

// Component is one summand f_i(θ) = ℓ(x_iᵀθ, y_i) of a finite-sum GLM instance
// f = (1/n) Σ f_i, for stochastic methods. It shares (read-only) its parent's data and has no
// scratch, so it is safe for concurrent use.
type Component struct {
	name string
	loss
	i   int
	row []float64
	y   float64
	l   float64
}

// Dim returns d.
func (c *Component) Dim() int { return len(c.row) }

// Index returns i.
func (c *Component) Index() int { return c.i }

// Value returns f_i(θ).
func (c *Component) Value(theta []float64) float64 {
	return c.loss.value(numeric.Dot(c.row, theta), c.y)
}

// ValueScale returns the magnitude of the terms Value(θ) combines — an S with
// |fl(f_i(θ)) − f_i(θ)| ≤ c·(1+d)·ε·S for a modest constant c — so that callers can judge
// rounding against it rather than against a possibly cancelled |f_i(θ)|. With
// a = Σ_j |x_ijθ_j| and the computed residual r = x_iᵀθ − y_i it is (|r| + a + |y_i|)·(a + |y_i|)
// for least squares and Huber, a + f_i(θ) for logistic regression and
// (e^m + y_i)·a + e^m + |y_i·m| (m = x_iᵀθ) for Poisson; never below |Value(θ)|. No
// allocation.
func (c *Component) ValueScale(theta []float64) float64 {
	checkLen("θ", theta, len(c.row))
	m := numeric.Dot(c.row, theta)
	var a float64
	for j, v := range c.row {
		a += math.Abs(v * theta[j])
	}
	return scaleAtLeast(c.loss.termScale(m, c.y, a), c.loss.value(m, c.y))
}

// Grad writes ∇f_i(θ) = ℓ'(x_iᵀθ, y_i)·x_i into dst (which may alias θ). No allocation.
func (c *Component) Grad(dst, theta []float64) {
	checkLen("dst", dst, len(c.row))
	s := c.loss.deriv(numeric.Dot(c.row, theta), c.y)
	for j, v := range c.row {
		dst[j] = s * v
	}
}

// gradErrBound bounds the rounding error of Grad at θ: the margin's γ_d·‖x_i‖‖θ‖ through
// ℓ” ≤ β' (Poisson: exp(m + δm)), plus 4·Eps·|ℓ'|·‖x_i‖.
func (c *Component) gradErrBound(theta []float64) float64 {
	m := numeric.Dot(c.row, theta)
	nr := numeric.Norm2(c.row)
	dm := float64(len(c.row)+1) * numeric.Eps * nr * numeric.Norm2(theta)
	beta := c.loss.beta()
	if c.kind == lossPoisson {
		beta = math.Exp(m+dm) * (1 + 4*numeric.Eps)
	}
	return (beta*dm*nr + 4*numeric.Eps*math.Abs(c.loss.deriv(m, c.y))*nr) * (1 + 1e-6)
}

// Name returns e.g. "least-squares[3]".
func (c *Component) Name() string { return c.name }

// Smoothness returns the certified β·‖x_i‖² (for a Poisson component: the local bound on the
// parent's ball; see Poisson.Component).
func (c *Component) Smoothness() float64 { return c.l }

// Convex returns true.
func (c *Component) Convex() bool { return true }

// String describes f_i exactly.
func (c *Component) String() string {
	if len(c.row) <= printLimit {
		return fmt.Sprintf("%s f_i(θ) = ℓ(x_iᵀθ, y_i) with x_i=%s, y_i=%s; L=%s", c.name, fmtVec(c.row), fmtG(c.y), fmtG(c.l))
	}
	return fmt.Sprintf("%s f_i(θ) = ℓ(x_iᵀθ, y_i) with d=%d, max|x_ij|=%s, y_i=%s; L=%s", c.name, len(c.row), fmtG(numeric.NormInf(c.row)), fmtG(c.y), fmtG(c.l))
}
