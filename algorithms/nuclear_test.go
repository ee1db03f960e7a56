package algorithms

import (
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
)

// nucTestTB is what the helpers need from *testing.T and *rapid.T.
type nucTestTB interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

// nucTestSolve runs the solver and checks the invariants every result must satisfy:
// certified, exact feasibility, 0 ≤ Dual ≤ Primal, Gap and RelGap consistent, and Primal at
// least the computed nuclear norm of X.
func nucTestSolve(t nucTestTB, c *Completion, opt NuclearOptions) *NuclearResult {
	t.Helper()
	res, err := MinNuclearCompletion(c, opt)
	if err != nil {
		t.Fatalf("MinNuclearCompletion: %v", err)
	}
	if !res.Certified {
		t.Fatalf("result not certified: %+v", res)
	}
	for k := range c.I {
		if got := res.X.At(c.I[k], c.J[k]); got != c.M[k] {
			t.Fatalf("X(%d, %d) = %v, want the observed %v exactly", c.I[k], c.J[k], got, c.M[k])
		}
	}
	if !(res.Dual >= 0) || !(res.Dual <= res.Primal) || math.IsInf(res.Primal, 0) {
		t.Fatalf("bounds out of order: dual %v, primal %v", res.Dual, res.Primal)
	}
	if !(res.Gap >= res.Primal-res.Dual) || !(res.Gap >= 0) {
		t.Fatalf("gap %v below primal − dual = %v", res.Gap, res.Primal-res.Dual)
	}
	if res.Primal > 0 && !(res.RelGap >= res.Gap/res.Primal) {
		t.Fatalf("relative gap %v below gap/primal = %v", res.RelGap, res.Gap/res.Primal)
	}
	s, ok := numeric.SingularValues(res.X)
	if !ok {
		t.Fatal("singular values of X failed")
	}
	if nn := numeric.NuclearNorm(s); !(res.Primal >= nn) {
		t.Fatalf("certified primal %v below the computed ‖X‖_* = %v", res.Primal, nn)
	}
	return res
}

// nucTestRelErr returns ‖X − M‖_F/‖M‖_F.
func nucTestRelErr(X, M *mat.Dense) float64 {
	var d mat.Dense
	d.Sub(X, M)
	return numeric.FrobNorm(&d) / numeric.FrobNorm(M)
}

// nucTestBracket asserts Dual ≤ want ≤ Primal, where want is an optimum computed from
// singular values (so known to about 1e-13 relative: the slack) and the gap is below tol.
func nucTestBracket(t *testing.T, res *NuclearResult, want, tol float64) {
	t.Helper()
	slack := 1e-12 * want
	if !(res.Dual <= want+slack) || !(res.Primal >= want-slack) {
		t.Fatalf("optimum %v outside the certified bracket [%v, %v]", want, res.Dual, res.Primal)
	}
	if !(res.RelGap <= tol) {
		t.Fatalf("relative gap %v above %v after %d iterations", res.RelGap, tol, res.Iterations)
	}
}

func nucTestNuclear(t nucTestTB, a mat.Matrix) float64 {
	t.Helper()
	s, ok := numeric.SingularValues(a)
	if !ok {
		t.Fatal("singular values failed")
	}
	return numeric.NuclearNorm(s)
}

func nucTestGaussian(rng *rand.Rand, r, c int) *mat.Dense {
	a := mat.NewDense(r, c, nil)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			a.Set(i, j, rng.NormFloat64())
		}
	}
	return a
}

// Fully observed: the only feasible point is M, so OPT = ‖M‖_*, and the certificate must
// close the gap (the dual optimum is the polar factor of M, supported everywhere).
func TestNuclearFullyObserved(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	M := nucTestGaussian(rng, 5, 7)
	I, J := generators.AllEntriesBut(5, 7)
	c, err := CompletionFrom(M, I, J, 1)
	if err != nil {
		t.Fatal(err)
	}
	res := nucTestSolve(t, c, NuclearOptions{})
	nucTestBracket(t, res, nucTestNuclear(t, M), 1e-6)
	if !mat.Equal(res.X, M) {
		t.Fatal("X differs from the fully observed M")
	}
}

