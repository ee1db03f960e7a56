package algorithms

import "math"

// Certified lower bounds for convex functions of one variable from evaluations alone.
//
// If f is convex and p < q, then for x ≥ q, f(x) ≥ f(q) + (f(q) − f(p))(x − q)/(q − p), and for
// x ≤ p, f(x) ≥ f(p) + (f(p) − f(q))(p − x)/(q − p): the secant through two evaluated points,
// extended beyond them, lies below f. With every evaluation known only within [lo, hi] the
// extension uses the lower value at the near point and the upper value at the far one, which
// keeps the bound valid. Between two consecutive evaluated points x_i < x_{i+1} the two
// extensions from the neighbouring pairs (x_{i−1}, x_i) and (x_{i+1}, x_{i+2}) bound f from
// below; their error is second order in the spacing, so refining where the bound is low
// certifies a minimum to high accuracy with function values only — no Lipschitz constant.

// scoPt is an evaluated point of a convex function: lo ≤ f(x) ≤ hi (hi = +Inf: unknown).
type scoPt struct{ x, lo, hi float64 }

// scoLine is the lower bound L(x) = v + slope·(x − x0), or absent.
type scoLine struct {
	x0, v, slope float64
	ok           bool
}

// at evaluates the line, minus a bound on the rounding of the evaluation itself.
func (l scoLine) at(x float64) float64 {
	d := l.slope * (x - l.x0)
	val := l.v + d
	return val - 4*scoU*(math.Abs(l.v)+math.Abs(d)+math.Abs(val))
}

// scoU is the unit roundoff of float64.
const scoU = 0x1p-53

// scoExtRight is the extension beyond q of the secant through (p, q), p.x < q.x: valid for
// x ≥ q.x.
func scoExtRight(p, q scoPt) scoLine {
	if !(q.x > p.x) || math.IsInf(q.lo, 0) || math.IsInf(p.hi, 0) || math.IsNaN(q.lo) || math.IsNaN(p.hi) {
		return scoLine{}
	}
	slope := (q.lo - p.hi) / (q.x - p.x)
	// The slope's own rounding (a quotient of a rounded difference) is covered by shrinking
	// it towards −∞ by a relative 4u: for x ≥ q.x a smaller slope gives a smaller line.
	slope -= 4 * scoU * (math.Abs(slope) + (math.Abs(q.lo)+math.Abs(p.hi))/(q.x-p.x))
	return scoLine{x0: q.x, v: q.lo, slope: slope, ok: true}
}

// scoExtLeft is the extension before q of the secant through (q, r), q.x < r.x: valid for
// x ≤ q.x.
func scoExtLeft(q, r scoPt) scoLine {
	if !(r.x > q.x) || math.IsInf(q.lo, 0) || math.IsInf(r.hi, 0) || math.IsNaN(q.lo) || math.IsNaN(r.hi) {
		return scoLine{}
	}
	slope := (r.hi - q.lo) / (r.x - q.x) // f(x) ≥ q.lo − slope·(q.x − x)
	slope += 4 * scoU * (math.Abs(slope) + (math.Abs(q.lo)+math.Abs(r.hi))/(r.x-q.x))
	return scoLine{x0: q.x, v: q.lo, slope: slope, ok: true}
}

// scoIntervalLines returns the lower-bounding lines on [pts[i].x, pts[i+1].x]: the secants
// from pts[i] back to the nearest earlier point with a finite upper value, and from
// pts[i+1] on to the nearest later one (any two points of a convex function give a valid
// secant; the nearest give the tightest).
func scoIntervalLines(pts []scoPt, i int) (l1, l2 scoLine) {
	for j := i - 1; j >= 0 && j >= i-scoFarScan; j-- {
		if !math.IsInf(pts[j].hi, 1) {
			l1 = scoExtRight(pts[j], pts[i])
			break
		}
	}
	for k := i + 2; k < len(pts) && k <= i+1+scoFarScan; k++ {
		if !math.IsInf(pts[k].hi, 1) {
			l2 = scoExtLeft(pts[i+1], pts[k])
			break
		}
	}
	return l1, l2
}

// scoFarScan bounds how far scoIntervalLines looks for a point with a finite upper value.
const scoFarScan = 64

// scoMinMax2 returns min over x ∈ [a, b] of max(l1(x), l2(x)) (absent lines ignored; −Inf
// when both are absent) and a point attaining it.
func scoMinMax2(l1, l2 scoLine, a, b float64) (float64, float64) {
	best, arg := scoMax2(l1, l2, a), a
	if v := scoMax2(l1, l2, b); v < best {
		best, arg = v, b
	}
	if l1.ok && l2.ok && l1.slope != l2.slope {
		// Crossing of the two lines (the max of two lines is smallest there when inside).
		x := (l2.v - l1.v + l1.slope*l1.x0 - l2.slope*l2.x0) / (l1.slope - l2.slope)
		if x > a && x < b {
			if v := scoMax2(l1, l2, x); v < best {
				best, arg = v, x
			}
		}
	}
	return best, arg
}

