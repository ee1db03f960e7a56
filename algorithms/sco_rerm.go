package algorithms

import (
	"fmt"
	"math"
)

// SCORERMProblem holds the parameters (c0, c1, a, a0) of the SCO instance
// I(c0, c1, a, a0; N) of papers/sco.md §6.1 (derived there, not the paper's construction):
//
//	f(w; y) = c0|w_0 − a0| + c1‖u‖ + a(‖u_P(y)‖ − ‖u_N(y)‖),   w = (w_0, u) in the unit ball.
//
// On the bad event E (some spurious coordinate is −1 in every sample), every RERM solution
// of F_S + R, for R satisfying condition (C), projects through (w_0, ‖u‖) onto the minimisers
// of the 2-D function
//
//	φ(w_0, ρ) = c0|w_0 − a0| + (c1 − a)ρ + G(w_0, ρ),   G(w_0, ρ) = R(w_0 e_0 + ρ e_1),
//
// over D = {w_0² + ρ² ≤ 1, ρ ≥ 0}, and its excess risk is h(w_0, ρ) = c0|w_0 − a0| + c1ρ.
type SCORERMProblem struct{ C0, C1, A, A0 float64 }

// Phi returns φ(w_0, ρ).
func (p SCORERMProblem) Phi(r SCORegulariser, w0, rho float64) float64 {
	return p.C0*math.Abs(w0-p.A0) + (p.C1-p.A)*rho + r.G(w0, rho)
}

// Excess returns h(w_0, ρ) = c0|w_0 − a0| + c1ρ, the excess risk F(w) − F* of any w with
// that w_0 and ‖u‖ = ρ.
func (p SCORERMProblem) Excess(w0, rho float64) float64 {
	return p.C0*math.Abs(w0-p.A0) + p.C1*rho
}

func (p SCORERMProblem) String() string {
	return fmt.Sprintf("(c0, c1, a, a0) = (%s, %s, %s, %s)", scoFmt(p.C0), scoFmt(p.C1), scoFmt(p.A), scoFmt(p.A0))
}

// SCORERM2D is the solution of the 2-D RERM problem to a stated δ.
//
// When Certified, the numbers are rigorous despite rounding: MinLower ≤ min_D φ ≤ MinUpper,
// and every (w_0, ρ) ∈ D with φ(w_0, ρ) ≤ Target = MinUpper + Delta — so every δ-approximate
// minimiser — has h(w_0, ρ) ≥ ExcessLower. (WitnessW0, WitnessRho) is a point of D with
// φ ≤ Target and h = ExcessUpper, so ExcessUpper − ExcessLower measures how tight the bound
// is. The certificate uses only convexity of φ on D (R convex) and evaluations: the secant
// through two evaluated points, extended beyond them, lies below a convex function (see
// sco_envelope.go); refinement continues until the gaps are below the requested accuracy
// or the node budget is spent (the gaps are reported either way).
type SCORERM2D struct {
	Problem SCORERMProblem
	Reg     string
	Delta   float64
	// MinLower ≤ min φ ≤ MinUpper; (ArgW0, ArgRho) attains MinUpper (up to rounding).
	MinLower, MinUpper float64
	ArgW0, ArgRho      float64
	// Target = MinUpper + Delta ≥ min φ + δ.
	Target float64
	// ExcessLower ≤ h on {φ ≤ Target}; ExcessUpper = h(WitnessW0, WitnessRho).
	ExcessLower, ExcessUpper float64
	WitnessW0, WitnessRho    float64
	// Certified is false when R is not declared convex: then every number is an estimate
	// from a dense polar grid, and Method says so.
	Certified bool
	Method    string
	// Nodes is the number of w_0 values solved; Evals the number of φ evaluations.
	Nodes, Evals int
}

// SCORERMOptions sets the accuracy of SCORERMReduce; zero values take the defaults.
type SCORERMOptions struct {
	// MinGap: refine until MinUpper − MinLower ≤ MinGap (default max(δ/100, 1e-12)).
	MinGap float64
	// ExcessGap: refine until ExcessUpper − ExcessLower ≤ ExcessGap (default 1e-7).
	ExcessGap float64
	// MaxNodes caps the number of w_0 values per stage (default 600).
	MaxNodes int
}

