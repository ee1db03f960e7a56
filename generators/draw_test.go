package generators

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"pgregory.net/rapid"

	"github.com/implicitreg/verify/internal/numeric"
)

// checkInstance asserts what every drawn instance promises: a certified L in the drawn range,
// finite values and gradients at its natural scale, and the Lipschitz bound on a probe pair.
func checkInstance(t *rapid.T, inst Instance) {
	L := inst.Smoothness()
	if !(L >= minDrawnL && L <= maxDrawnL) {
		t.Fatalf("%s: L = %g outside the drawn range", inst, L)
	}
	d := inst.Dim()
	var x, y []float64
	if p, ok := inst.(*Poisson); ok {
		x, y = p.DrawStart(t, "probe_x"), p.DrawStart(t, "probe_y")
	} else {
		x = DrawVector(t, "probe_x", d, ThetaScale(inst))
		y = DrawVector(t, "probe_y", d, ThetaScale(inst))
	}
	gx, gy := gradOf(inst, x), gradOf(inst, y)
	if v := inst.Value(x); !numeric.AllFinite(v) || !numeric.VecFinite(gx) || !numeric.VecFinite(gy) {
		t.Fatalf("%s: non-finite value %g or gradient %v at x = %v", inst, v, gx, x)
	}
	diff := make([]float64, d)
	numeric.SubTo(diff, gx, gy)
	lhs := numeric.Norm2(diff)
	dx := make([]float64, d)
	numeric.SubTo(dx, x, y)
	rhs := L*numeric.Norm2(dx)*(1+1e-12) + gradErr(inst, x) + gradErr(inst, y)
	if lhs > rhs {
		t.Fatalf("%s: ‖∇f(x) − ∇f(y)‖ = %g > L‖x − y‖ = %g", inst, lhs, rhs)
	}
	if inst.String() == "" || inst.Name() == "" {
		t.Fatalf("empty String or Name")
	}
}

// TestDrawsAreCertifiedOrDegenerate runs every draw function under rapid: each returns either
// an instance meeting checkInstance or a *Degenerate error with a reason, and discards stay
// a minority.
func TestDrawsAreCertifiedOrDegenerate(t *testing.T) {
	draws := map[string]func(*rapid.T) (Instance, error){
		"least-squares": func(t *rapid.T) (Instance, error) { return asInstance(DrawLeastSquares(t, 12, 6)) },
		"logistic":      func(t *rapid.T) (Instance, error) { return asInstance(DrawLogistic(t, 12, 6)) },
		"huber":         func(t *rapid.T) (Instance, error) { return asInstance(DrawHuber(t, 12, 6)) },
		"log-sum-exp":   func(t *rapid.T) (Instance, error) { return asInstance(DrawLogSumExp(t, 12, 6)) },
		"poisson":       func(t *rapid.T) (Instance, error) { return asInstance(DrawPoisson(t, 12, 6)) },
		"quadratic":     func(t *rapid.T) (Instance, error) { return asInstance(DrawQuadratic(t, 8)) },
		"convex":        func(t *rapid.T) (Instance, error) { return DrawConvex(t, 12, 6) },
		"double-well":   func(t *rapid.T) (Instance, error) { return DrawDoubleWell(t, 6), nil },
	}
	for name, draw := range draws {
		t.Run(name, func(tt *testing.T) {
			var runs, discards int
			reasons := map[string]int{}
			rapid.Check(tt, func(t *rapid.T) {
				runs++
				inst, err := draw(t)
				if err != nil {
					reason, ok := IsDegenerate(err)
					if !ok || reason == "" {
						t.Fatalf("error %v is not a *Degenerate with a reason", err)
					}
					if inst != nil {
						t.Fatalf("instance %v returned with error %v", inst, err)
					}
					discards++
					reasons[reason]++
					return
				}
				checkInstance(t, inst)
			})
			if discards*2 > runs {
				tt.Errorf("%d of %d draws discarded: %v", discards, runs, reasons)
			}
		})
	}
}