// Ω = {(0,1), (1,0), (1,1)} with values 1, 1, 0: X = [[w, 1], [1, 0]] is symmetric with
// eigenvalues (w ± √(w² + 4))/2 of opposite signs, so ‖X‖_* = √(w² + 4), minimal (= 2) at
// w = 0 only.
func TestNuclearTwoByTwo(t *testing.T) {
	c, err := NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	res := nucTestSolve(t, c, NuclearOptions{})
	nucTestBracket(t, res, 2, 1e-6)
	// ‖X‖_* − 2 = √(w² + 4) − 2 ≥ w²/5 for |w| ≤ 1, so |w| ≤ √(5·Gap).
	if w := res.X.At(0, 0); !(math.Abs(w) <= math.Sqrt(5*res.Gap)) {
		t.Fatalf("X(0,0) = %v, want |w| ≤ √(5·gap) = %v", w, math.Sqrt(5*res.Gap))
	}
	// The same instance at extreme scales: OPT scales exactly with M.
	for _, scale := range []float64{0x1p-900, 0x1p-40, 1e250} {
		cs, _ := NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{scale, scale, 0}, 1)
		rs := nucTestSolve(t, cs, NuclearOptions{})
		nucTestBracket(t, rs, 2*scale, 1e-6)
	}
}

// Certification at machine precision: on instances whose optimum is exactly representable,
// the iterates are driven to convergence (GapTol far below rounding) and the bounds must
// bracket the exact OPT with no slack at all — this is where an uncertified dual (computed
// ‖Y‖₂, plain inner product) or primal (plain Σσ̂) would cross it.
func TestNuclearCertifiedAtMachinePrecision(t *testing.T) {
	hadamard := mat.NewDense(4, 4, []float64{1, 1, 1, 1, 1, -1, 1, -1, 1, 1, -1, -1, 1, -1, -1, 1})
	cases := []struct {
		name string
		c    func() (*Completion, error)
		opt  float64
	}{
		// [[w, 1], [1, 0]]: OPT = 2 at w = 0.
		{"2×2 missing corner", func() (*Completion, error) {
			return NewCompletion(2, 2, []int{0, 1, 1}, []int{1, 0, 1}, []float64{1, 1, 0}, 1)
		}, 2},
		// [[3, 4], [−4, 3]] = 5·rotation: σ = (5, 5).
		{"2×2 scaled rotation", func() (*Completion, error) {
			return NewCompletion(2, 2, []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, []float64{3, 4, -4, 3}, 1)
		}, 10},
		// Hadamard H_4: HᵀH = 4I, σ = (2, 2, 2, 2); its polar factor H/2 is exact in binary.
		{"Hadamard 4×4", func() (*Completion, error) {
			I, J := generators.AllEntriesBut(4, 4)
			return CompletionFrom(hadamard, I, J, 1)
		}, 8},
	}
	for _, tc := range cases {
		c, err := tc.c()
		if err != nil {
			t.Fatal(err)
		}
		res := nucTestSolve(t, c, NuclearOptions{MaxIter: 3000, GapTol: 1e-300, CheckEvery: 1})
		if !(res.Dual <= tc.opt) || !(res.Primal >= tc.opt) {
			t.Errorf("%s: exact optimum %v outside [%v, %v]", tc.name, tc.opt, res.Dual, res.Primal)
		}
		if !(res.RelGap <= 1e-12) {
			t.Errorf("%s: relative gap %v, want convergence to rounding level", tc.name, res.RelGap)
		}
	}
}