// scoMax2 is max(l1(x), l2(x)) over the lines present (−Inf when none).
func scoMax2(l1, l2 scoLine, x float64) float64 {
	v := math.Inf(-1)
	if l1.ok {
		v = l1.at(x)
	}
	if l2.ok {
		if w := l2.at(x); w > v {
			v = w
		}
	}
	return v
}

// scoEnvelopeMin returns a certified lower bound on min f over [pts[0].x, end] (end ≥ the
// last point: f is convex there too and the last interval is extended to it), the index of
// the interval with the smallest bound (len(pts)−1 for the extension beyond the last point),
// and the bound on each interval into lbs (len(pts)−1 entries, plus one for the extension
// when end > last point). A single point gives its lower value.
func scoEnvelopeMin(pts []scoPt, end float64, lbs []float64) (float64, int, []float64) {
	lbs = lbs[:0]
	n := len(pts)
	if n == 0 {
		return math.Inf(-1), -1, lbs
	}
	best, bi := pts[0].lo, -1
	for i := 0; i+1 < n; i++ {
		l1, l2 := scoIntervalLines(pts, i)
		v, _ := scoMinMax2(l1, l2, pts[i].x, pts[i+1].x)
		// The endpoints' own lower values bound f there too.
		v = math.Min(v, math.Min(pts[i].lo, pts[i+1].lo))
		if !l1.ok && !l2.ok {
			v = math.Inf(-1)
		}
		lbs = append(lbs, v)
		if v < best || bi < 0 {
			best, bi = v, i
		}
	}
	if last := pts[n-1]; end > last.x {
		v := math.Inf(-1)
		if n >= 2 {
			if l := scoExtRight(pts[n-2], last); l.ok {
				v = math.Min(l.at(last.x), l.at(end))
			}
		}
		lbs = append(lbs, v)
		if v < best || bi < 0 {
			best, bi = v, n-1
		}
	}
	if n == 1 && end <= pts[0].x {
		return pts[0].lo, 0, lbs
	}
	return best, bi, lbs
}

// scoSublevelLeft returns a certified lower bound on min{x ∈ [pts[0].x, end] : f(x) ≤ t}:
// every x below it has f(x) > t. It returns +Inf when the bounds exclude the whole range.
func scoSublevelLeft(pts []scoPt, end, t float64) float64 {
	n := len(pts)
	if n == 0 {
		return math.Inf(-1)
	}
	if pts[0].lo <= t {
		return pts[0].x
	}
	for i := 0; i+1 < n; i++ {
		l1, l2 := scoIntervalLines(pts, i)
		if x, ok := scoFirstBelow(l1, l2, pts[i].x, pts[i+1].x, t); ok {
			return x
		}
		if pts[i+1].lo <= t {
			return pts[i+1].x
		}
	}
	if last := pts[n-1]; end > last.x {
		var l scoLine
		if n >= 2 {
			l = scoExtRight(pts[n-2], last)
		}
		if x, ok := scoFirstBelow(l, scoLine{}, last.x, end, t); ok {
			return x
		}
	}
	return math.Inf(1)
}

// scoFirstBelow returns the smallest x ∈ [a, b] where max(l1(x), l2(x)) ≤ t could hold,
// rounded down (absent lines impose nothing; with none, a).
func scoFirstBelow(l1, l2 scoLine, a, b, t float64) (float64, bool) {
	lo, hi := a, b
	for _, l := range [2]scoLine{l1, l2} {
		if !l.ok {
			continue
		}
		// l.at deducts its rounding bound from v + slope(x − x0); over [a, b] that is at most
		// eps below, so solving v − eps + slope(x − x0) ≤ t errs on the safe side.
		eps := 8 * scoU * (math.Abs(l.v) + math.Abs(t) + math.Abs(l.slope)*(math.Abs(b-l.x0)+math.Abs(a-l.x0)))
		v := l.v - eps
		switch {
		case l.slope > 0:
			x := l.x0 + (t-v)/l.slope
			hi = math.Min(hi, x+8*scoU*(math.Abs(x)+math.Abs(l.x0)))
		case l.slope < 0:
			x := l.x0 + (t-v)/l.slope
			lo = math.Max(lo, x-8*scoU*(math.Abs(x)+math.Abs(l.x0)))
		default:
			if v > t {
				return 0, false
			}
		}
	}
	if lo > hi {
		return 0, false
	}
	return lo, true
}

// scoInsert inserts p into pts sorted by x (no duplicates: an equal x is replaced).
func scoInsert(pts []scoPt, p scoPt) []scoPt {
	i := len(pts)
	for i > 0 && pts[i-1].x > p.x {
		i--
	}
	if i > 0 && pts[i-1].x == p.x {
		pts[i-1] = p
		return pts
	}
	pts = append(pts, scoPt{})
	copy(pts[i+1:], pts[i:])
	pts[i] = p
	return pts
}
