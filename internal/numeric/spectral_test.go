package numeric

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestEigSymHandComputed(t *testing.T) {
	s2 := math.Sqrt2
	for _, tc := range []struct {
		name string
		a    *mat.SymDense
		want []float64
	}{
		{"2x2", mat.NewSymDense(2, []float64{2, 1, 1, 2}), []float64{1, 3}},
		{"swap", mat.NewSymDense(2, []float64{0, 1, 1, 0}), []float64{-1, 1}},
		{"tridiag", mat.NewSymDense(3, []float64{4, 1, 0, 1, 4, 1, 0, 1, 4}), []float64{4 - s2, 4, 4 + s2}},
		{"1x1", mat.NewSymDense(1, []float64{-5}), []float64{-5}},
		{"zero", mat.NewSymDense(3, nil), []float64{0, 0, 0}},
		{"diag", mat.NewSymDense(3, []float64{3, 0, 0, 0, -1, 0, 0, 0, 2}), []float64{-1, 2, 3}},
		{"rank1", mat.NewSymDense(2, []float64{1, 2, 2, 4}), []float64{0, 5}},
	} {
		vals, vecs, ok := EigSym(tc.a)
		if !ok {
			t.Fatalf("%s: EigSym not ok", tc.name)
		}
		n := len(tc.want)
		for i, w := range tc.want {
			if !near(vals[i], w, 16*Eps*5) {
				t.Errorf("%s: λ_%d = %.17g, want %.17g", tc.name, i, vals[i], w)
			}
		}
		// A v = λ v and VᵀV = I.
		var av, vtv mat.Dense
		av.Mul(tc.a, vecs)
		vtv.Mul(vecs.T(), vecs)
		for j := 0; j < n; j++ {
			for i := 0; i < n; i++ {
				if !near(av.At(i, j), vals[j]*vecs.At(i, j), 64*Eps*5) {
					t.Errorf("%s: residual (AV − VΛ)[%d,%d] = %g", tc.name, i, j, av.At(i, j)-vals[j]*vecs.At(i, j))
				}
				want := 0.0
				if i == j {
					want = 1
				}
				if !near(vtv.At(i, j), want, 64*Eps) {
					t.Errorf("%s: (VᵀV)[%d,%d] = %g", tc.name, i, j, vtv.At(i, j))
				}
			}
		}
		hi, _ := MaxEigSym(tc.a)
		lo, _ := MinEigSym(tc.a)
		// Values-only and with-vectors runs may differ in the last bits.
		if !near(hi, vals[n-1], 16*Eps*5) || !near(lo, vals[0], 16*Eps*5) {
			t.Errorf("%s: MaxEigSym/MinEigSym = %g/%g disagree with EigSym", tc.name, hi, lo)
		}
	}
}

func TestDiagonalIsExact(t *testing.T) {
	a := mat.NewSymDense(3, []float64{0.1, 0, 0, 0, 1, 0, 0, 0, 0.3})
	if v, ok := CertifiedMaxEigSym(a); !ok || v != 1 {
		t.Errorf("CertifiedMaxEigSym(diag) = %v, %v; want exactly 1", v, ok)
	}
	if v, ok := CertifiedMinEigSym(a); !ok || v != 0.1 {
		t.Errorf("CertifiedMinEigSym(diag) = %v, %v; want exactly 0.1", v, ok)
	}
}