// Disconnected blocks: with the diagonal blocks M_1, M_2 fully observed and the off-diagonal
// blocks free, the pinching inequality ‖X‖_* ≥ ‖X_11‖_* + ‖X_22‖_* makes OPT = ‖M_1‖_* + ‖M_2‖_*
// (attained with zero off-diagonal blocks).
func TestNuclearBlockDiagonal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	M1, M2 := nucTestGaussian(rng, 3, 3), nucTestGaussian(rng, 2, 4)
	I, J := generators.BlockEntries([][]int{{0, 1, 2}, {3, 4}}, [][]int{{0, 1, 2}, {3, 4, 5, 6}})
	M := mat.NewDense(5, 7, nil)
	M.Slice(0, 3, 0, 3).(*mat.Dense).Copy(M1)
	M.Slice(3, 5, 3, 7).(*mat.Dense).Copy(M2)
	c, err := CompletionFrom(M, I, J, 1)
	if err != nil {
		t.Fatal(err)
	}
	if g := generators.NewObservationGraph(5, 7, I, J); g.Components != 2 {
		t.Fatalf("observation graph has %d components, want 2", g.Components)
	}
	res := nucTestSolve(t, c, NuclearOptions{})
	nucTestBracket(t, res, nucTestNuclear(t, M1)+nucTestNuclear(t, M2), 1e-6)
}

// A rank-2 30×30 target observed on 60% of its entries is recovered exactly by nuclear-norm
// minimisation (well above the recovery threshold), and the certificate closes to 1e-6.
func TestNuclearRecoversLowRank(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	M := generators.LowRankTarget(rng, 30, 30, 2)
	I, J := generators.UniformEntries(rng, 30, 30, 540)
	c, err := CompletionFrom(M, I, J, 1)
	if err != nil {
		t.Fatal(err)
	}
	res := nucTestSolve(t, c, NuclearOptions{})
	if !(res.RelGap <= 1e-6) {
		t.Fatalf("relative gap %v after %d iterations", res.RelGap, res.Iterations)
	}
	if e := nucTestRelErr(res.X, M); !(e < 1e-4) {
		t.Fatalf("relative error %v, want < 1e-4", e)
	}
	// M is feasible, so its nuclear norm bounds OPT from above.
	if mn := nucTestNuclear(t, M); !(res.Dual <= mn*(1+1e-12)) {
		t.Fatalf("dual %v above ‖M‖_* = %v", res.Dual, mn)
	}
}

// The certificate is honest: on an instance where the minimum-nuclear-norm completion is
// NOT the low-rank truth (too few entries), every feasible matrix — the truth, the zero fill,
// X with its free entries perturbed — has nuclear norm at least Dual; perturbations of X
// much larger than the gap raise the nuclear norm (the growth is first order in the part
// of the perturbation outside X's tangent space, since ‖Y*‖₂ < 1 there).
func TestNuclearCertificateHonest(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	const d = 20
	M := generators.LowRankTarget(rng, d, d, 3)
	I, J := generators.UniformEntries(rng, d, d, 150)
	c, err := CompletionFrom(M, I, J, 1)
	if err != nil {
		t.Fatal(err)
	}
	res := nucTestSolve(t, c, NuclearOptions{})
	if !(res.RelGap <= 1e-6) {
		t.Fatalf("relative gap %v after %d iterations", res.RelGap, res.Iterations)
	}
	truth, ok := nuclearNormUpper(M)
	if !ok || !(res.Dual <= truth) {
		t.Fatalf("dual %v above the truth's certified nuclear norm %v", res.Dual, truth)
	}
	if !(res.Primal < truth*(1-1e-3)) {
		t.Fatalf("instance too easy: primal %v not below the truth's %v", res.Primal, truth)
	}
	observed := make([]bool, d*d)
	for k := range I {
		observed[I[k]*d+J[k]] = true
	}
	zeroFill := mat.NewDense(d, d, nil)
	for k := range I {
		zeroFill.Set(I[k], J[k], c.M[k])
	}
	if z, _ := nuclearNormUpper(zeroFill); !(res.Dual <= z) {
		t.Fatalf("dual %v above the zero fill's nuclear norm %v", res.Dual, z)
	}
	for _, delta := range []float64{1e-9, 1e-6, 1e-3, 1e-1, 1} {
		for rep := 0; rep < 5; rep++ {
			Xp := mat.DenseCopyOf(res.X)
			for p := 0; p < d*d; p++ {
				if !observed[p] {
					Xp.Set(p/d, p%d, Xp.At(p/d, p%d)+delta*rng.NormFloat64())
				}
			}
			up, ok := nuclearNormUpper(Xp)
			if !ok {
				t.Fatal("nuclear norm of the perturbation failed")
			}
			if computed := nucTestNuclear(t, Xp); !(res.Dual <= up) || !(res.Dual <= computed*(1+1e-12)) {
				t.Fatalf("δ = %v: dual %v above a feasible nuclear norm %v (certified %v)", delta, res.Dual, computed, up)
			}
			if delta >= 1e-3 && !(up > res.Primal) {
				t.Fatalf("δ = %v: perturbed nuclear norm %v does not exceed the primal %v (gap %v)", delta, up, res.Primal, res.Gap)
			}
		}
	}
}

