package theorems_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalityEG(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/eg")
	checks.TheoremTest(t, th)
}

// egExampleClaims runs the named explicit example and returns its claim steps.
func egExampleClaims(t *testing.T, th *theorems.Theorem, name string) (theorems.Evidence, [][2]float64) {
	t.Helper()
	for _, ex := range th.Examples {
		if ex.Name == name {
			ev := ex.Run()
			var claims [][2]float64
			for _, q := range ev.Steps {
				if q.Step == theorems.ClaimStep {
					claims = append(claims, [2]float64{q.LHS, q.RHS})
				}
			}
			return ev, claims
		}
	}
	t.Fatalf("no example %q", name)
	return theorems.Evidence{}, nil
}

// From the uniform point of Δ_3 with z = e_1 (f(e_1) = 0, KL(e_1‖θ_0) = log 3) and τ = 5,
// both claims have the right side log 3 / 5.
func TestBasicInequalityEGUniformStartClosedForm(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/eg")
	ev, claims := egExampleClaims(t, th, "uniform-start-to-vertex")
	if len(claims) != 2 {
		t.Fatalf("%d claims, want the KL form and the log d form", len(claims))
	}
	got := []float64{claims[0][1], claims[1][1]}
	want := []float64{math.Log(3) / 5, math.Log(3) / 5}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
		t.Errorf("right sides (-want +got):\n%s", diff)
	}
	if v := th.Tolerance.JudgeEvidence(&ev); v.Outcome == theorems.Violated {
		t.Errorf("example violated at step %d", v.First)
	}
}

// With η = 1e6 the iterate reaches e_1 with exact zeros, but KL(e_2‖θ_T) is finite because it
// is computed from the log-weights; from the iterate it would be +Inf.
func TestBasicInequalityEGUnderflowedWeightsStayFinite(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/eg")
	ev, claims := egExampleClaims(t, th, "huge-step-underflow")
	for _, c := range claims {
		if math.IsInf(c[0], 0) || math.IsNaN(c[0]) || math.IsInf(c[1], 0) || math.IsNaN(c[1]) {
			t.Fatalf("claim %v not finite", c)
		}
	}
	if v := th.Tolerance.JudgeEvidence(&ev); v.Outcome == theorems.Violated {
		t.Fatalf("example violated at step %d", v.First)
	}
	// The same instance, run directly: θ_T has exact zeros and finite log-weights.
	tr := algorithms.ExponentiatedGradientLog(egTestLS(), []float64{1. / 3, 1. / 3, 1. / 3}, []float64{1e6, 1e6, 1e6})
	if th := tr.Final(); th[1] != 0 || math.IsInf(tr.LogIterates[3][1], 0) {
		t.Fatalf("θ_T = %v, log-weights %v: want an exact zero with a finite log-weight", th, tr.LogIterates[3])
	}
	if kl := algorithms.KL([]float64{0, 1, 0}, tr.Final()); !math.IsInf(kl, 1) {
		t.Fatalf("KL from the iterate = %g, want +Inf (so the log domain is what keeps the check finite)", kl)
	}
}

// egTestLS is the huge-step example's instance: X = 1e-3·I_3, y = 1e3·e_1.
func egTestLS() algorithms.Objective {
	f, err := generators.NewLeastSquares(mat.NewDense(3, 3, []float64{1e-3, 0, 0, 0, 1e-3, 0, 0, 0, 1e-3}), []float64{1e3, 0, 0})
	if err != nil {
		panic(err)
	}
	return f
}