// randomOrthogonal returns Q from the QR factorisation of a Gaussian matrix.
func randomOrthogonal(r *rand.Rand, n int) *mat.Dense {
	g := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			g.Set(i, j, r.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(g)
	var q mat.Dense
	qr.QTo(&q)
	return &q
}

// conjugate returns Q diag(lam) Qᵀ, symmetrised.
func conjugate(q *mat.Dense, lam []float64) *mat.SymDense {
	n := len(lam)
	var ql, a mat.Dense
	ql.Scale(1, q)
	for j := 0; j < n; j++ {
		for i := 0; i < n; i++ {
			ql.Set(i, j, q.At(i, j)*lam[j])
		}
	}
	a.Mul(&ql, q.T())
	return SymPart(&a)
}

func TestEigSymOrthogonalConjugation(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for _, n := range []int{2, 3, 5, 20, 50} {
		for _, scale := range []float64{1e-200, 1e-130, 1, 1e150} {
			lam := make([]float64, n)
			for i := range lam {
				lam[i] = (r.Float64()*2 - 1) * scale
			}
			q := randomOrthogonal(r, n)
			a := conjugate(q, lam)
			vals, _, ok := EigSym(a)
			if !ok {
				t.Fatalf("n=%d scale=%g: EigSym not ok", n, scale)
			}
			sort.Float64s(lam)
			norm := math.Max(math.Abs(lam[0]), math.Abs(lam[n-1]))
			// Conjugation itself rounds: allow (8n+4)Eps·‖A‖ for the solver plus n²Eps for forming A.
			tol := (eigenSlack(n) + float64(n*n)*Eps) * norm
			for i := range lam {
				if !near(vals[i], lam[i], tol) {
					t.Errorf("n=%d scale=%g: λ_%d = %g, want %g (tol %g)", n, scale, i, vals[i], lam[i], tol)
				}
			}
			hi, _ := CertifiedMaxEigSym(a)
			lo, _ := CertifiedMinEigSym(a)
			if hi < vals[n-1] || lo > vals[0] {
				t.Errorf("n=%d: certified bounds [%g, %g] do not contain the computed spectrum [%g, %g]", n, lo, hi, vals[0], vals[n-1])
			}
		}
	}
}

func TestSpectralNormIsNotFrobenius(t *testing.T) {
	id := mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1, 0, 0, 0, 1})
	s, ok := SpectralNorm(id)
	if !ok || s != 1 {
		t.Errorf("SpectralNorm(I₃) = %v, %v; want 1", s, ok)
	}
	if f := mat.Norm(id, 2); near(f, s, 0.1) {
		t.Errorf("mat.Norm(I₃, 2) = %g equals the spectral norm; the test premise is wrong", f)
	} else if !near(f, math.Sqrt(3), 4*Eps) {
		t.Errorf("mat.Norm(I₃, 2) = %g, want the Frobenius √3", f)
	}
	a := mat.NewDense(2, 3, []float64{3, 0, 1, -1, 2, 0.5})
	s, _ = SpectralNorm(a)
	g, _ := GramMaxEig(a)
	if !near(s*s, g, 64*Eps*g) {
		t.Errorf("SpectralNorm² = %g, GramMaxEig = %g", s*s, g)
	}
	if s >= mat.Norm(a, 2) {
		t.Errorf("spectral %g ≥ Frobenius %g for a rank-2 matrix", s, mat.Norm(a, 2))
	}
	col := mat.NewDense(3, 1, []float64{3, 4, 12})
	if s, _ := SpectralNorm(col); s != 13 {
		t.Errorf("SpectralNorm(column) = %g, want 13", s)
	}
}

func TestTinyAndHugeDoNotPanic(t *testing.T) {
	tiny := mat.NewSymDense(2, []float64{1e-130, 2e-130, 2e-130, 1e-130})
	hi, ok := MaxEigSym(tiny)
	if !ok || !near(hi, 3e-130, 1e-143) {
		t.Errorf("MaxEigSym(1e-130 matrix) = %g, %v; want 3e-130", hi, ok)
	}
	lo, ok := MinEigSym(tiny)
	if !ok || !near(lo, -1e-130, 1e-143) {
		t.Errorf("MinEigSym(1e-130 matrix) = %g, %v; want -1e-130", lo, ok)
	}
	sub := mat.NewSymDense(2, []float64{3e-310, 1e-310, 1e-310, 3e-310})
	if v, ok := MaxEigSym(sub); !ok || !near(v, 4e-310, 1e-320) {
		t.Errorf("MaxEigSym(subnormal matrix) = %g, %v; want 4e-310", v, ok)
	}
	x := mat.NewDense(3, 2, []float64{1e-130, 2e-130, -1e-130, 0, 3e-130, 1e-130})
	if v, ok := SpectralNorm(x); !ok || !(v > 0) {
		t.Errorf("SpectralNorm(1e-130 matrix) = %g, %v", v, ok)
	}
	if v, ok := CertifiedGramMaxEig(x); !ok || !(v > 0) {
		t.Errorf("CertifiedGramMaxEig(1e-130 matrix) = %g, %v", v, ok)
	}
	// λ_max ≈ 1e-340 is below the smallest subnormal: the certified bound must still be > 0.
	u := mat.NewDense(2, 2, []float64{1e-170, 2e-170, 3e-170, -1e-170})
	if v, ok := CertifiedGramMaxEig(u); !ok || !(v > 0) {
		t.Errorf("CertifiedGramMaxEig(1e-170 matrix) = %g, %v; want a positive bound", v, ok)
	}
	huge := mat.NewSymDense(2, []float64{1e300, 5e299, 5e299, 1e300})
	if v, ok := MaxEigSym(huge); !ok || !near(v, 1.5e300, 1e286) {
		t.Errorf("MaxEigSym(1e300 matrix) = %g, %v", v, ok)
	}
	over := mat.NewSymDense(2, []float64{1.5e308, 1.5e308, 1.5e308, 1.5e308})
	if v, ok := MaxEigSym(over); ok {
		t.Errorf("MaxEigSym with λ = 3e308 (overflow) = %g, ok; want !ok", v)
	}
}