// Rapid: on random small instances at random scales, after any number of iterations, the
// result is feasible, 0 ≤ Dual ≤ Primal, and Dual is below the nuclear norm of random feasible
// completions (computed without the solver's certification code).
func TestNuclearDualBelowAnyFeasible(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rows, cols := rapid.IntRange(1, 6).Draw(rt, "rows"), rapid.IntRange(1, 6).Draw(rt, "cols")
		var I, J []int
		for p := 0; p < rows*cols; p++ {
			if rapid.Bool().Draw(rt, "observed") {
				I, J = append(I, p/cols), append(J, p%cols)
			}
		}
		if len(I) == 0 {
			I, J = []int{0}, []int{0}
		}
		exp := rapid.IntRange(-300, 300).Draw(rt, "exp")
		vals := make([]float64, len(I))
		for k := range vals {
			vals[k] = math.Ldexp(rapid.Float64Range(-1, 1).Draw(rt, "value"), exp)
		}
		c, err := NewCompletion(rows, cols, I, J, vals, 1)
		if err != nil {
			rt.Fatal(err)
		}
		iters := rapid.IntRange(1, 300).Draw(rt, "iters")
		res := nucTestSolve(rt, c, NuclearOptions{MaxIter: iters, CheckEvery: rapid.IntRange(1, 20).Draw(rt, "every")})
		fill := rapid.Float64Range(0, 4).Draw(rt, "fill scale")
		rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(rt, "fill seed"), 1))
		for rep := 0; rep < 5; rep++ {
			X := mat.NewDense(rows, cols, nil)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					X.Set(i, j, math.Ldexp(fill*(2*rng.Float64()-1), exp))
				}
			}
			for k := range I {
				X.Set(I[k], J[k], vals[k])
			}
			if nn := nucTestNuclear(rt, X); !(res.Dual <= nn*(1+1e-12)) {
				rt.Fatalf("dual %v above the nuclear norm %v of a feasible completion", res.Dual, nn)
			}
		}
	})
}

