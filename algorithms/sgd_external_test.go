package algorithms_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/implicitreg/verify/algorithms"
)

// sgdExtRow is f_i(x) = ½(aᵀx − y)², as a user would write one.
type sgdExtRow struct {
	a []float64
	y float64
}

func (r *sgdExtRow) Dim() int { return len(r.a) }
func (r *sgdExtRow) res(x []float64) float64 {
	s := -r.y
	for j, v := range r.a {
		s += v * x[j]
	}
	return s
}
func (r *sgdExtRow) Value(x []float64) float64 { e := r.res(x); return e * e / 2 }
func (r *sgdExtRow) Grad(dst, x []float64) {
	e := r.res(x)
	for j, v := range r.a {
		dst[j] = e * v
	}
}

// sgdExtLSQ is (1/n)Σ_i f_i, with components built once (so Component does not allocate).
type sgdExtLSQ struct{ rows []algorithms.Objective }

func (s *sgdExtLSQ) Dim() int                             { return s.rows[0].Dim() }
func (s *sgdExtLSQ) N() int                               { return len(s.rows) }
func (s *sgdExtLSQ) Component(i int) algorithms.Objective { return s.rows[i] }
func (s *sgdExtLSQ) Value(x []float64) float64 {
	var v float64
	for _, r := range s.rows {
		v += r.Value(x)
	}
	return v / float64(len(s.rows))
}

func sgdExtProblem(a [][]float64, y []float64) *sgdExtLSQ {
	s := &sgdExtLSQ{}
	for i := range a {
		s.rows = append(s.rows, &sgdExtRow{a: a[i], y: y[i]})
	}
	return s
}

func TestSGDExternalOneComponentIsGD(t *testing.T) {
	f := sgdExtProblem([][]float64{{1, 2, -1}}, []float64{0.5})
	x0 := []float64{1, 0, -1}
	steps := []float64{0.1, 0.05, 0.1, 0.02}
	gd := algorithms.GradientDescent(f.rows[0], x0, steps)
	sgd, idx := algorithms.SGDRandom(f, x0, steps, rand.New(rand.NewPCG(1, 2)))
	for _, i := range idx {
		if i != 0 {
			t.Fatalf("drew index %d from one component", i)
		}
	}
	for k := range gd.Iterates {
		for j := range x0 {
			if gd.Iterates[k][j] != sgd.Iterates[k][j] {
				t.Fatalf("iterate %d differs: GD %v, SGD %v", k, gd.Iterates[k], sgd.Iterates[k])
			}
		}
	}
}

// TestSGDExternalExpectations recomputes SGDExpectations' averaged-form quantities from the
// trajectories EnumerateSGDPaths hands out, on n = 2, T = 3.
func TestSGDExternalExpectations(t *testing.T) {
	f := sgdExtProblem([][]float64{{1, 0.5}, {-0.3, 2}}, []float64{1, -1})
	x0, z := []float64{2, -1}, []float64{0.1, 0.2}
	steps := []float64{0.3, 0.2, 0.1}
	var tau float64
	for _, e := range steps {
		tau += e
	}
	var eAvg, eDist, eGsq, eRegret, total float64
	paths := 0
	g := make([]float64, 2)
	err := algorithms.EnumerateSGDPaths(f, x0, steps, func(idx []int, tr *algorithms.Trajectory, p float64) {
		paths++
		total += p
		bar := make([]float64, 2)
		for k, eta := range tr.Steps {
			f.Component(idx[k]).Grad(g, tr.Iterates[k])
			eGsq += p * eta * eta * (g[0]*g[0] + g[1]*g[1])
			eRegret += p * eta * (f.Value(tr.Iterates[k]) - f.Value(z))
			for j := range bar {
				bar[j] += eta * tr.Iterates[k][j] / tau
			}
		}
		eAvg += p * f.Value(bar)
		xT := tr.Final()
		eDist += p * ((xT[0]-z[0])*(xT[0]-z[0]) + (xT[1]-z[1])*(xT[1]-z[1]))
	})
	if err != nil {
		t.Fatal(err)
	}
	if paths != 8 || math.Abs(total-1) > 1e-15 {
		t.Fatalf("%d paths, total probability %v", paths, total)
	}
	s, err := algorithms.SGDExpectations(f, x0, steps, z, f.Value)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    algorithms.SGDQuantity
		want float64
	}{
		{algorithms.SGDAvgValue, eAvg}, {algorithms.SGDFinalDist, eDist},
		{algorithms.SGDStepGradSq, eGsq}, {algorithms.SGDRegret, eRegret},
	} {
		if got := s.Mean[c.q]; math.Abs(got-c.want) > 1e-13*math.Max(1, math.Abs(c.want)) {
			t.Errorf("E %v = %.17g, recomputed %.17g", c.q, got, c.want)
		}
	}
}