// asInstance converts (typed pointer, error) into (Instance, error) without a typed nil.
func asInstance[T Instance](v T, err error) (Instance, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

func TestDrawScheduleRespectsOneOverL(t *testing.T) {
	seen := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		L := rapid.Float64Range(1, 10).Draw(t, "L_mantissa") * drawPow10(t, "L_log10", -90, 90)
		T := DrawHorizon(t, 40)
		steps, kind := DrawSchedule(t, T, L)
		seen[kind]++
		if len(steps) != T {
			t.Fatalf("len(steps) = %d, want %d", len(steps), T)
		}
		for i, eta := range steps {
			// η > 0 and η·L ≤ 1 in exact arithmetic (FMA gives the exact sign of η·L − 1).
			if !(eta > 0) || math.FMA(eta, L, -1) > 0 {
				t.Fatalf("%s: step %d = %g violates 0 < η ≤ 1/L for L = %g", kind, i, eta, L)
			}
			if eta*L < MinStepFraction*(1-4*numeric.Eps) && kind != ScheduleDecaying {
				t.Fatalf("%s: step %d = %g below MinStepFraction/L", kind, i, eta)
			}
			if i > 0 && kind == ScheduleDecaying && eta > steps[i-1] {
				t.Fatalf("decaying schedule increases at %d", i)
			}
		}
		if kind == ScheduleExact && math.FMA(math.Nextafter(steps[0], math.Inf(1)), L, -1) <= 0 {
			t.Fatalf("exactly-1/L step %g is not the largest double ≤ 1/L for L = %g", steps[0], L)
		}
	})
	for _, k := range []string{ScheduleConstant, ScheduleExact, ScheduleRandom, ScheduleDecaying} {
		if seen[k] == 0 {
			t.Errorf("schedule kind %q never drawn: %v", k, seen)
		}
	}
}

func TestExactlyOneOverLOnUnitQuadratic(t *testing.T) {
	f := NewScalarQuadratic(1)
	if f.Smoothness() != 1 {
		t.Fatalf("L(x²/2) = %g, want exactly 1", f.Smoothness())
	}
	if eta := stepAtMost(1, 1); eta != 1 {
		t.Errorf("exactly-1/L step for L = 1 is %g, want 1", eta)
	}
	if eta := stepAtMost(1, 3); math.FMA(eta, 3, -1) > 0 || math.FMA(math.Nextafter(eta, 1), 3, -1) <= 0 {
		t.Errorf("exactly-1/L step for L = 3 is %g: not the largest double with 3η ≤ 1", eta)
	}
}

func TestDrawStepsInRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		L := rapid.Float64Range(1, 10).Draw(t, "L_mantissa") * drawPow10(t, "L_log10", -50, 50)
		T := DrawHorizon(t, 20)
		for _, eta := range DrawStepsInRange(t, T, L, 1, 2) {
			if math.FMA(eta, L, -1) <= 0 || math.FMA(eta, L, -2) > 0 {
				t.Fatalf("step %g: η·L not in (1, 2] for L = %g", eta, L)
			}
		}
	})
}

func TestDrawReference(t *testing.T) {
	seen := map[string]int{}
	rapid.Check(t, func(t *rapid.T) {
		inst, err := DrawConvex(t, 8, 4)
		if err != nil {
			t.Skip(err)
		}
		d := inst.Dim()
		theta0 := DrawVector(t, "theta0", d, ThetaScale(inst))
		thetaT := DrawVector(t, "thetaT", d, ThetaScale(inst))
		tau := 5 / inst.Smoothness()
		z, kind := DrawReference(t, inst, theta0, thetaT, tau)
		seen[kind]++
		if len(z) != d || !numeric.VecFinite(z) {
			t.Fatalf("%s: reference %v", kind, z)
		}
		switch kind {
		case ReferenceTheta0:
			if numeric.Dist2Sq(z, theta0) != 0 {
				t.Fatal("theta0 reference is not θ_0")
			}
		case ReferenceThetaT:
			if numeric.Dist2Sq(z, thetaT) != 0 {
				t.Fatal("thetaT reference is not θ_T")
			}
		case ReferenceRidge:
			// The ridge point must be (nearly) optimal for h: its certificate is small.
			h := ridgeObjective(inst, theta0, tau, z)
			if gap := RidgeGapBound(inst, theta0, tau, z); gap > 1e-8*(1+math.Abs(h)) {
				t.Fatalf("%s: ridge reference with gap bound %g (h = %g)", inst.Name(), gap, h)
			}
		case ReferenceMinimiser:
			g := gradOf(inst, z)
			if r := numeric.Norm2(g); r > 1e-6*(1+inst.Smoothness()*numeric.Norm2(z)) {
				t.Fatalf("%s: minimiser reference with ‖∇f‖ = %g", inst.Name(), r)
			}
		}
	})
	for _, k := range []string{ReferenceRandom, ReferenceTheta0, ReferenceThetaT, ReferenceMinimiser, ReferenceRidge} {
		if seen[k] == 0 {
			t.Errorf("reference kind %q never drawn: %v", k, seen)
		}
	}
}