// SCORERMReduce solves the 2-D RERM problem of p with regulariser r to accuracy δ > 0
// (see SCORERM2D). It does not check condition (C): the caller decides whether the 2-D
// problem describes RERM in full dimension.
func SCORERMReduce(p SCORERMProblem, r SCORegulariser, delta float64, opt SCORERMOptions) SCORERM2D {
	if !(delta > 0) {
		panic(fmt.Sprintf("algorithms: SCORERMReduce: δ = %v, want > 0", delta))
	}
	if opt.MinGap <= 0 {
		opt.MinGap = math.Max(delta/100, 1e-12)
	}
	if opt.ExcessGap <= 0 {
		opt.ExcessGap = 1e-7
	}
	if opt.MaxNodes <= 0 {
		opt.MaxNodes = 600
	}
	if !r.Convex {
		return scoGridEstimate(p, r, delta)
	}
	s := &scoSolver{p: p, r: r, rel: math.Max(r.relErr(), scoDefaultRelErr),
		innerTol: opt.MinGap / 16, rhoTol: math.Max(1e-13, opt.ExcessGap/(16*math.Max(1, p.C1)))}
	s.minimise(opt.MinGap, opt.MaxNodes)
	res := SCORERM2D{Problem: p, Reg: r.Name, Delta: delta, Certified: true,
		Method: "certified 2-D reduction (convex φ: secant lower bounds, adaptive refinement in w_0, golden section and bisection in ρ)"}
	res.MinLower, res.MinUpper, res.ArgW0, res.ArgRho = s.mlb, s.mub, s.argW0, s.argRho
	res.Target = s.mub + delta
	s.excess(res.Target, opt.ExcessGap, opt.MaxNodes)
	res.ExcessLower, res.ExcessUpper, res.WitnessW0, res.WitnessRho = s.exLb, s.exUb, s.witW0, s.witRho
	res.Nodes, res.Evals = len(s.nodes), s.evals
	return res
}

// scoNode is one w_0 of the outer search: φ(w_0, ·) evaluated at pts (sorted by ρ).
type scoNode struct {
	w0, rup      float64
	pts          []scoPt
	psiLo, psiHi float64 // ψ(w_0) = min_ρ φ(w_0, ρ) ∈ [psiLo, psiHi]
	argRho       float64
	// At the stage-C target t: φ(w_0, ρ) > t for every ρ < rhoLo (+Inf: no ρ at all), and
	// φ(w_0, rhoHi) ≤ t (+Inf: no such point found).
	rhoLo, rhoHi float64
}

type scoSolver struct {
	p     SCORERMProblem
	r     SCORegulariser
	rel   float64
	evals int
	// innerTol is the accuracy of each inner minimum, rhoTol that of each sublevel end.
	innerTol, rhoTol float64
	nodes            []*scoNode // sorted by w0

	mlb, mub, argW0, argRho float64
	exLb, exUb              float64
	witW0, witRho           float64

	psi, hp []scoPt
	lbs     []float64
}

// phi evaluates φ with its rounding bound.
func (s *scoSolver) phi(w0, rho float64) scoPt {
	s.evals++
	t1 := s.p.C0 * math.Abs(w0-s.p.A0)
	t2 := (s.p.C1 - s.p.A) * rho
	g := s.r.G(w0, rho)
	v := t1 + t2 + g
	e := s.rel*(math.Abs(t1)+math.Abs(t2)+math.Abs(g)+math.Abs(v)) + 0x1p-1000
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return scoPt{x: rho, lo: math.Inf(-1), hi: math.Inf(1)}
	}
	return scoPt{x: rho, lo: v - e, hi: v + e}
}

// scoGolden is 1/φ_golden.
const scoGolden = 0.6180339887498949