func TestSGDExternalMonteCarloLargeTree(t *testing.T) {
	// n = 5, T = 40: 5^40 paths, far beyond enumeration.
	rng := rand.New(rand.NewPCG(3, 3))
	var a [][]float64
	var y []float64
	for range 5 {
		a = append(a, []float64{rng.NormFloat64(), rng.NormFloat64()})
		y = append(y, rng.NormFloat64())
	}
	f := sgdExtProblem(a, y)
	steps := make([]float64, 40)
	for i := range steps {
		steps[i] = 0.05
	}
	x0, z := []float64{3, -3}, []float64{0, 0}
	if _, err := algorithms.SGDExpectations(f, x0, steps, z, nil); err == nil {
		t.Fatal("enumerating 5^40 paths was not refused")
	}
	s, err := algorithms.SGDMonteCarlo(f, x0, steps, z, nil, 4000, rand.New(rand.NewPCG(10, 20)))
	if err != nil {
		t.Fatal(err)
	}
	// The SGD basic inequality (averaged form), with a one-sided 4-standard-error margin.
	var c [algorithms.NumSGDQuantities]float64
	c[algorithms.SGDAvgValue] = 1
	c[algorithms.SGDFinalDist] = 1 / (2 * s.Tau)
	c[algorithms.SGDStepGradSq] = -1 / (2 * s.Tau)
	lhs, se := s.Combine(c)
	rhs := s.FZ + s.Dist0/(2*s.Tau)
	if !(se > 0) || lhs-4*se > rhs {
		t.Errorf("LHS %v ± %v > RHS %v", lhs, se, rhs)
	}
}

// Checking the SGD basic inequality exactly on a small least-squares sum: n = 3 components,
// T = 4 steps, all 81 index paths.
func ExampleSGDExpectations() {
	f := sgdExtProblem([][]float64{{1, 0}, {0, 1}, {1, 1}}, []float64{1, 2, 0})
	x0, z := []float64{0, 0}, []float64{0.5, 0.5}
	steps := []float64{0.2, 0.2, 0.2, 0.2}
	s, err := algorithms.SGDExpectations(f, x0, steps, z, nil)
	if err != nil {
		panic(err)
	}
	var c [algorithms.NumSGDQuantities]float64
	c[algorithms.SGDAvgValue] = 1
	c[algorithms.SGDFinalDist] = 1 / (2 * s.Tau)
	c[algorithms.SGDStepGradSq] = -1 / (2 * s.Tau)
	lhs, _ := s.Combine(c)
	rhs := s.FZ + s.Dist0/(2*s.Tau)
	fmt.Printf("paths %d, gradient evaluations %d\n", s.Paths, s.GradEvals)
	fmt.Printf("E f(θ̄) + E‖θ_T−z‖²/2τ − Σ η²E‖ĝ‖²/2τ = %.4f ≤ f(z) + ‖θ_0−z‖²/2τ = %.4f: %v\n", lhs, rhs, lhs <= rhs)
	// Output:
	// paths 81, gradient evaluations 120
	// E f(θ̄) + E‖θ_T−z‖²/2τ − Σ η²E‖ĝ‖²/2τ = 0.7176 ≤ f(z) + ‖θ_0−z‖²/2τ = 0.8958: true
}