// TestSingularQuadraticHasZeroEigenvalue: the construction's Λ has exact zeros, the formed
// Hessian's smallest eigenvalue is zero up to rounding, and the gradient does not move along
// the corresponding eigenvector.
func TestSingularQuadraticHasZeroEigenvalue(t *testing.T) {
	var singular int
	rapid.Check(t, func(t *rapid.T) {
		f, err := DrawQuadratic(t, 8)
		if err != nil {
			if _, ok := IsDegenerate(err); !ok {
				t.Fatal(err)
			}
			return
		}
		vals, q := f.Eigen()
		d := f.Dim()
		L := f.Smoothness()
		lo, ok := numeric.MinEigSym(f.Hessian())
		if !ok {
			t.Fatal("MinEigSym failed")
		}
		switch f.Spectrum() {
		case SpectrumSingular:
			singular++
			if vals[0] != 0 {
				t.Fatalf("singular spectrum %v has no exact zero", vals)
			}
			if math.Abs(lo) > float64(16*d)*numeric.Eps*L {
				t.Fatalf("λ_min(H) = %g, not zero up to rounding (L = %g)", lo, L)
			}
			v := mat.Col(nil, 0, q)
			hv := gradOf(f, v)
			numeric.Axpy(hv, 1, f.B()) // Hv = ∇f(v) + b
			if r := numeric.Norm2(hv); r > float64(16*d)*numeric.Eps*L {
				t.Fatalf("‖H q_0‖ = %g for the zero eigenvector", r)
			}
		case SpectrumIll:
			if d >= 2 {
				k := vals[d-1] / vals[0]
				if k < 9.99 || k > 1.0001e6 {
					t.Fatalf("ill-conditioned κ = %g outside [10, 1e6]", k)
				}
			}
			fallthrough
		default:
			if lo < -float64(16*d)*numeric.Eps*L {
				t.Fatalf("λ_min(H) = %g < 0", lo)
			}
		}
	})
	if singular == 0 {
		t.Error("no singular quadratic drawn")
	}
}

func TestGibbsProblem(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		prior, losses, err := DrawGibbsProblem(t, 20)
		if err != nil {
			t.Fatal(err)
		}
		if len(prior) != len(losses) || len(prior) == 0 {
			t.Fatalf("lengths %d, %d", len(prior), len(losses))
		}
		for i, p := range prior {
			if !(p > 0) || p > 1 || losses[i] < 0 || !numeric.AllFinite(losses[i]) {
				t.Fatalf("prior %v losses %v", prior, losses)
			}
		}
		if s := numeric.Sum(prior); math.Abs(s-1) > float64(len(prior)+2)*numeric.Eps {
			t.Fatalf("prior sums to %.17g", s)
		}
	})
}

