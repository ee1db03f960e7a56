package pep

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// Space fixes the symbols of a performance-estimation problem: the basis vectors (any vectors
// of R^d, for any d) that every point and gradient is written in, and the scalar function
// values. A Space is immutable once built.
type Space struct {
	vectors []string
	values  []string
}

// NewSpace builds a space with the given basis-vector and value names (e.g. "θ_0 − z", "g_0"
// and "f(θ_0)"). Empty or duplicate names are programmer errors and panic.
func NewSpace(vectors, values []string) *Space {
	seen := map[string]bool{}
	for _, n := range append(append([]string(nil), vectors...), values...) {
		if n == "" || seen[n] {
			panic(fmt.Sprintf("pep: empty or duplicate symbol %q", n))
		}
		seen[n] = true
	}
	return &Space{vectors: append([]string(nil), vectors...), values: append([]string(nil), values...)}
}

// NumVectors is the number of basis vectors.
func (s *Space) NumVectors() int { return len(s.vectors) }

// NumValues is the number of function-value symbols.
func (s *Space) NumValues() int { return len(s.values) }

// VectorName returns the name of basis vector i.
func (s *Space) VectorName(i int) string { return s.vectors[i] }

// ValueName returns the name of value symbol i.
func (s *Space) ValueName(i int) string { return s.values[i] }

// Zero returns the zero vector.
func (s *Space) Zero() Vec { return Vec{s: s, c: make([]big.Rat, len(s.vectors))} }

// Basis returns basis vector i.
func (s *Space) Basis(i int) Vec {
	v := s.Zero()
	v.c[i].SetInt64(1)
	return v
}

// Value returns the form "value symbol i" (a linear form with one coefficient 1).
func (s *Space) Value(i int) Form {
	f := s.NewForm()
	f.lin[i].SetInt64(1)
	return f
}

// Vec is a vector of R^d written in a Space's basis: Σ_i c_i v_i with rational c_i. Its
// methods return new vectors and never modify their receiver.
type Vec struct {
	s *Space
	c []big.Rat
}

// Space returns the space v lives in.
func (v Vec) Space() *Space { return v.s }

// Valid reports whether v was built from a Space (the zero Vec{} is not).
func (v Vec) Valid() bool { return v.s != nil }

// Coef returns a copy of the coefficient of basis vector i.
func (v Vec) Coef(i int) *big.Rat { return new(big.Rat).Set(&v.c[i]) }

func (v Vec) same(w Vec) {
	if v.s == nil || v.s != w.s {
		panic("pep: vectors from different (or no) spaces")
	}
}

// Add returns v + w.
func (v Vec) Add(w Vec) Vec {
	v.same(w)
	out := v.s.Zero()
	for i := range v.c {
		out.c[i].Add(&v.c[i], &w.c[i])
	}
	return out
}

// Sub returns v − w.
func (v Vec) Sub(w Vec) Vec {
	v.same(w)
	out := v.s.Zero()
	for i := range v.c {
		out.c[i].Sub(&v.c[i], &w.c[i])
	}
	return out
}

// Scale returns r·v.
func (v Vec) Scale(r *big.Rat) Vec {
	out := v.s.Zero()
	for i := range v.c {
		out.c[i].Mul(&v.c[i], r)
	}
	return out
}

// IsZero reports whether every coefficient is 0.
func (v Vec) IsZero() bool {
	for i := range v.c {
		if v.c[i].Sign() != 0 {
			return false
		}
	}
	return true
}

// String writes v as a combination of the basis names, e.g. "(θ_0 − z) − 1/2·g_0".
func (v Vec) String() string {
	var terms []term
	for i := range v.c {
		if v.c[i].Sign() != 0 {
			terms = append(terms, term{coef: &v.c[i], sym: paren(v.s.vectors[i])})
		}
	}
	return joinTerms(terms)
}

// Form is an expression that is linear in the function values and quadratic in the vectors:
// Σ_k a_k f_k + Σ_{i,j} Q_ij ⟨v_i, v_j⟩ with Q symmetric. An inequality of the class is
// "Form ≤ 0". Because it depends on the vectors only through their inner products, a form
// that is ≤ 0 is so in every dimension. Methods that return a Form leave the receiver alone;
// AddScaled accumulates in place.
type Form struct {
	s    *Space
	lin  []big.Rat
	quad map[[2]int]*big.Rat // (i, j) with i ≤ j → Q_ij (= Q_ji)
}