// nucTestCompareSqrt returns the sign of x − √n for a non-negative double x and a
// non-negative integer n < 2⁵³, exactly: x² = hi + lo with hi = fl(x²) and lo recovered by a
// fused multiply-add, and hi − n is exact when hi is within a factor 2 of n (Sterbenz).
func nucTestCompareSqrt(x float64, n int64) int {
	nf := float64(n)
	hi := x * x
	lo := math.FMA(x, x, -hi)
	if hi > 2*nf+1 {
		return 1
	}
	if 2*hi < nf-1 {
		return -1
	}
	d := (hi - nf) + lo // hi − nf exact; one rounding cannot change the sign of the sum
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

// Rapid, exact: for a fully observed integer 2×2 matrix, OPT = ‖M‖_* = σ_1 + σ_2 =
// √(‖M‖_F² + 2|det M|), an integer under the root; the certified bounds must bracket it
// exactly (compared in exact arithmetic, no tolerance) once converged to rounding level.
func TestNuclearExactTwoByTwo(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		v := make([]float64, 4)
		var f2 int64
		for k := range v {
			x := rapid.Int64Range(-1000, 1000).Draw(rt, "entry")
			v[k], f2 = float64(x), f2+x*x
		}
		det := int64(v[0])*int64(v[3]) - int64(v[1])*int64(v[2])
		n := f2 + 2*max(det, -det)
		c, err := NewCompletion(2, 2, []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, v, 1)
		if err != nil {
			rt.Fatal(err)
		}
		res := nucTestSolve(rt, c, NuclearOptions{MaxIter: 500, GapTol: 1e-300, CheckEvery: 1})
		if nucTestCompareSqrt(res.Dual, n) > 0 {
			rt.Fatalf("dual %v above the exact optimum √%d", res.Dual, n)
		}
		if nucTestCompareSqrt(res.Primal, n) < 0 {
			rt.Fatalf("primal %v below the exact ‖M‖_* = √%d", res.Primal, n)
		}
	})
}

func TestNuclearOptions(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	M := generators.LowRankTarget(rng, 15, 15, 2)
	I, J := generators.UniformEntries(rng, 15, 15, 120)
	c, _ := CompletionFrom(M, I, J, 1)

	res := nucTestSolve(t, c, NuclearOptions{MaxIter: 7, CheckEvery: 3})
	if res.Iterations != 7 {
		t.Fatalf("MaxIter 7 ran %d iterations", res.Iterations)
	}
	var seen []int
	res = nucTestSolve(t, c, NuclearOptions{CheckEvery: 5, Visit: func(it int, p, d float64) bool {
		seen = append(seen, it)
		return len(seen) < 3
	}})
	if len(seen) != 3 || seen[0] != 5 || seen[2] != 15 || res.Iterations != 15 {
		t.Fatalf("visits at %v, stopped after %d iterations; want 5, 10, 15", seen, res.Iterations)
	}
	// A fixed penalty, in the caller's units, stays fixed and still converges.
	res = nucTestSolve(t, c, NuclearOptions{Rho: 0.5, MaxIter: 20000})
	if res.Rho != 0.5 || !(res.RelGap <= 1e-6) {
		t.Fatalf("fixed ρ: final ρ %v, relative gap %v", res.Rho, res.RelGap)
	}
	// GapTol is honoured: a loose tolerance stops earlier with a gap within it.
	loose := nucTestSolve(t, c, NuclearOptions{GapTol: 1e-2, CheckEvery: 1})
	tight := nucTestSolve(t, c, NuclearOptions{GapTol: 1e-9, CheckEvery: 1})
	if !(loose.RelGap <= 1e-2) || !(tight.RelGap <= 1e-9) || !(loose.Iterations < tight.Iterations) {
		t.Fatalf("GapTol 1e-2: %d iterations, gap %v; 1e-9: %d iterations, gap %v", loose.Iterations, loose.RelGap, tight.Iterations, tight.RelGap)
	}
	// All observed values zero: X = 0 is optimal and certified at once.
	z, _ := NewCompletion(3, 4, []int{0, 2}, []int{1, 3}, []float64{0, 0}, 1)
	res = nucTestSolve(t, z, NuclearOptions{})
	if res.Primal != 0 || res.Dual != 0 || res.Gap != 0 {
		t.Fatalf("zero data: primal %v, dual %v, gap %v", res.Primal, res.Dual, res.Gap)
	}
}

