package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestEGDistributionsIsGibbs(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	constant := func(n int, eta float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = eta
		}
		return s
	}
	random := func(n int, scale float64) []float64 {
		s := make([]float64, n)
		for i := range s {
			s[i] = scale * r.Float64()
		}
		return s
	}
	schedules := []struct {
		name  string
		steps []float64
	}{
		{"none", nil},
		{"constant", constant(50, 0.1)},
		{"random", random(200, 0.3)},
		{"one big step", []float64{30}},
		{"many tiny", constant(2000, 1e-3)},
		{"with zeros", []float64{0, 1, 0, 2, 0}},
		{"huge τ", constant(10, 1e5)},
		{"decaying", func() []float64 {
			s := make([]float64, 100)
			for i := range s {
				s[i] = 1 / math.Sqrt(float64(i+1))
			}
			return s
		}()},
	}
	for _, H := range []int{1, 2, 7, 50} {
		prior := egTestSimplex(r, H, 5)
		if H > 2 {
			prior[1] = 0 // a hypothesis the prior excludes
			floats.Scale(1/floats.Sum(prior), prior)
		}
		losses := make([]float64, H)
		for i := range losses {
			losses[i] = 3 * r.Float64()
		}
		for _, sc := range schedules {
			t.Run(fmt.Sprintf("H=%d/%s", H, sc.name), func(t *testing.T) {
				var tau float64
				for _, eta := range sc.steps {
					tau += eta
				}
				qEG, logEG := EGDistributions(prior, losses, sc.steps)
				qG, logG := GibbsPosterior(prior, losses, tau)
				spread := floats.Max(losses) - floats.Min(losses)
				for h := range qG {
					if math.Abs(qEG[h]-qG[h]) > 1e-12 {
						t.Fatalf("q_%d: EG %.17g, Gibbs %.17g", h, qEG[h], qG[h])
					}
					switch {
					case math.IsInf(logG[h], -1) || math.IsInf(logEG[h], -1):
						if logG[h] != logEG[h] || prior[h] != 0 {
							t.Fatalf("log q_%d: EG %g, Gibbs %g (prior %g)", h, logEG[h], logG[h], prior[h])
						}
					case math.Abs(logEG[h]-logG[h]) > 1e-12*(1+tau*spread):
						t.Fatalf("log q_%d: EG %.17g, Gibbs %.17g", h, logEG[h], logG[h])
					}
				}
				if math.Abs(floats.Sum(qEG)-1) > 4*float64(H)*mdEps {
					t.Fatalf("EG q sums to %g", floats.Sum(qEG))
				}
			})
		}
	}
}

// TestGibbsIdentity checks the randomised-predictor basic inequality, which holds with
// equality: E_{q_T}L̂ + KL(q_T‖q_0)/τ + KL(p‖q_T)/τ = E_p L̂ + KL(p‖q_0)/τ.
func TestGibbsIdentity(t *testing.T) {
	r := rand.New(rand.NewPCG(33, 34))
	for trial := 0; trial < 300; trial++ {
		H := 1 + r.IntN(30)
		prior := egTestSimplex(r, H, 4)
		losses := make([]float64, H)
		for i := range losses {
			losses[i] = r.Float64()
		}
		tau := math.Pow(10, -2+4*r.Float64())
		q, logq := GibbsPosterior(prior, losses, tau)
		p := egTestSimplex(r, H, 8)
		if trial%3 == 0 && H > 1 {
			p[0] = 0
			floats.Scale(1/floats.Sum(p), p)
		}
		klq := KL(q, prior)
		klp := KLLog(p, logq)
		lhs := mdDot(q, losses) + klq/tau + klp/tau
		rhs := mdDot(p, losses) + KL(p, prior)/tau
		scale := math.Abs(mdDot(q, losses)) + math.Abs(mdDot(p, losses)) + (klq+klp+KL(p, prior))/tau
		if math.Abs(lhs-rhs) > 1e-12*scale {
			t.Fatalf("H=%d τ=%g: %.17g vs %.17g", H, tau, lhs, rhs)
		}
	}
}

func TestGibbsEdgeCases(t *testing.T) {
	prior := []float64{2, 0, 6} // unnormalised prior with an excluded hypothesis
	losses := []float64{1, 0, 3}
	q, logq := GibbsPosterior(prior, losses, 0)
	if want := []float64{0.25, 0, 0.75}; !floats.EqualApprox(q, want, 4*mdEps) || !math.IsInf(logq[1], -1) {
		t.Fatalf("τ = 0: q = %v, log q = %v", q, logq)
	}
	q, logq = GibbsPosterior(prior, losses, 1e8)
	if q[0] != 1 || q[1] != 0 || q[2] != 0 || logq[0] != 0 || math.IsInf(logq[2], 0) || math.IsNaN(logq[2]) {
		t.Fatalf("huge τ: q = %v, log q = %v (log q_2 must stay finite)", q, logq)
	}
	for _, bad := range []func(){
		func() { GibbsPosterior([]float64{1}, []float64{1, 2}, 1) },
		func() { GibbsPosterior([]float64{-1, 2}, []float64{1, 2}, 1) },
		func() { GibbsPosterior([]float64{0, 0}, []float64{1, 2}, 1) },
		func() { GibbsPosterior([]float64{1, 1}, []float64{math.NaN(), 2}, 1) },
		func() { GibbsPosterior([]float64{1, 1}, []float64{1, 2}, -1) },
		func() { EGDistributions([]float64{1, 1}, []float64{1, 2}, []float64{1, -1}) },
		func() { EGDistributions([]float64{1, 1}, []float64{1, math.Inf(1)}, []float64{1}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("invalid input accepted")
				}
			}()
			bad()
		}()
	}
}