// node solves the inner problem at w0 by golden section on [0, √(1 − w_0²)].
func (s *scoSolver) node(w0 float64) *scoNode {
	r := math.Sqrt(math.Max(0, (1-w0)*(1+w0)))
	// Evaluate only inside D (rdn) but bound φ up to rup ≥ the true radius.
	rdn, rup := r*(1-8*scoU), r*(1+8*scoU)
	nd := &scoNode{w0: w0, rup: rup, rhoLo: math.NaN(), rhoHi: math.NaN()}
	nd.pts = append(nd.pts, s.phi(w0, 0))
	if rdn > 0 {
		nd.pts = scoInsert(nd.pts, s.phi(w0, rdn))
		a, b := 0.0, rdn
		c, d := b-scoGolden*(b-a), a+scoGolden*(b-a)
		fc, fd := s.phi(w0, c), s.phi(w0, d)
		nd.pts = scoInsert(nd.pts, fc)
		nd.pts = scoInsert(nd.pts, fd)
		for i := 0; i < 60 && b-a > 1e-10*rdn; i++ {
			if fc.lo+fc.hi <= fd.lo+fd.hi {
				b, d, fd = d, c, fc
				c = b - scoGolden*(b-a)
				fc = s.phi(w0, c)
				nd.pts = scoInsert(nd.pts, fc)
			} else {
				a, c, fc = c, d, fd
				d = a + scoGolden*(b-a)
				fd = s.phi(w0, d)
				nd.pts = scoInsert(nd.pts, fd)
			}
			// Stop once the enclosure of the inner minimum is well inside the outer target.
			if i >= 8 && i%6 == 0 {
				lo, _, lbs := scoEnvelopeMin(nd.pts, rup, s.lbs)
				s.lbs = lbs
				if math.Min(fc.hi, fd.hi)-lo <= s.innerTol {
					break
				}
			}
		}
	}
	nd.psiLo, _, s.lbs = scoEnvelopeMin(nd.pts, rup, s.lbs)
	nd.psiHi = math.Inf(1)
	for _, q := range nd.pts {
		if q.hi < nd.psiHi {
			nd.psiHi, nd.argRho = q.hi, q.x
		}
	}
	return nd
}

// insertNode adds the node at w0 in order.
func (s *scoSolver) insertNode(w0 float64) {
	nd := s.node(w0)
	i := len(s.nodes)
	for i > 0 && s.nodes[i-1].w0 > w0 {
		i--
	}
	if i > 0 && s.nodes[i-1].w0 == w0 {
		return
	}
	s.nodes = append(s.nodes, nil)
	copy(s.nodes[i+1:], s.nodes[i:])
	s.nodes[i] = nd
}

// psiPoints refreshes the outer points (w_0, ψ bounds).
func (s *scoSolver) psiPoints() []scoPt {
	s.psi = s.psi[:0]
	for _, nd := range s.nodes {
		s.psi = append(s.psi, scoPt{x: nd.w0, lo: nd.psiLo, hi: nd.psiHi})
	}
	return s.psi
}

// minimise certifies min φ = min_{w_0} ψ(w_0): ψ is convex on [−1, 1] (a partial minimum of
// a convex function over a convex set), so the same secant bounds apply to its enclosures.
func (s *scoSolver) minimise(eps float64, maxNodes int) {
	const initial = 17
	for i := 0; i < initial; i++ {
		s.insertNode(-1 + 2*float64(i)/float64(initial-1))
	}
	s.insertNode(0)
	if s.p.A0 > -1 && s.p.A0 < 1 {
		s.insertNode(s.p.A0)
	}
	for {
		pts := s.psiPoints()
		s.mlb, _, s.lbs = scoEnvelopeMin(pts, 1, s.lbs)
		s.mub = math.Inf(1)
		for _, nd := range s.nodes {
			if nd.psiHi < s.mub {
				s.mub, s.argW0, s.argRho = nd.psiHi, nd.w0, nd.argRho
			}
		}
		if s.mub-s.mlb <= eps || len(s.nodes) >= maxNodes {
			return
		}
		bi := s.refinable(s.lbs)
		if bi < 0 {
			return
		}
		s.insertNode((s.nodes[bi].w0 + s.nodes[bi+1].w0) / 2)
	}
}

