package pep

import (
	"errors"
	"math"
	"math/big"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// This file is the automatic certificate search: a small interior-point SDP solver that looks
// for multipliers λ ≥ 0 of candidate inequalities such that the value terms of
// Claim − Σ λ_k·Ineq_k cancel and its quadratic residual R(λ) is as negative as possible,
//
//	maximise t  subject to  A λ = b,  λ ≥ 0,  −R(λ) − t·I ⪰ 0,
//
// solved by a primal log-barrier method with Newton steps on the equality-constrained
// problem. The solution is floating point: AutoCertificate rounds it to rationals, repairs
// the value equations exactly and hands the result to Check, so nothing the solver computes
// is trusted.

// SDPResult is the outcome of the float search.
type SDPResult struct {
	// Lambda are the multipliers found, one per candidate.
	Lambda []float64
	// T is the largest t reached: R(λ) ⪯ −t·I. T ≥ 0 (up to the solver's accuracy) means a
	// certificate exists over these candidates; T < 0 that none does.
	T float64
	// Newton counts Newton steps.
	Newton int
}

// ErrValuesCannotCancel reports a claim whose value terms no combination of the candidates
// can cancel: no certificate over them exists, whatever the quadratic part.
var ErrValuesCannotCancel = errors.New("no combination of these inequalities cancels the claim's function values")

// ErrNoFeasibleMultipliers reports that the solver found no nonnegative multipliers that
// cancel the claim's function values (numerical verdict).
var ErrNoFeasibleMultipliers = errors.New("no nonnegative multipliers of these inequalities cancel the claim's function values")

// sdpProblem is the floating-point form of a search.
type sdpProblem struct {
	n, k int
	qc   *mat.SymDense   // claim quadratic part
	q    []*mat.SymDense // candidates' quadratic parts
	a    *mat.Dense      // independent value equations, rows × k
	b    []float64
	cap  float64 // Σλ < cap keeps the barrier problem bounded
}

func symFloat(m *Sym) *mat.SymDense {
	out := mat.NewSymDense(m.n, nil)
	for i := 0; i < m.n; i++ {
		for j := i; j < m.n; j++ {
			v, _ := m.a[i*m.n+j].Float64()
			out.SetSym(i, j, v)
		}
	}
	return out
}

// valueEquations returns the value equations Σ_k λ_k a_k = c in reduced row-echelon form
// (exact), dropping redundant rows; ErrValuesCannotCancel when they are inconsistent.
// Columns are eliminated in the given order (nil: index order), so pivots land on the
// candidates listed first.
func valueEquations(claim Claim, cands []Inequality, order []int) ([][]big.Rat, []big.Rat, []int, error) {
	v := claim.Form.s.NumValues()
	k := len(cands)
	rows := make([][]big.Rat, v)
	rhs := make([]big.Rat, v)
	for i := 0; i < v; i++ {
		rows[i] = make([]big.Rat, k)
		for j, c := range cands {
			rows[i][j].Set(&c.Form.lin[i])
		}
		rhs[i].Set(&claim.Form.lin[i])
	}
	if order == nil {
		order = make([]int, k)
		for i := range order {
			order[i] = i
		}
	}
	var p big.Rat
	var pivots []int
	r := 0
	for _, col := range order {
		if r == v {
			break
		}
		piv := -1
		for i := r; i < v; i++ {
			if rows[i][col].Sign() != 0 {
				piv = i
				break
			}
		}
		if piv < 0 {
			continue
		}
		rows[r], rows[piv] = rows[piv], rows[r]
		rhs[r], rhs[piv] = rhs[piv], rhs[r]
		inv := new(big.Rat).Inv(&rows[r][col])
		for j := range rows[r] {
			rows[r][j].Mul(&rows[r][j], inv)
		}
		rhs[r].Mul(&rhs[r], inv)
		for i := 0; i < v; i++ {
			if i == r || rows[i][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(&rows[i][col])
			for j := range rows[i] {
				p.Mul(f, &rows[r][j])
				rows[i][j].Sub(&rows[i][j], &p)
			}
			p.Mul(f, &rhs[r])
			rhs[i].Sub(&rhs[i], &p)
		}
		pivots = append(pivots, col)
		r++
	}
	for i := r; i < v; i++ {
		if rhs[i].Sign() != 0 {
			return nil, nil, nil, ErrValuesCannotCancel
		}
	}
	return rows[:r], rhs[:r], pivots, nil
}

func newSDPProblem(claim Claim, cands []Inequality) (*sdpProblem, error) {
	rows, rhs, _, err := valueEquations(claim, cands, nil)
	if err != nil {
		return nil, err
	}
	p := &sdpProblem{n: claim.Form.s.NumVectors(), k: len(cands), qc: symFloat(claim.Form.Quad())}
	for _, c := range cands {
		p.q = append(p.q, symFloat(c.Form.Quad()))
	}
	p.a = mat.NewDense(max(len(rows), 1), p.k, nil)
	p.b = make([]float64, len(rows))
	for i := range rows {
		for j := range rows[i] {
			v, _ := rows[i][j].Float64()
			p.a.Set(i, j, v)
		}
		p.b[i], _ = rhs[i].Float64()
	}
	if len(rows) == 0 {
		p.a = nil
	}
	p.cap = 1e4 * float64(p.k+1)
	return p, nil
}

// slack returns S = −Q_C + Σ λ_k Q_k − t·I.
func (p *sdpProblem) slack(lam []float64, t float64) *mat.SymDense {
	s := mat.NewSymDense(p.n, nil)
	for i := 0; i < p.n; i++ {
		for j := i; j < p.n; j++ {
			v := -p.qc.At(i, j)
			for k, l := range lam {
				v += l * p.q[k].At(i, j)
			}
			if i == j {
				v -= t
			}
			s.SetSym(i, j, v)
		}
	}
	return s
}

// barrier returns Φ = −s·t − Σ log λ_k − log(cap − Σλ) − log det S, or +Inf outside the domain.
func (p *sdpProblem) barrier(lam []float64, t, s float64) (float64, *mat.Cholesky) {
	sum := 0.0
	phi := -s * t
	for _, l := range lam {
		if !(l > 0) {
			return math.Inf(1), nil
		}
		phi -= math.Log(l)
		sum += l
	}
	if !(sum < p.cap) {
		return math.Inf(1), nil
	}
	phi -= math.Log(p.cap - sum)
	var ch mat.Cholesky
	if !ch.Factorize(p.slack(lam, t)) {
		return math.Inf(1), nil
	}
	return phi - ch.LogDet(), &ch
}

// solve runs the barrier method and returns the last central point.
func (p *sdpProblem) solve() SDPResult {
	k, n := p.k, p.n
	lam := make([]float64, k)
	for i := range lam {
		lam[i] = 1
	}
	// Start with S ≻ 0: t below −‖Q_C‖_F − Σ‖Q_k‖_F.
	t := -mat.Norm(p.qc, 2) - 1
	for _, q := range p.q {
		t -= mat.Norm(q, 2)
	}
	res := SDPResult{}
	m := 0
	if p.a != nil {
		m, _ = p.a.Dims()
	}
	dim := k + 1 + m
	kkt := mat.NewDense(dim, dim, nil)
	rhs := mat.NewVecDense(dim, nil)
	grad := make([]float64, k+1)
	ws := make([]*mat.Dense, k)
	for i := range ws {
		ws[i] = mat.NewDense(n, n, nil)
	}
	var sinv mat.SymDense
	feasible := m == 0
	for s := 1.0; float64(k+n+1)/s > 1e-11; s *= 8 {
		if s > 1 && !feasible {
			break // the first stage could not satisfy the value equations with λ > 0
		}
		for iter := 0; iter < 60; iter++ {
			phi, ch := p.barrier(lam, t, s)
			if ch == nil {
				return p.finish(res, lam, t, feasible) // cannot happen: the line search keeps the domain
			}
			if err := ch.InverseTo(&sinv); err != nil {
				return p.finish(res, lam, t, feasible)
			}
			sum := 0.0
			for _, l := range lam {
				sum += l
			}
			capInv := 1 / (p.cap - sum)
			for i := 0; i < k; i++ {
				ws[i].Mul(&sinv, p.q[i])
				tr := 0.0
				for a := 0; a < n; a++ {
					tr += ws[i].At(a, a)
				}
				grad[i] = -1/lam[i] - tr + capInv
			}
			trS := 0.0
			for a := 0; a < n; a++ {
				trS += sinv.At(a, a)
			}
			grad[k] = -s + trS
			kkt.Zero()
			for i := 0; i < k; i++ {
				wi := ws[i].RawMatrix().Data
				for j := i; j < k; j++ {
					wj := ws[j].RawMatrix().Data
					h := 0.0 // tr(W_i W_j)
					for a := 0; a < n; a++ {
						for b := 0; b < n; b++ {
							h += wi[a*n+b] * wj[b*n+a]
						}
					}
					h += capInv * capInv
					if i == j {
						h += 1 / (lam[i] * lam[i])
					}
					kkt.Set(i, j, h)
					kkt.Set(j, i, h)
				}
				// ∂²/∂λ_i∂t = −tr(W_i S⁻¹)
				h := 0.0
				for a := 0; a < n; a++ {
					for b := 0; b < n; b++ {
						h += wi[a*n+b] * sinv.At(b, a)
					}
				}
				kkt.Set(i, k, -h)
				kkt.Set(k, i, -h)
			}
			htt := 0.0
			for a := 0; a < n; a++ {
				for b := 0; b < n; b++ {
					v := sinv.At(a, b)
					htt += v * v
				}
			}
			kkt.Set(k, k, htt)
			for r := 0; r < m; r++ {
				for j := 0; j < k; j++ {
					kkt.Set(k+1+r, j, p.a.At(r, j))
					kkt.Set(j, k+1+r, p.a.At(r, j))
				}
			}
			for i := 0; i <= k; i++ {
				rhs.SetVec(i, -grad[i])
			}
			for r := 0; r < m; r++ {
				v := 0.0
				for j := 0; j < k; j++ {
					v += p.a.At(r, j) * lam[j]
				}
				rhs.SetVec(k+1+r, p.b[r]-v) // the step restores A λ = b
			}
			var step mat.VecDense
			if err := step.SolveVec(kkt, rhs); err != nil {
				// An ill-conditioned system (mat.Condition) still gives a usable step late on
				// the central path; a singular one ends the search at the last point.
				var cond mat.Condition
				if !errors.As(err, &cond) || !numeric.VecFinite(step.RawVector().Data) {
					return p.finish(res, lam, t, feasible)
				}
			}
			res.Newton++
			dx := step.RawVector().Data[:k+1]
			dec := 0.0
			for i := range dx {
				dec -= grad[i] * dx[i]
			}
			// Backtrack: stay in the domain; once feasible, also decrease Φ (Armijo).
			a := 1.0
			next := make([]float64, k)
			var nt float64
			for ; a > 1e-14; a *= 0.5 {
				for i := range next {
					next[i] = lam[i] + a*dx[i]
				}
				nt = t + a*dx[k]
				np, _ := p.barrier(next, nt, s)
				if math.IsInf(np, 1) {
					continue
				}
				if !feasible || np <= phi-0.01*a*dec {
					break
				}
			}
			if a <= 1e-14 {
				break
			}
			lam, t = next, nt
			if !feasible && p.residual(lam) <= 1e-10*(1+p.bnorm()) {
				feasible = true
			}
			if feasible && dec/2 < 1e-12 {
				break
			}
		}
	}
	return p.finish(res, lam, t, feasible)
}

// finish records the last point when it satisfies the value equations.
func (p *sdpProblem) finish(res SDPResult, lam []float64, t float64, feasible bool) SDPResult {
	if feasible {
		res.Lambda, res.T = lam, t
	}
	return res
}

// NoCertificateError says the search found no certificate: the best residual bound t is
// negative beyond the solver's accuracy.
type NoCertificateError struct{ T float64 }

func (e *NoCertificateError) Error() string {
	return "no certificate over these inequalities: the best residual keeps an eigenvalue ≥ " + formatFloat(-e.T)
}

// AutoResult describes how an automatic certificate was obtained.
type AutoResult struct {
	SDP SDPResult
	// Den is the largest denominator the multipliers were rounded to (before the exact
	// repair of the value equations), 0 for their exact binary values.
	Den int64
	// Tried counts the roundings checked.
	Tried int
}

// AutoCertificate searches multipliers for the candidates with the SDP solver, rounds them
// to rationals (denominators 1, 10, …, 10⁹, then the binary values), repairs the value
// equations exactly by solving for the largest multipliers, and checks every rounding with
// Check until one passes. The returned proof is as trustworthy as any other: Check verified
// it exactly. A claim with no certificate gives *NoCertificateError (numerical verdict).
func AutoCertificate(claim Claim, cands []Inequality) (*Proof, AutoResult, error) {
	p, err := newSDPProblem(claim, cands)
	if err != nil {
		return nil, AutoResult{}, err
	}
	r := p.solve()
	ar := AutoResult{SDP: r}
	if r.Lambda == nil {
		return nil, ar, ErrNoFeasibleMultipliers
	}
	scale := 1.0
	for i := 0; i < p.n; i++ {
		for j := 0; j < p.n; j++ {
			scale = math.Max(scale, math.Abs(p.qc.At(i, j)))
		}
	}
	if r.T < -1e-6*scale {
		return nil, ar, &NoCertificateError{T: r.T}
	}
	// Pivot the value equations on the largest multipliers, so the repair moves those.
	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	sortByDesc(order, r.Lambda)
	rows, rhs, pivots, err := valueEquations(claim, cands, order)
	if err != nil {
		return nil, ar, err
	}
	lmax := 0.0
	for _, l := range r.Lambda {
		lmax = math.Max(lmax, l)
	}
	var lastErr error
	for _, den := range []int64{1, 10, 100, 1000, 10000, 100000, 1000000, 100000000, 1000000000, 0} {
		lam := make([]*big.Rat, len(cands))
		for i, l := range r.Lambda {
			switch {
			case l < 1e-9*lmax:
				lam[i] = new(big.Rat)
			case den == 0:
				lam[i] = new(big.Rat).SetFloat64(l)
			default:
				lam[i] = ApproxRat(l, den)
			}
		}
		isPivot := map[int]int{}
		for r, c := range pivots {
			isPivot[c] = r
		}
		// Row r of the reduced system: λ_pivot(r) + Σ_{non-pivot j} row_r[j] λ_j = rhs_r.
		var q big.Rat
		for row, c := range pivots {
			v := new(big.Rat).Set(&rhs[row])
			for j := range cands {
				if _, piv := isPivot[j]; piv || rows[row][j].Sign() == 0 {
					continue
				}
				q.Mul(&rows[row][j], lam[j])
				v.Sub(v, &q)
			}
			lam[c] = v
		}
		var terms []Term
		neg := false
		for i, l := range lam {
			if l.Sign() < 0 {
				neg = true
				break
			}
			if l.Sign() > 0 {
				terms = append(terms, Term{Weight: l, Ineq: cands[i]})
			}
		}
		ar.Tried++
		ar.Den = den
		if neg {
			lastErr = &CheckError{Part: PartMultiplier, Msg: "the exact repair of the value equations made a multiplier negative"}
			continue
		}
		pr, err := Check(claim, Certificate{Scale: big.NewRat(1, 1), Terms: terms})
		if err == nil {
			return pr, ar, nil
		}
		lastErr = err
	}
	return nil, ar, lastErr
}

func sortByDesc(idx []int, key []float64) {
	// insertion sort: a few hundred candidates at most
	for i := 1; i < len(idx); i++ {
		for j := i; j > 0 && key[idx[j]] > key[idx[j-1]]; j-- {
			idx[j], idx[j-1] = idx[j-1], idx[j]
		}
	}
}

// ApproxRat is the best rational approximation of x with denominator ≤ maxDen (continued
// fractions).
func ApproxRat(x float64, maxDen int64) *big.Rat {
	neg := x < 0
	x = math.Abs(x)
	var p0, q0, p1, q1 int64 = 0, 1, 1, 0
	r := x
	for range 64 {
		a := math.Floor(r)
		if a > 1e15 {
			break
		}
		ai := int64(a)
		p2, q2 := ai*p1+p0, ai*q1+q0
		if q2 > maxDen || q2 < 0 || p2 < 0 {
			break
		}
		p0, q0, p1, q1 = p1, q1, p2, q2
		if r-a < 1e-15 {
			break
		}
		r = 1 / (r - a)
	}
	if q1 == 0 {
		return new(big.Rat)
	}
	out := big.NewRat(p1, q1)
	if neg {
		out.Neg(out)
	}
	return out
}

func formatFloat(x float64) string { return big.NewFloat(x).Text('g', 4) }

// residual is ‖Aλ − b‖_∞.
func (p *sdpProblem) residual(lam []float64) float64 {
	if p.a == nil {
		return 0
	}
	m, _ := p.a.Dims()
	worst := 0.0
	for r := 0; r < m; r++ {
		v := -p.b[r]
		for j, l := range lam {
			v += p.a.At(r, j) * l
		}
		worst = math.Max(worst, math.Abs(v))
	}
	return worst
}

func (p *sdpProblem) bnorm() float64 {
	worst := 0.0
	for _, b := range p.b {
		worst = math.Max(worst, math.Abs(b))
	}
	return worst
}