func TestStatisticalModels(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		X, ts, sigma, err := DrawLinearModel(t, 10, 5)
		if err != nil {
			if _, ok := IsDegenerate(err); !ok {
				t.Fatal(err)
			}
			return
		}
		_, d := X.Dims()
		if len(ts) != d || !(sigma > 0) || !numeric.VecFinite(ts) {
			t.Fatalf("θ* = %v, σ = %g", ts, sigma)
		}
	})
	rapid.Check(t, func(t *rapid.T) {
		X, ts, R, err := DrawLogisticModel(t, 10, 5)
		if err != nil {
			if _, ok := IsDegenerate(err); !ok {
				t.Fatal(err)
			}
			return
		}
		n, d := X.Dims()
		if len(ts) != d || !numeric.VecFinite(ts) {
			t.Fatalf("θ* = %v", ts)
		}
		for i := 0; i < n; i++ {
			if r := numeric.Norm2(X.RawRowView(i)); r > R {
				t.Fatalf("‖x_%d‖ = %g > R = %g", i, r, R)
			}
		}
	})
}

func TestDegenerateAndInvalidInput(t *testing.T) {
	zero := mat.NewDense(3, 2, nil)
	_, err := NewLeastSquares(zero, []float64{1, 2, 3})
	if r, ok := IsDegenerate(err); !ok || !strings.Contains(r, "L = 0 (X = 0)") {
		t.Errorf("X = 0: %v", err)
	}
	_, err = NewLogistic(matOf(1, 1, math.NaN()), []float64{1})
	if r, ok := IsDegenerate(err); !ok || r != "non-finite data" {
		t.Errorf("NaN data: %v", err)
	}
	if _, err = NewLeastSquares(matOf(1, 1, 1), []float64{1, 2}); err == nil {
		t.Error("shape mismatch accepted")
	} else if _, ok := IsDegenerate(err); ok {
		t.Error("shape mismatch reported as degenerate instead of a programmer error")
	}
	if _, err = NewLogistic(matOf(1, 1, 1), []float64{0}); err == nil {
		t.Error("label 0 accepted")
	}
	if _, err = NewQuadratic([]float64{1, -1}, nil, nil, 0); err == nil {
		t.Error("negative eigenvalue accepted")
	}
	_, err = NewQuadratic([]float64{0, 0}, nil, nil, 0)
	if _, ok := IsDegenerate(err); !ok {
		t.Errorf("H = 0: %v", err)
	}
	if _, err = NewHuber(matOf(1, 1, 1), []float64{1}, 0); err == nil {
		t.Error("δ = 0 accepted")
	}
	if _, err = NewPoisson(matOf(1, 1, 1), []float64{-1}, []float64{0}, 1); err == nil {
		t.Error("negative count accepted")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewScalarQuadratic(0) did not panic")
			}
		}()
		NewScalarQuadratic(0)
	}()
}

func TestStrings(t *testing.T) {
	if s := NewScalarQuadratic(1).String(); s != "f(x) = 0.5·1·x²" {
		t.Errorf("scalar quadratic String = %q", s)
	}
	if s := must(NewQuadratic([]float64{2.5}, nil, []float64{0.1}, 3)).String(); s != "f(x) = 0.5·2.5·x² − 0.1·x + 3" {
		t.Errorf("scalar quadratic with b, c: %q", s)
	}
	ls := must(NewLeastSquares(matOf(2, 1, 0.5, 1), []float64{1, 2}))
	if s := ls.String(); !strings.Contains(s, "X=[[0.5] [1]]") || !strings.Contains(s, "y=[1 2]") || !strings.Contains(s, "n=2, d=1") {
		t.Errorf("small least squares String = %q", s)
	}
	big := benchLeastSquares(100, 10)
	if s := big.String(); !strings.Contains(s, "data not printed") || !strings.Contains(s, "n=100, d=10") {
		t.Errorf("big least squares String = %q", s)
	}
	if s := ls.Component(1).String(); !strings.Contains(s, "least-squares[1]") {
		t.Errorf("component String = %q", s)
	}
	// 'g' −1 precision round-trips exactly.
	if s := must(NewLeastSquares(matOf(1, 1, 0.1), []float64{1.0 / 3})).String(); !strings.Contains(s, "0.3333333333333333") {
		t.Errorf("String loses precision: %q", s)
	}
}