// refinable returns the interval with the smallest bound in lbs among those wide enough to
// bisect (−1 if none): an interval that cannot be split any more is left as it is, and
// refining its neighbours can still raise its bound through their secants.
func (s *scoSolver) refinable(lbs []float64) int {
	bi := -1
	for i := 0; i+1 < len(s.nodes) && i < len(lbs); i++ {
		if s.nodes[i+1].w0-s.nodes[i].w0 <= 1e-13 || math.IsInf(lbs[i], 1) {
			continue
		}
		if bi < 0 || lbs[i] < lbs[bi] {
			bi = i
		}
	}
	return bi
}

// sublevel computes rhoLo and rhoHi of nd at target t, bisecting for the left end of
// {ρ : φ(w_0, ρ) ≤ t}.
func (s *scoSolver) sublevel(nd *scoNode, t float64) {
	xf, found := math.Inf(1), false
	for _, q := range nd.pts {
		if q.hi <= t {
			xf, found = q.x, true
			break
		}
	}
	if found && xf > 0 {
		left := 0.0
		for _, q := range nd.pts {
			if q.x < xf && q.lo > t {
				left = q.x
			}
		}
		for i := 0; i < 60 && xf-left > s.rhoTol; i++ {
			m := (left + xf) / 2
			q := s.phi(nd.w0, m)
			nd.pts = scoInsert(nd.pts, q)
			switch {
			case q.hi <= t:
				xf = m
			case q.lo > t:
				left = m
			default:
				i = 60 // within rounding of t: nothing more to resolve
			}
		}
	}
	nd.rhoHi = xf
	nd.rhoLo = scoSublevelLeft(nd.pts, nd.rup, t)
}

// hBounds returns h's enclosure at a node (Inf where unknown or excluded).
func (s *scoSolver) hBounds(nd *scoNode) scoPt {
	base := s.p.C0 * math.Abs(nd.w0-s.p.A0)
	q := scoPt{x: nd.w0, lo: math.Inf(1), hi: math.Inf(1)}
	if !math.IsInf(nd.rhoLo, 1) {
		v := base + s.p.C1*nd.rhoLo
		q.lo = v - 4*scoU*(base+math.Abs(v))
	}
	if !math.IsInf(nd.rhoHi, 1) {
		v := base + s.p.C1*nd.rhoHi
		q.hi = v + 4*scoU*(base+math.Abs(v))
	}
	return q
}