func TestNonFiniteAndPanicsGiveNotOK(t *testing.T) {
	nan := mat.NewSymDense(2, []float64{1, math.NaN(), math.NaN(), 1})
	if _, ok := MaxEigSym(nan); ok {
		t.Error("MaxEigSym(NaN) ok")
	}
	if _, _, ok := EigSym(nan); ok {
		t.Error("EigSym(NaN) ok")
	}
	inf := mat.NewDense(2, 2, []float64{1, math.Inf(1), 0, 1})
	if _, ok := SpectralNorm(inf); ok {
		t.Error("SpectralNorm(Inf) ok")
	}
	if _, ok := GramMaxEig(inf); ok {
		t.Error("GramMaxEig(Inf) ok")
	}
	if _, ok := MaxEigSym(panicky{}); ok {
		t.Error("a panic inside the matrix was not recovered into ok = false")
	}
}

// panicky is a 2×2 symmetric matrix whose At panics, standing in for a panic inside gonum.
type panicky struct{}

func (panicky) Dims() (int, int)    { return 2, 2 }
func (panicky) At(i, j int) float64 { panic("boom") }
func (panicky) T() mat.Matrix       { return panicky{} }
func (panicky) SymmetricDim() int   { return 2 }

func TestGramMaxEigShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for _, dims := range [][2]int{{1, 1}, {1, 7}, {7, 1}, {30, 4}, {4, 30}, {10, 10}, {200, 50}} {
		x := mat.NewDense(dims[0], dims[1], nil)
		for i := 0; i < dims[0]; i++ {
			for j := 0; j < dims[1]; j++ {
				x.Set(i, j, r.NormFloat64())
			}
		}
		g, ok := GramMaxEig(x)
		s, ok2 := SpectralNorm(x)
		if !ok || !ok2 || !near(g, s*s, 1e-12*g) {
			t.Errorf("%v: GramMaxEig = %g, SpectralNorm² = %g", dims, g, s*s)
		}
		c, ok := CertifiedGramMaxEig(x)
		if !ok || c < g || c > g*(1+1e-9) {
			t.Errorf("%v: CertifiedGramMaxEig = %g vs computed %g: not a tight upper bound", dims, c, g)
		}
	}
	z := mat.NewDense(3, 2, nil)
	if c, ok := CertifiedGramMaxEig(z); !ok || c != 0 {
		t.Errorf("CertifiedGramMaxEig(0) = %g, %v", c, ok)
	}
}

func TestCertify(t *testing.T) {
	for _, v := range []float64{0, 1, 1e-300, 3.5e10, -2} {
		up := CertifyUpper(v, 10)
		lo := CertifyLower(v, 0, 10)
		if !(up > v) || !(lo < v) {
			t.Errorf("CertifyUpper/Lower(%g) = %g, %g", v, up, lo)
		}
		if v != 0 && (up-v > 100*Eps*math.Abs(v)+1e-300 || v-lo > 100*Eps*math.Abs(v)+1e-300) {
			t.Errorf("certification of %g too loose: [%g, %g]", v, lo, up)
		}
	}
	// A small eigenvalue's slack is relative to ‖A‖, not to itself.
	if lo := CertifyLower(1e-10, 1, 10); lo > 1e-10-84*Eps {
		t.Errorf("CertifyLower(1e-10, scale 1) = %g ignores the scale", lo)
	}
}

func TestIsPSD(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	q := randomOrthogonal(r, 6)
	a := conjugate(q, []float64{0, 0, 1e-3, 1, 2, 5}) // singular PSD, rounding makes λ_min ≈ ±1e-16
	if psd, ok := IsPSD(a); !ok || !psd {
		t.Errorf("IsPSD(singular PSD) = %v, %v", psd, ok)
	}
	if psd, ok := IsPSD(mat.NewSymDense(2, []float64{1, 2, 2, 1})); !ok || psd {
		t.Errorf("IsPSD(indefinite) = %v, %v", psd, ok)
	}
}