// NewForm returns the zero form of s.
func (s *Space) NewForm() Form {
	return Form{s: s, lin: make([]big.Rat, len(s.values)), quad: map[[2]int]*big.Rat{}}
}

// Inner returns the form ⟨a, b⟩.
func Inner(a, b Vec) Form {
	a.same(b)
	f := a.s.NewForm()
	half := big.NewRat(1, 2)
	var p big.Rat
	for i := range a.c {
		if a.c[i].Sign() == 0 {
			continue
		}
		for j := range b.c {
			if b.c[j].Sign() == 0 {
				continue
			}
			p.Mul(&a.c[i], &b.c[j])
			if i != j {
				p.Mul(&p, half) // a_i b_j ⟨v_i, v_j⟩ splits into Q_ij = Q_ji = a_i b_j/2
			}
			f.addQuad(i, j, &p)
		}
	}
	return f
}

// Norm2 returns the form ‖a‖².
func Norm2(a Vec) Form { return Inner(a, a) }

func (f Form) addQuad(i, j int, r *big.Rat) {
	if i > j {
		i, j = j, i
	}
	k := [2]int{i, j}
	q, ok := f.quad[k]
	if !ok {
		f.quad[k] = new(big.Rat).Set(r)
		return
	}
	q.Add(q, r)
	if q.Sign() == 0 {
		delete(f.quad, k)
	}
}

// Space returns the space f lives in.
func (f Form) Space() *Space { return f.s }

// Clone returns a copy of f.
func (f Form) Clone() Form {
	out := f.s.NewForm()
	for i := range f.lin {
		out.lin[i].Set(&f.lin[i])
	}
	for k, q := range f.quad {
		out.quad[k] = new(big.Rat).Set(q)
	}
	return out
}

// AddScaled sets f = f + r·g in place and returns f.
func (f Form) AddScaled(r *big.Rat, g Form) Form {
	if f.s != g.s {
		panic("pep: forms from different spaces")
	}
	var p big.Rat
	for i := range g.lin {
		if g.lin[i].Sign() != 0 {
			p.Mul(r, &g.lin[i])
			f.lin[i].Add(&f.lin[i], &p)
		}
	}
	for k, q := range g.quad {
		p.Mul(r, q)
		f.addQuad(k[0], k[1], &p)
	}
	return f
}

// Plus returns f + g.
func (f Form) Plus(g Form) Form { return f.Clone().AddScaled(big.NewRat(1, 1), g) }

// Minus returns f − g.
func (f Form) Minus(g Form) Form { return f.Clone().AddScaled(big.NewRat(-1, 1), g) }

// Times returns r·f.
func (f Form) Times(r *big.Rat) Form { return f.s.NewForm().AddScaled(r, f) }

// LinCoef returns a copy of the coefficient of value symbol i.
func (f Form) LinCoef(i int) *big.Rat { return new(big.Rat).Set(&f.lin[i]) }

// QuadCoef returns a copy of Q_ij.
func (f Form) QuadCoef(i, j int) *big.Rat {
	if i > j {
		i, j = j, i
	}
	if q, ok := f.quad[[2]int{i, j}]; ok {
		return new(big.Rat).Set(q)
	}
	return new(big.Rat)
}

// Quad returns Q as a dense symmetric matrix.
func (f Form) Quad() *Sym {
	m := NewSym(len(f.s.vectors))
	for k, q := range f.quad {
		m.Set(k[0], k[1], q)
	}
	return m
}

// LinearIsZero reports whether every value coefficient is 0.
func (f Form) LinearIsZero() bool {
	for i := range f.lin {
		if f.lin[i].Sign() != 0 {
			return false
		}
	}
	return true
}

// IsZero reports whether f is the zero form.
func (f Form) IsZero() bool { return f.LinearIsZero() && len(f.quad) == 0 }

