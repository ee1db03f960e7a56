package pep

import (
	"math/big"
)

// Point is a point of a performance-estimation problem: its position and gradient written in
// the space's basis, and the value symbol of f there.
type Point struct {
	Name     string // e.g. "θ_1", "z", "x*"
	X        Vec    // position
	GradName string // e.g. "g_1"; "" when the point has no gradient symbol
	G        Vec    // gradient; invalid (Vec{}) when GradName is ""
	Value    int    // index of the value symbol f(Name)
}

func (p Point) grad() Vec {
	if !p.G.Valid() {
		panic("pep: point " + p.Name + " has no gradient")
	}
	return p.G
}

// Inequality is an inequality "Form ≤ 0" that holds for every function of the class, with a
// short name and its statement in the usual notation.
//
// Only the constructors of this file make valid inequalities: each records which inequality
// it is and for which L, and Check accepts no other.
type Inequality struct {
	Name string // e.g. "descent θ_0→θ_1"
	Text string // e.g. "f(θ_1) ≤ f(θ_0) + ⟨g_0, θ_1 − θ_0⟩ + (L/2)‖θ_1 − θ_0‖²"
	Form Form

	kind string   // "convexity", "descent", "interpolation"; "" = not built here
	l    *big.Rat // the L it was stated with (nil for convexity, valid for every L)
}

// ValidFor reports whether the inequality holds for every convex L-smooth function: it was
// built by a constructor of this package, with a constant L' ≥ L (a larger constant gives a
// weaker inequality).
func (q Inequality) ValidFor(L *big.Rat) bool {
	switch q.kind {
	case "convexity":
		return true
	case "descent", "interpolation":
		return L != nil && q.l != nil && q.l.Cmp(L) >= 0
	}
	return false
}

func val(p Point) Form { return p.X.s.Value(p.Value) }

// Convexity is f(x) ≥ f(y) + ⟨g_y, x − y⟩ (the tangent at y lies below f), written
// f(y) − f(x) + ⟨g_y, x − y⟩ ≤ 0. Valid for every differentiable convex f.
func Convexity(x, y Point) Inequality {
	gy := y.grad()
	f := val(y).Minus(val(x)).Plus(Inner(gy, x.X.Sub(y.X)))
	return Inequality{
		Name: "convexity " + x.Name + " vs " + y.Name,
		Text: "f(" + x.Name + ") ≥ f(" + y.Name + ") + ⟨" + y.GradName + ", " + x.Name + " − " + y.Name + "⟩",
		Form: f,
		kind: "convexity",
	}
}

// Descent is the descent lemma f(y) ≤ f(x) + ⟨g_x, y − x⟩ + (L/2)‖y − x‖², written
// f(y) − f(x) − ⟨g_x, y − x⟩ − (L/2)‖y − x‖² ≤ 0. Valid for every L-smooth f.
func Descent(x, y Point, L *big.Rat) Inequality {
	gx := x.grad()
	d := y.X.Sub(x.X)
	f := val(y).Minus(val(x)).Minus(Inner(gx, d)).AddScaled(new(big.Rat).Neg(half(L)), Norm2(d))
	return Inequality{
		Name: "descent " + x.Name + "→" + y.Name,
		Text: "f(" + y.Name + ") ≤ f(" + x.Name + ") + ⟨" + x.GradName + ", " + y.Name + " − " + x.Name + "⟩ + (L/2)‖" + y.Name + " − " + x.Name + "‖²",
		Form: f,
		kind: "descent",
		l:    new(big.Rat).Set(L),
	}
}

// Interpolation is the smooth-convex interpolation inequality
// f(x) ≥ f(y) + ⟨g_y, x − y⟩ + ‖g_x − g_y‖²/(2L), written
// f(y) − f(x) + ⟨g_y, x − y⟩ + ‖g_x − g_y‖²/(2L) ≤ 0. Valid for every L-smooth convex f, and
// (Taylor, Hendrickx, Glineur 2017) the family of these inequalities over all pairs of a
// finite set of points is also sufficient: data satisfying all of them are interpolated by
// some L-smooth convex function.
func Interpolation(x, y Point, L *big.Rat) Inequality {
	gx, gy := x.grad(), y.grad()
	inv2L := new(big.Rat).Inv(new(big.Rat).Mul(big.NewRat(2, 1), L))
	f := val(y).Minus(val(x)).Plus(Inner(gy, x.X.Sub(y.X))).AddScaled(inv2L, Norm2(gx.Sub(gy)))
	return Inequality{
		Name: "interpolation " + x.Name + " vs " + y.Name,
		Text: "f(" + x.Name + ") ≥ f(" + y.Name + ") + ⟨" + y.GradName + ", " + x.Name + " − " + y.Name + "⟩ + ‖" + x.GradName + " − " + y.GradName + "‖²/(2L)",
		Form: f,
		kind: "interpolation",
		l:    new(big.Rat).Set(L),
	}
}

func half(r *big.Rat) *big.Rat { return new(big.Rat).Mul(r, big.NewRat(1, 2)) }