// TestTinyUnreducedBlock is the regression test for gonum's second values-only panic:
// Dsterf passes a wrong leading dimension to Dlascl when an unreduced block of the
// tridiagonal form has norm below ~3e-123, which power-of-two rescaling cannot prevent
// when the entries span that many orders of magnitude.
func TestTinyUnreducedBlock(t *testing.T) {
	a := mat.NewSymDense(3, []float64{1, 0, 0, 0, 1e-150, 1e-150, 0, 1e-150, 1e-150})
	func() {
		defer func() {
			if recover() == nil {
				t.Log("gonum's values-only EigenSym no longer panics here; the retry is now unused")
			}
		}()
		var es mat.EigenSym
		es.Factorize(a, false)
	}()
	hi, ok := MaxEigSym(a)
	if !ok || hi != 1 {
		t.Errorf("MaxEigSym = %g, %v; want 1", hi, ok)
	}
	lo, ok := MinEigSym(a)
	if !ok || math.Abs(lo) > 1e-160 {
		t.Errorf("MinEigSym = %g, %v; want 0", lo, ok)
	}
	vals, _, ok := EigSym(a)
	if !ok || !near(vals[1], 2e-150, 1e-163) {
		t.Errorf("EigSym = %v, %v; want [0 2e-150 1]", vals, ok)
	}
	if v, ok := CertifiedMaxEigSym(a); !ok || v < 1 {
		t.Errorf("CertifiedMaxEigSym = %g, %v", v, ok)
	}
	d := mat.NewDense(3, 3, []float64{1, 0, 0, 0, 1e-150, 1e-150, 0, 1e-150, 1e-150})
	if s, ok := SpectralNorm(d); !ok || !near(s, 1, 4*Eps) {
		t.Errorf("SpectralNorm = %g, %v; want 1", s, ok)
	}
	if g, ok := GramMaxEig(d); !ok || !near(g, 1, 4*Eps) {
		t.Errorf("GramMaxEig = %g, %v; want 1", g, ok)
	}
}

// TestWideMagnitudeMatrix is the regression test for gonum's Dsteqr returning eigenvalues
// of order 1e100 for a PSD rank-one matrix with entries between 1e-108 and 1e-3 (found by
// the generators' rapid tests: a Householder vector with entries 1 and 3e-53).
func TestWideMagnitudeMatrix(t *testing.T) {
	v := []float64{1, 3.725290298461914e-09, 3.132146144639292e-53, 0.25, 0.66015625, 2.710505431213761e-20, 1}
	n := len(v)
	nv := Norm2Sq(v)
	a := mat.NewSymDense(n, nil)
	for i := 0; i < n; i++ {
		for j := i; j < n; j++ {
			a.SetSym(i, j, 1e-3*v[i]*v[j]/nv)
		}
	}
	vals, vecs, ok := EigSym(a)
	if !ok {
		t.Fatal("EigSym failed")
	}
	if !near(vals[n-1], 1e-3, 64*Eps*1e-3) || math.Abs(vals[0]) > 64*Eps*1e-3 {
		t.Errorf("eigenvalues %v, want [0 … 0 1e-3]", vals)
	}
	if !validEigen(a, vals, vecs) {
		t.Error("returned eigenpairs fail validation")
	}
	for _, f := range []func(mat.Symmetric) (float64, bool){MaxEigSym, CertifiedMaxEigSym} {
		if hi, ok := f(a); !ok || !near(hi, 1e-3, 64*Eps*1e-3) {
			t.Errorf("λ_max = %g, %v; want 1e-3", hi, ok)
		}
	}
}

func TestJacobiMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 21))
	for _, n := range []int{2, 5, 12} {
		lam := make([]float64, n)
		for i := range lam {
			lam[i] = r.NormFloat64()
		}
		a := conjugate(randomOrthogonal(r, n), lam)
		jv, jvec, ok := jacobiEigen(a, true)
		if !ok || !validEigen(a, jv, jvec) {
			t.Fatalf("n=%d: Jacobi failed or invalid", n)
		}
		sort.Float64s(jv)
		gv, _, _ := EigSym(a)
		for i := range gv {
			if !near(jv[i], gv[i], 64*float64(n)*Eps) {
				t.Errorf("n=%d: Jacobi λ_%d = %g, gonum %g", n, i, jv[i], gv[i])
			}
		}
	}
}

func TestValidEigenRejectsGarbage(t *testing.T) {
	a := mat.NewSymDense(2, []float64{0.5, 0.25, 0.25, 0.5})
	if !validEigen(a, []float64{0.25, 0.75}, nil) {
		t.Error("correct eigenvalues rejected")
	}
	for _, bad := range [][]float64{{0.25, 0.8}, {1e100, -1e100}, {0.25, math.NaN()}, {0.75}} {
		if validEigen(a, bad, nil) {
			t.Errorf("garbage eigenvalues %v accepted", bad)
		}
	}
}