// String writes f, value terms first, then squares and inner products in basis order, e.g.
// "f(θ_1) − f(z) + 1/2‖θ_0 − z‖² − ⟨θ_0 − z, g_0⟩".
func (f Form) String() string {
	var terms []term
	for i := range f.lin {
		if f.lin[i].Sign() != 0 {
			terms = append(terms, term{coef: &f.lin[i], sym: f.s.values[i]})
		}
	}
	keys := make([][2]int, 0, len(f.quad))
	for k := range f.quad {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool {
		if keys[a][0] != keys[b][0] {
			return keys[a][0] < keys[b][0]
		}
		return keys[a][1] < keys[b][1]
	})
	two := big.NewRat(2, 1)
	for _, k := range keys {
		if k[0] == k[1] {
			terms = append(terms, term{coef: f.quad[k], sym: "‖" + f.s.vectors[k[0]] + "‖²"})
			continue
		}
		terms = append(terms, term{coef: new(big.Rat).Mul(two, f.quad[k]), sym: "⟨" + f.s.vectors[k[0]] + ", " + f.s.vectors[k[1]] + "⟩"})
	}
	if len(terms) == 0 {
		return "0"
	}
	return joinTerms(terms)
}

type term struct {
	coef *big.Rat
	sym  string
}

// joinTerms writes Σ coef·sym with signs folded in: "a − 1/2·b + c".
func joinTerms(ts []term) string {
	if len(ts) == 0 {
		return "0"
	}
	var b strings.Builder
	for k, t := range ts {
		neg := t.coef.Sign() < 0
		abs := new(big.Rat).Abs(t.coef)
		switch {
		case k == 0 && neg:
			b.WriteString("−")
		case k > 0 && neg:
			b.WriteString(" − ")
		case k > 0:
			b.WriteString(" + ")
		}
		if abs.Cmp(big.NewRat(1, 1)) != 0 {
			b.WriteString(FormatRat(abs))
			if !strings.HasPrefix(t.sym, "‖") {
				b.WriteString("·")
			}
		}
		b.WriteString(t.sym)
	}
	return b.String()
}

// paren wraps a compound basis name ("θ_0 − z") in parentheses for use inside a combination.
func paren(name string) string {
	if strings.ContainsAny(name, " +−") {
		return "(" + name + ")"
	}
	return name
}

// FormatRat writes r as an integer or a reduced fraction "p/q", with a true minus sign.
func FormatRat(r *big.Rat) string {
	s := r.RatString()
	return strings.Replace(s, "-", "−", 1)
}

// Eval1D evaluates f when every basis vector is a multiple of one unit vector of R (d = 1):
// vec[i] is basis vector i and vals[k] value symbol k. The quadratic part is summed over
// integers after clearing denominators (one normalisation at the end instead of one per
// term: replayed runs have denominators of thousands of bits).
func (f Form) Eval1D(vec, vals []*big.Rat) *big.Rat {
	if len(vec) != len(f.s.vectors) || len(vals) != len(f.s.values) {
		panic("pep: Eval1D with the wrong number of vectors or values")
	}
	out := new(big.Rat)
	var p big.Rat
	for i := range f.lin {
		if f.lin[i].Sign() != 0 {
			p.Mul(&f.lin[i], vals[i])
			out.Add(out, &p)
		}
	}
	if len(f.quad) == 0 {
		return out
	}
	d := lcmDenoms(func(yield func(*big.Rat) bool) {
		for _, v := range vec {
			if !yield(v) {
				return
			}
		}
	})
	e := lcmDenoms(func(yield func(*big.Rat) bool) {
		for _, q := range f.quad {
			if !yield(q) {
				return
			}
		}
	})
	ints := make([]*big.Int, len(vec)) // vec[i]·d
	for i, v := range vec {
		ints[i] = new(big.Int).Mul(v.Num(), new(big.Int).Quo(d, v.Denom()))
	}
	sum := new(big.Int)
	var q, t big.Int
	for k, c := range f.quad {
		q.Mul(c.Num(), new(big.Int).Quo(e, c.Denom())) // Q_ij·e
		if k[0] != k[1] {
			q.Lsh(&q, 1)
		}
		t.Mul(ints[k[0]], ints[k[1]])
		t.Mul(&t, &q)
		sum.Add(sum, &t)
	}
	den := new(big.Int).Mul(d, d)
	den.Mul(den, e)
	return out.Add(out, new(big.Rat).SetFrac(sum, den))
}

// lcmDenoms is the least common multiple of the denominators of the given rationals.
func lcmDenoms(seq func(yield func(*big.Rat) bool)) *big.Int {
	l := big.NewInt(1)
	var g big.Int
	for r := range seq {
		den := r.Denom()
		if den.Cmp(big.NewInt(1)) == 0 {
			continue
		}
		g.GCD(nil, nil, l, den)
		l.Mul(l, new(big.Int).Quo(den, &g))
	}
	return l
}