// excess certifies min{h : φ ≤ t}. With ρ_L(w_0) the least ρ with φ(w_0, ρ) ≤ t, H(w_0) =
// c0|w_0 − a0| + c1ρ_L(w_0) is convex on the projection of the (convex) sublevel set and
// +Inf outside it, and min H is the answer (h grows with ρ). Intervals of w_0 where the
// bound on ψ exceeds t hold no point of the sublevel set.
func (s *scoSolver) excess(t, eps float64, maxNodes int) {
	for _, nd := range s.nodes {
		s.sublevel(nd, t)
	}
	budget := len(s.nodes) + maxNodes
	// Nodes added from here on resolve ψ finely enough for the excess accuracy too.
	s.innerTol = math.Min(s.innerTol, eps/16)
	var psiLbs []float64
	stall, lastLb := 0, math.Inf(-1)
	for {
		psi := s.psiPoints()
		_, _, psiLbs = scoEnvelopeMin(psi, 1, psiLbs)
		s.hp = s.hp[:0]
		wl, wr := -1, -1
		for i, nd := range s.nodes {
			q := s.hBounds(nd)
			s.hp = append(s.hp, q)
			if !math.IsInf(q.hi, 1) {
				if wl < 0 {
					wl = i
				}
				wr = i
			}
		}
		// Certified-empty nodes beyond the outermost witnesses cut off everything past them
		// (the projection of the sublevel set is an interval).
		cutL, cutR := -1, len(s.nodes)
		if wl >= 0 {
			for i := wl - 1; i >= 0; i-- {
				if math.IsInf(s.hp[i].lo, 1) {
					cutL = i
					break
				}
			}
			for i := wr + 1; i < len(s.nodes); i++ {
				if math.IsInf(s.hp[i].lo, 1) {
					cutR = i
					break
				}
			}
		}
		s.exLb, s.exUb = math.Inf(1), math.Inf(1)
		s.lbs = s.lbs[:0]
		for i := 0; i+1 < len(s.nodes); i++ {
			s.lbs = append(s.lbs, math.Inf(1))
			if psiLbs[i] > t || i < cutL || i >= cutR {
				continue
			}
			a, b := s.nodes[i].w0, s.nodes[i+1].w0
			triv := 0.0
			switch {
			case s.p.A0 < a:
				triv = s.p.C0 * (a - s.p.A0)
			case s.p.A0 > b:
				triv = s.p.C0 * (s.p.A0 - b)
			}
			triv -= 4 * scoU * triv
			l1, l2 := scoIntervalLines(s.hp, i)
			env, _ := scoMinMax2(l1, l2, a, b)
			lb := math.Max(triv, env)
			s.lbs[i] = lb
			s.exLb = math.Min(s.exLb, lb)
		}
		for i, q := range s.hp {
			if q.hi < s.exUb {
				s.exUb, s.witW0, s.witRho = q.hi, s.nodes[i].w0, s.nodes[i].rhoHi
			}
		}
		if math.IsInf(s.exLb, 1) {
			// Nothing survives: cannot happen when t ≥ min φ (the minimiser's interval
			// survives); report it as no bound rather than as an infinite one.
			s.exLb = math.Inf(-1)
			return
		}
		if s.exUb-s.exLb <= eps || len(s.nodes) >= budget {
			return
		}
		// Rounding limits how far the bound can rise (ψ within its error of t leaves nodes
		// undecided): stop when 64 refinements in a row raised it by less than eps/16.
		if s.exLb > lastLb+eps/16 {
			stall, lastLb = 0, s.exLb
		} else if stall++; stall >= 64 {
			return
		}
		bi := s.refinable(s.lbs)
		if bi < 0 {
			return
		}
		s.insertNode((s.nodes[bi].w0 + s.nodes[bi+1].w0) / 2)
		for _, nd := range s.nodes {
			if math.IsNaN(nd.rhoLo) {
				s.sublevel(nd, t)
			}
		}
	}
}

// scoGridEstimate is the uncertified fallback for a regulariser not declared convex: φ on a
// polar grid of D, its smallest value, and the least h among grid points within δ of it.
func scoGridEstimate(p SCORERMProblem, r SCORegulariser, delta float64) SCORERM2D {
	const nr, nt = 300, 600
	res := SCORERM2D{Problem: p, Reg: r.Name, Delta: delta,
		Method: "uncertified estimate: R not declared convex, φ minimised on a 300×600 polar grid of D"}
	type pt struct{ w0, rho, v float64 }
	pts := make([]pt, 0, nr*nt+1)
	best := math.Inf(1)
	for i := 0; i <= nr; i++ {
		rad := float64(i) / nr
		for j := 0; j < nt; j++ {
			th := math.Pi * float64(j) / float64(nt-1)
			w0, rho := rad*math.Cos(th), rad*math.Sin(th)
			v := p.Phi(r, w0, rho)
			res.Evals++
			pts = append(pts, pt{w0, rho, v})
			if v < best {
				best, res.ArgW0, res.ArgRho = v, w0, rho
			}
			if i == 0 {
				break
			}
		}
	}
	res.MinLower, res.MinUpper = best, best
	res.Target = best + delta
	res.ExcessLower = math.Inf(1)
	for _, q := range pts {
		if q.v <= res.Target {
			if h := p.Excess(q.w0, q.rho); h < res.ExcessLower {
				res.ExcessLower, res.WitnessW0, res.WitnessRho = h, q.w0, q.rho
			}
		}
	}
	res.ExcessUpper = res.ExcessLower
	res.Nodes = nr * nt
	return res
}
