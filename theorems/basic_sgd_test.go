package theorems_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/theorems"
)

func TestBasicInequalitySGD(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/sgd")
	checks.TheoremTest(t, th)
}

// A user's own SGD loop, checked through the public constructor.
func TestBasicInequalitySGDOnAUserMethod(t *testing.T) {
	mine := func(f algorithms.FiniteSum, x0, steps []float64, indices []int) *algorithms.Trajectory {
		x := append([]float64(nil), x0...)
		g := make([]float64, len(x))
		tr := &algorithms.Trajectory{Iterates: [][]float64{append([]float64(nil), x...)}, Steps: append([]float64(nil), steps...)}
		for t, eta := range steps {
			f.Component(indices[t]).Grad(g, x)
			for j := range x {
				x[j] -= eta * g[j]
			}
			tr.Iterates = append(tr.Iterates, append([]float64(nil), x...))
		}
		tr.GradEvals = len(steps)
		return tr
	}
	checks.TheoremTest(t, theorems.BasicInequalitySGD(mine))
}

// sides returns the LHS and RHS of the named step (index −1) of an explicit example.
func exampleSides(t *testing.T, exs []theorems.Example, name, step string) (lhs, rhs float64) {
	t.Helper()
	for _, ex := range exs {
		if ex.Name != name {
			continue
		}
		ev := ex.Run()
		for _, q := range ev.Steps {
			if q.Step == step {
				return q.LHS, q.RHS
			}
		}
		t.Fatalf("example %s has no step %q", name, step)
	}
	t.Fatalf("no example %s", name)
	return 0, 0
}

type sides struct{ LHS, RHS float64 }

// On f_{1,2}(θ) = ½(θ ∓ 1)² from θ_0 = z = 0 with η = ½, T = 1, both sides of the claim are
// E‖θ_1‖²/(2τ) = η²E‖ĝ_0‖²/(2τ) = ¼ exactly (θ̄_1 = θ_0 = z).
func TestBasicInequalitySGDTightExample(t *testing.T) {
	th, _ := theorems.Lookup("basic-inequality/sgd")
	l, r := exampleSides(t, th.Examples, "tight-at-T=1", theorems.ClaimStep)
	if diff := cmp.Diff(sides{0.25, 0.25}, sides{l, r}); diff != "" {
		t.Errorf("claim sides (-want +got):\n%s", diff)
	}
	l, r = exampleSides(t, th.Examples, "tight-at-T=1", "step 5 regret form")
	if diff := cmp.Diff(sides{0.125, 0.125}, sides{l, r}); diff != "" {
		t.Errorf("regret sides (-want +got):\n%s", diff)
	}
}

// testSum is the two-row least-squares finite sum of the "two-rows-T=3" example, built as a
// user would for algorithms.SGDExpectations.
type testSum struct {
	ls    *generators.LeastSquares
	comps []algorithms.Objective
}

func (s *testSum) Dim() int                             { return s.ls.Dim() }
func (s *testSum) N() int                               { return len(s.comps) }
func (s *testSum) Component(i int) algorithms.Objective { return s.comps[i] }

// The theorem's own enumeration (running the method once per index path) agrees with the
// library's shared-prefix enumeration, algorithms.SGDExpectations.
func TestBasicInequalitySGDMatchesLibraryExpectations(t *testing.T) {
	ls, err := generators.NewLeastSquares(mat.NewDense(2, 2, []float64{1, 0.5, -0.3, 2}), []float64{1, -1})
	if err != nil {
		t.Fatal(err)
	}
	f := &testSum{ls: ls, comps: []algorithms.Objective{ls.Component(0), ls.Component(1)}}
	steps := []float64{0.1, 0.05, 0.1}
	st, err := algorithms.SGDExpectations(f, []float64{2, -1}, steps, []float64{0.1, 0.2}, ls.Value)
	if err != nil {
		t.Fatal(err)
	}
	tau := st.Tau
	want := map[string]sides{
		theorems.ClaimStep: {
			st.Mean[algorithms.SGDAvgValue] - st.FZ + st.Mean[algorithms.SGDFinalDist]/(2*tau),
			st.Dist0/(2*tau) + st.Mean[algorithms.SGDStepGradSq]/(2*tau),
		},
		"step 5 regret form": {
			st.Mean[algorithms.SGDRegret] + st.Mean[algorithms.SGDFinalDist]/2,
			st.Dist0/2 + st.Mean[algorithms.SGDStepGradSq]/2,
		},
		"step 6 Jensen": {st.Mean[algorithms.SGDAvgValue] - st.FZ, st.Mean[algorithms.SGDRegret] / tau},
	}
	th, _ := theorems.Lookup("basic-inequality/sgd")
	got := map[string]sides{}
	for step := range want {
		l, r := exampleSides(t, th.Examples, "two-rows-T=3", step)
		got[step] = sides{l, r}
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("expectations differ from SGDExpectations (-library +theorem):\n%s", diff)
	}
}

// The Monte Carlo regime draws its index paths as algorithms.SGDMonteCarlo does (one
// rng.IntN(n) per step, in order, from a PCG with the theorem's stream constant), so the
// estimates that do not use the exact conditional moments agree with the library's.
func TestBasicInequalitySGDMonteCarloMatchesLibrary(t *testing.T) {
	ls, err := generators.NewLeastSquares(mat.NewDense(2, 2, []float64{1, 0.5, -0.3, 2}), []float64{1, -1})
	if err != nil {
		t.Fatal(err)
	}
	f := &testSum{ls: ls, comps: []algorithms.Objective{ls.Component(0), ls.Component(1)}}
	st, err := algorithms.SGDMonteCarlo(f, []float64{2, -1}, []float64{0.1, 0.05, 0.1}, []float64{0.1, 0.2}, ls.Value, 256, rand.New(rand.NewPCG(1, 0x5eed5eed)))
	if err != nil {
		t.Fatal(err)
	}
	th, _ := theorems.Lookup("basic-inequality/sgd")
	l, r := exampleSides(t, th.Examples, "two-rows-T=3-monte-carlo", "step 6 Jensen")
	want := sides{st.Mean[algorithms.SGDAvgValue] - st.FZ, st.Mean[algorithms.SGDRegret] / st.Tau}
	if diff := cmp.Diff(want, sides{l, r}, cmpopts.EquateApprox(1e-12, 0)); diff != "" {
		t.Errorf("Jensen sides differ from SGDMonteCarlo (-library +theorem):\n%s", diff)
	}
}