func TestNuclearErrors(t *testing.T) {
	good, _ := NewCompletion(2, 2, []int{0, 1}, []int{0, 1}, []float64{1, 2}, 1)
	empty, _ := NewCompletion(2, 2, nil, nil, nil, 1)
	cases := []struct {
		name string
		c    *Completion
		opt  NuclearOptions
		want string
	}{
		{"nil", nil, NuclearOptions{}, "nil completion"},
		{"no entries", empty, NuclearOptions{}, "no observed entries"},
		{"NaN value", &Completion{rows: 2, cols: 2, I: []int{0}, J: []int{1}, M: []float64{math.NaN()}}, NuclearOptions{}, "not finite"},
		{"Inf value", &Completion{rows: 2, cols: 2, I: []int{0}, J: []int{1}, M: []float64{math.Inf(-1)}}, NuclearOptions{}, "not finite"},
		{"repeated entry", &Completion{rows: 2, cols: 2, I: []int{0, 0}, J: []int{1, 1}, M: []float64{1, 2}}, NuclearOptions{}, "observed twice"},
		{"out of range", &Completion{rows: 2, cols: 2, I: []int{2}, J: []int{0}, M: []float64{1}}, NuclearOptions{}, "outside"},
		{"zero shape", &Completion{I: []int{0}, J: []int{0}, M: []float64{1}}, NuclearOptions{}, "shape"},
		{"negative MaxIter", good, NuclearOptions{MaxIter: -1}, "MaxIter"},
		{"NaN GapTol", good, NuclearOptions{GapTol: math.NaN()}, "GapTol"},
		{"negative Rho", good, NuclearOptions{Rho: -1}, "Rho"},
		{"Inf Rho", good, NuclearOptions{Rho: math.Inf(1)}, "Rho"},
		{"negative CheckEvery", good, NuclearOptions{CheckEvery: -2}, "CheckEvery"},
	}
	for _, tc := range cases {
		res, err := MinNuclearCompletion(tc.c, tc.opt)
		if err == nil || !strings.Contains(err.Error(), tc.want) || res != nil {
			t.Errorf("%s: result %v, error %v; want an error mentioning %q", tc.name, res, err, tc.want)
		}
	}

	// Singular values overflow: every entry near MaxFloat64 gives σ_1 = +Inf, which the
	// certification must refuse rather than report.
	huge, _ := NewCompletion(2, 2, []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, []float64{1.7e308, 1.7e308, 1.7e308, 1.7e308}, 1)
	if res, err := MinNuclearCompletion(huge, NuclearOptions{}); err == nil || !strings.Contains(err.Error(), "nothing certified") || res != nil {
		t.Errorf("overflowing instance: result %v, error %v; want an SVD error with nothing certified", res, err)
	}

	// A failure after a certification returns the bounds certified so far.
	rng := rand.New(rand.NewPCG(13, 14))
	M := generators.LowRankTarget(rng, 10, 10, 2)
	I, J := generators.UniformEntries(rng, 10, 10, 40)
	c, _ := CompletionFrom(M, I, J, 1)
	calls := 0
	defer func(f func(*numeric.SVDWork, mat.Matrix) (*mat.Dense, []float64, *mat.Dense, bool)) { nuclearSVD = f }(nuclearSVD)
	nuclearSVD = func(w *numeric.SVDWork, a mat.Matrix) (*mat.Dense, []float64, *mat.Dense, bool) {
		if calls++; calls > 4 {
			return nil, nil, nil, false
		}
		return w.SVD(a)
	}
	res, err := MinNuclearCompletion(c, NuclearOptions{CheckEvery: 2, GapTol: 1e-12})
	if err == nil || !strings.Contains(err.Error(), "iteration 5") || !strings.Contains(err.Error(), "certified so far") {
		t.Fatalf("injected SVD failure: error %v", err)
	}
	if res == nil || !res.Certified || res.Iterations != 4 || !(res.Dual <= res.Primal) {
		t.Fatalf("injected SVD failure: partial result %+v", res)
	}

	// A primal bound that undercuts the dual one (here: singular values halved) is reported
	// as an inconsistent certificate, never returned as a negative gap.
	nuclearSVD = (*numeric.SVDWork).SVD
	defer func(f func(mat.Matrix) ([]float64, bool)) { nuclearSingularValues = f }(nuclearSingularValues)
	nuclearSingularValues = func(a mat.Matrix) ([]float64, bool) {
		s, ok := numeric.SingularValues(a)
		numeric.ScaleTo(s, 0.5, s)
		return s, ok
	}
	res, err = MinNuclearCompletion(c, NuclearOptions{})
	if err == nil || !strings.Contains(err.Error(), "inconsistent certificate") || res == nil || !(res.Gap < 0) {
		t.Fatalf("halved primal: result %+v, error %v; want an inconsistent-certificate error", res, err)
	}
}

