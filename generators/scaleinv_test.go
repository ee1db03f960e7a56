package generators

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

func siTestLosses(t *testing.T) map[string]FactorLoss {
	rng := rand.New(rand.NewPCG(21, 22))
	var noise, A []*mat.Dense
	for k := 0; k < 3; k++ {
		noise = append(noise, randMat(rng, 4, 3, 1))
		A = append(A, randMat(rng, 4, 3, 0.7))
	}
	sq, err := NewFactorSquared(2, randMat(rng, 4, 2, 1), randMat(rng, 3, 2, 1), 0.3, noise)
	if err != nil {
		t.Fatal(err)
	}
	sq0, err := NewFactorSquaredDims(4, 3, 0.5, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := NewFactorSoftplus(A, randVec(rng, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]FactorLoss{"squared": sq, "squared-zero-target": sq0, "softplus": sp}
}

func siIdentity(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		m.Set(i, i, 1)
	}
	return m
}

// siDenseGrad returns G = ∇f_B(XYᵀ) via GradMul with M = I.
func siDenseGrad(f FactorLoss, X, Y *mat.Dense, batch []int) *mat.Dense {
	d1, d2 := f.Dims()
	G := mat.NewDense(d1, d2, nil)
	f.GradMul(G, nil, X, Y, siIdentity(d2), nil, batch)
	return G
}

// With Y = I, XYᵀ = X = W: GradMul's G must be the derivative of Value in W (central
// differences), for every family and minibatch.
func TestFactorLossGradientIsDerivativeOfValue(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for name, f := range siTestLosses(t) {
		d1, d2 := f.Dims()
		for _, batch := range [][]int{nil, {1}, {0, 2}} {
			if f.Components() == 1 && batch != nil {
				continue
			}
			W, I := randMat(rng, d1, d2, 0.8), siIdentity(d2)
			G := siDenseGrad(f, W, I, batch)
			const h = 1e-6
			for i := 0; i < d1; i++ {
				for j := 0; j < d2; j++ {
					w0 := W.At(i, j)
					W.Set(i, j, w0+h)
					fp := f.Value(W, I, batch)
					W.Set(i, j, w0-h)
					fm := f.Value(W, I, batch)
					W.Set(i, j, w0)
					if fd := (fp - fm) / (2 * h); math.Abs(fd-G.At(i, j)) > 1e-7*(1+math.Abs(fd)) {
						t.Errorf("%s batch %v: ∂f/∂W_%d%d = %g by differences, GradMul gives %g", name, batch, i, j, fd, G.At(i, j))
					}
				}
			}
		}
	}
}

// GradMul's two products are G·M and Gᵀ·N for the same G, and GradScale bounds ‖G‖_F.
func TestFactorLossProductsAndScale(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for name, f := range siTestLosses(t) {
		d1, d2 := f.Dims()
		X, Y := randMat(rng, d1, 2, 1), randMat(rng, d2, 2, 1)
		batch := []int{0}
		G := siDenseGrad(f, X, Y, batch)
		M, N := randMat(rng, d2, 3, 1), randMat(rng, d1, 2, 1)
		GM, GtN := mat.NewDense(d1, 3, nil), mat.NewDense(d2, 2, nil)
		f.GradMul(GM, GtN, X, Y, M, N, batch)
		var wantM, wantN mat.Dense
		wantM.Mul(G, M)
		wantN.Mul(G.T(), N)
		if !mat.EqualApprox(GM, &wantM, 1e-13) || !mat.EqualApprox(GtN, &wantN, 1e-13) {
			t.Errorf("%s: GradMul products disagree with the dense gradient", name)
		}
		if s, g := f.GradScale(X, Y, batch), numeric.FrobNorm(G); !(s >= g) {
			t.Errorf("%s: GradScale %g < ‖G‖_F %g", name, s, g)
		}
		if v, s := f.Value(X, Y, batch), f.ValueScale(X, Y, batch); !(s >= math.Abs(v)) {
			t.Errorf("%s: ValueScale %g < |Value| %g", name, s, v)
		}
	}
}

// The softplus loss's certified L bounds the Hessian (1/K)Σσ′(z_k)a_k a_kᵀ everywhere and is
// attained at z = 0 (σ′ = ¼), i.e. at W = 0 with b = 0; the trace bound is looser.
func TestSoftplusSmoothnessIsCertifiedAndTight(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	const K, d1, d2 = 3, 3, 2
	var A []*mat.Dense
	for k := 0; k < K; k++ {
		A = append(A, randMat(rng, d1, d2, 1))
	}
	hessian := func(f *FactorSoftplus, W *mat.Dense) float64 {
		H := mat.NewSymDense(d1*d2, nil)
		for k, a := range f.a {
			z := siDot(a.RawMatrix(), W.RawMatrix()) - f.b[k]
			s := numeric.Sigmoid(z) * numeric.Sigmoid(-z) / K
			v := mat.NewVecDense(d1*d2, mat.DenseCopyOf(a).RawMatrix().Data)
			H.SymRankOne(H, s, v)
		}
		lam, ok := numeric.MaxEigSym(H)
		if !ok {
			t.Fatal("eigenvalue")
		}
		return lam
	}
	f, err := NewFactorSoftplus(A, []float64{0, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	L := f.Smoothness()
	if top := hessian(f, mat.NewDense(d1, d2, nil)); !(top <= L) || L > top*(1+1e-12) {
		t.Errorf("at z = 0 the Hessian's top eigenvalue %g should equal L = %g up to certification", top, L)
	}
	for i := 0; i < 20; i++ {
		if top := hessian(f, randMat(rng, d1, d2, 2)); !(top <= L) {
			t.Errorf("Hessian eigenvalue %g > L = %g", top, L)
		}
	}
	if !(f.TraceSmoothness() >= L) {
		t.Errorf("trace bound %g < L %g", f.TraceSmoothness(), L)
	}
	for k, a := range A {
		if n := mat.Norm(a, 2); !(f.ComponentSmoothness() >= n*n/4) {
			t.Errorf("component %d: ‖A_k‖_F²/4 = %g > ComponentSmoothness %g", k, n*n/4, f.ComponentSmoothness())
		}
	}
}

func TestScalarTargetDerivatives(t *testing.T) {
	for _, kind := range []string{ScalarSquared, ScalarLogCosh, ScalarLogistic} {
		var labels []float64
		if kind == ScalarLogistic {
			labels = []float64{1, -1, 1}
		}
		f, err := NewScalarTarget(kind, 3, []float64{0.4, -0.7, 1.3}, labels)
		if err != nil {
			t.Fatal(err)
		}
		for _, batch := range [][]int{nil, {2}, {0, 1}} {
			for _, w := range []float64{-2, -0.3, 0.1, 0.9, 4} {
				const h = 1e-5
				d := (f.Value(w+h, batch) - f.Value(w-h, batch)) / (2 * h)
				d2 := (f.Deriv(w+h, batch) - f.Deriv(w-h, batch)) / (2 * h)
				if math.Abs(d-f.Deriv(w, batch)) > 1e-8 || math.Abs(d2-f.Deriv2(w, batch)) > 1e-8 {
					t.Errorf("%s batch %v w = %g: f′ %g vs %g, f″ %g vs %g", kind, batch, w, f.Deriv(w, batch), d, f.Deriv2(w, batch), d2)
				}
				if f.Deriv2(w, batch) > f.Smoothness() || f.DerivScale(w, batch) < math.Abs(f.Deriv(w, batch)) {
					t.Errorf("%s: f″ %g > L %g or DerivScale below |f′|", kind, f.Deriv2(w, batch), f.Smoothness())
				}
			}
		}
	}
}

func TestScalarTargetMinimiser(t *testing.T) {
	sq, _ := NewScalarTarget(ScalarSquared, 1, []float64{0.25, 0.5, 2}, nil)
	if w, ok := sq.Minimiser(nil); !ok || math.Abs(w-11.0/12) > 1e-15 {
		t.Errorf("squared: minimiser %g, want the mean 11/12", w)
	}
	lc, _ := NewScalarTarget(ScalarLogCosh, 2, []float64{0.3}, nil)
	if w, ok := lc.Minimiser(nil); !ok || w != 0.3 {
		t.Errorf("log-cosh: minimiser %g, want the target 0.3", w)
	}
	one, _ := NewScalarTarget(ScalarLogistic, 1, []float64{0, 1}, []float64{1, 1})
	if w, ok := one.Minimiser(nil); ok {
		t.Errorf("logistic with one label has no minimiser, got %g", w)
	}
	mixed, _ := NewScalarTarget(ScalarLogistic, 1, []float64{0, 1}, []float64{-1, 1})
	w, ok := mixed.Minimiser(nil)
	if !ok || math.Abs(mixed.Deriv(w, nil)) > 1e-15 || !(mixed.Deriv2(w, nil) > 0) {
		t.Errorf("logistic with both labels: w* = %g (ok %v), f′ = %g", w, ok, mixed.Deriv(w, nil))
	}
}

func TestScaleInvariantLossesDoNotAllocate(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for name, f := range siTestLosses(t) {
		d1, d2 := f.Dims()
		X, Y := randMat(rng, d1, 2, 1), randMat(rng, d2, 2, 1)
		GM, GtN := mat.NewDense(d1, 2, nil), mat.NewDense(d2, 2, nil)
		batch := []int{0}
		if f.Components() > 1 {
			batch = []int{0, 2}
		}
		run := func() {
			f.GradMul(GM, GtN, X, Y, Y, X, batch)
			_ = f.Value(X, Y, batch) + f.GradScale(X, Y, batch)
		}
		run()
		if a := testing.AllocsPerRun(20, run); a != 0 {
			t.Errorf("%s: GradMul + Value allocate %v times", name, a)
		}
	}
	g, _ := NewScalarTarget(ScalarLogCosh, 1, []float64{0.1, 0.2}, nil)
	if a := testing.AllocsPerRun(20, func() { _ = g.Deriv(0.3, nil) + g.Deriv2(0.3, []int{1}) + g.Value(0.3, nil) }); a != 0 {
		t.Errorf("ScalarTarget allocates %v times", a)
	}
}

func TestPaperInstances(t *testing.T) {
	x0, y0 := PaperStart()
	if b := (numeric.Norm2Sq(x0) - numeric.Norm2Sq(y0)) / 2; math.Abs(2*math.Abs(b)-1.12) > 1e-15 {
		t.Errorf("paper start: 2|B_0| = %g, want 1.12", 2*math.Abs(b))
	}
	f, err := PaperNOP(0.5, [][]float64{{1, 0, 0, 0, 1, 0, 0, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := mat.NewDense(3, 3, []float64{1, 0, 0, 0, 0.4, 0, 0, 0, 0.25}) // A + 0.5·diag(1, 0.8, 0.5)
	if T := f.Target(nil); !mat.EqualApprox(T, want, 1e-15) || f.Curvature() != 2 {
		t.Errorf("paper NOP target %v", mat.Formatted(T))
	}
}

// Every draw is certified or Degenerate; starts have the promised balancedness; minibatches
// are non-empty sets of valid indices; steps land in their regime.
func TestScaleInvariantDraws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f, err := DrawFactorLoss(t, 4, 3)
		if err != nil {
			if _, ok := IsDegenerate(err); !ok {
				t.Fatalf("non-degenerate error %v", err)
			}
			return
		}
		L := f.Smoothness()
		if !(L >= minDrawnL && L <= maxDrawnL) || !(f.ComponentSmoothness() >= L*(1-1e-12)) || f.String() == "" {
			t.Fatalf("%v: L = %g, component L = %g", f, L, f.ComponentSmoothness())
		}
		d1, d2 := f.Dims()
		r := rapid.IntRange(1, 3).Draw(t, "r")
		X, Y, kind := DrawFactorStart(t, d1, d2, r)
		switch kind {
		case StartBalanced:
			var sx, sy float64
			for i := 0; i < d1; i++ {
				sx += numeric.Norm2Sq(X.RawRowView(i))
			}
			for i := 0; i < d2; i++ {
				sy += numeric.Norm2Sq(Y.RawRowView(i))
			}
			if sx != sy {
				t.Fatalf("balanced start: ‖X‖² = %g, ‖Y‖² = %g", sx, sy)
			}
		case StartYZero:
			if numeric.FrobNorm(Y) != 0 {
				t.Fatalf("y-zero start has Y ≠ 0")
			}
		case StartMinus3X:
			var m mat.Dense
			m.Scale(-3, X)
			if !mat.Equal(&m, Y) {
				t.Fatalf("y = −3x start: Y ≠ −3X")
			}
		}
		T := rapid.IntRange(1, 5).Draw(t, "T")
		batches, _ := DrawMinibatches(t, f.Components(), T)
		for _, b := range batches {
			if len(b) == 0 {
				t.Fatalf("empty minibatch")
			}
			for _, k := range b {
				if k < 0 || k >= f.Components() {
					t.Fatalf("index %d outside [0, %d)", k, f.Components())
				}
			}
		}
		regime := DrawRegime(t)
		lam := FactorLocalSmoothness(L, X, Y, f.GradScale(X, Y, nil))
		if lam >= minDrawnL && lam <= maxDrawnL {
			eta := DrawScaleInvStep(t, lam, regime)
			rng := map[string][2]float64{RegimeFlow: {1e-6, 1e-3}, RegimeModerate: {1e-3, 1}, RegimeLarge: {1, 10}}[regime]
			lo, hi := rng[0], rng[1]
			if v := eta * lam; !(v >= lo*(1-1e-12) && v <= hi*(1+1e-12)) {
				t.Fatalf("regime %s: ηΛ = %g outside [%g, %g]", regime, v, lo, hi)
			}
		}
		g, err := DrawScalarTarget(t, 3)
		if err != nil {
			if _, ok := IsDegenerate(err); !ok {
				t.Fatalf("non-degenerate error %v", err)
			}
			return
		}
		x, y, ik := DrawInnerStart(t, rapid.IntRange(1, 4).Draw(t, "d"))
		if ik == StartBalanced && numeric.Norm2Sq(x) != numeric.Norm2Sq(y) {
			t.Fatalf("balanced OP start: ‖x‖² ≠ ‖y‖²")
		}
		if v := g.Deriv(numeric.Dot(x, y), nil); !numeric.AllFinite(v) {
			t.Fatalf("%v: f′ = %g", g, v)
		}
	})
}