// TestNuclearPaperScale is Arora et al.'s (2019) nuclear-norm baseline at the paper's scale:
// 100×100 rank-5 target (generators.LowRankTarget, ‖M‖_F = 100), 2000 and 5000 uniformly
// random entries. It takes a few seconds per instance, so it runs only when NUCLEAR_PAPER is
// set (and never under -short):
//
//	NUCLEAR_PAPER=1 go test ./algorithms -run TestNuclearPaperScale -v
//
// Paper (papers notes A.4, the authors' draw and cvxpy/SCS with tolerance 1e-3): 2000 entries,
// error ‖X − M‖_F²/d² ≈ 0.11 (blog table 1.06e-1), effective rank ≈ 9.5, minimum nuclear norm
// 210.15 vs ≈ 219.4 for the truth; 5000 entries, error ≈ 8e-7 (recovery).
func TestNuclearPaperScale(t *testing.T) {
	if testing.Short() || os.Getenv("NUCLEAR_PAPER") == "" {
		t.Skip("set NUCLEAR_PAPER=1 (without -short) to run the 100×100 paper-scale baseline")
	}
	const d = 100
	for _, tc := range []struct {
		entries int
		seeds   int
	}{{2000, 5}, {5000, 2}} {
		for seed := uint64(1); seed <= uint64(tc.seeds); seed++ {
			rng := rand.New(rand.NewPCG(seed, 2019))
			M := generators.LowRankTarget(rng, d, d, 5)
			I, J := generators.UniformEntries(rng, d, d, tc.entries)
			c, err := CompletionFrom(M, I, J, 1)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res := nucTestSolve(t, c, NuclearOptions{})
			wall := time.Since(start)
			if !(res.RelGap <= 1e-6) {
				t.Errorf("%d entries, seed %d: relative gap %v after %d iterations", tc.entries, seed, res.RelGap, res.Iterations)
			}
			truth, _ := nuclearNormUpper(M)
			if !(res.Dual <= truth) {
				t.Errorf("%d entries, seed %d: dual %v above the truth's nuclear norm %v", tc.entries, seed, res.Dual, truth)
			}
			e := nucTestRelErr(res.X, M)
			if tc.entries == 5000 && !(e*e < 1e-8) {
				t.Errorf("5000 entries, seed %d: error %v, want recovery", seed, e*e)
			}
			s, _ := numeric.SingularValues(res.X)
			st, _ := numeric.SingularValues(M)
			t.Logf("%d entries, seed %d: %d iterations, %v, certified rel. gap %.2g, error %.3g, erank %.2f (truth %.2f), ‖X‖_* ∈ [%.4f, %.4f] (truth %.2f)",
				tc.entries, seed, res.Iterations, wall.Round(time.Millisecond), res.RelGap, e*e,
				numeric.EffectiveRank(s), numeric.EffectiveRank(st), res.Dual, res.Primal, numeric.NuclearNorm(st))
		}
	}
}
