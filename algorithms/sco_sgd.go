package algorithms

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/implicitreg/verify/internal/numeric"
)

// SCOAxisSGD is one-pass projected SGD on an SCO instance I(c0, c1, a, a0; N) (papers/sco.md
// §6.3) from w_1 = x1·e_0 with the zero subgradient at every kink: u_t stays 0 and the run is
// the deterministic recursion on the w_0 axis
//
//	x_{t+1} = clip_[−1, 1](x_t − η c0 sgn(x_t − a0)),   sgn(0) = 0,
//
// for t = 1 … n. It returns x̄ = (1/n) Σ_{t=1}^n x_t (the average of the n iterates that
// received a gradient); the excess risk of w̄ = x̄ e_0 is c0|x̄ − a0|.
func SCOAxisSGD(c0, a0, eta, x1 float64, n int) float64 {
	if n < 1 {
		panic(fmt.Sprintf("algorithms: SCOAxisSGD: n = %d, want ≥ 1", n))
	}
	x, sum := x1, 0.0
	for t := 0; t < n; t++ {
		sum += x
		x -= eta * c0 * numeric.Sign(x-a0)
		x = math.Max(-1, math.Min(1, x))
	}
	return sum / float64(n)
}

// SCOSubgradOracle writes into g a stochastic subgradient of the t-th fresh sample's loss at
// w (t = 0 … n−1). It must not keep w or g.
type SCOSubgradOracle func(g, w []float64, t int)

// SCOProjectedSGD runs one-pass projected SGD on the ball of the given radius:
//
//	w_{t+1} = Π(w_t − η g_t),   g_t = oracle(w_t, t),   t = 1 … n,
//
// from w1, and writes w̄ = (1/n) Σ_{t=1}^n w_t into avg. visit, when non-nil, sees each w_t
// and g_t before the step (t counts from 0). It allocates only its two scratch vectors.
func SCOProjectedSGD(w1 []float64, eta, radius float64, n int, oracle SCOSubgradOracle, avg []float64, visit func(t int, w, g []float64)) {
	d := len(w1)
	if len(avg) != d {
		panic(fmt.Sprintf("algorithms: SCOProjectedSGD: len(avg) = %d, want %d", len(avg), d))
	}
	w := append([]float64(nil), w1...)
	g := make([]float64, d)
	for i := range avg {
		avg[i] = 0
	}
	for t := 0; t < n; t++ {
		for i, v := range w {
			avg[i] += v
		}
		oracle(g, w, t)
		if visit != nil {
			visit(t, w, g)
		}
		for i := range w {
			w[i] -= eta * g[i]
		}
		scoProjectBall(w, radius)
	}
	for i := range avg {
		avg[i] /= float64(n)
	}
}

// scoProjectBall projects w onto the ball of the given radius (in place).
func scoProjectBall(w []float64, radius float64) {
	n := math.Sqrt(numeric.Norm2Sq(w))
	if n > radius {
		s := radius / n
		for i := range w {
			w[i] *= s
		}
	}
}

// SCOLocalSearchOptions configures SCOMultiStartRERM; zero values take the defaults.
type SCOLocalSearchOptions struct {
	// Starts is the number of random starts (uniform in the ball) besides the origin
	// (default 32).
	Starts int
	// Seed seeds the starts and the random poll directions.
	Seed uint64
	// InitStep and MinStep bound the pattern-search step (defaults 0.5 and 1e-7).
	InitStep, MinStep float64
	// RandomDirs is the number of random unit directions polled with ±e_k (default 2·dim).
	RandomDirs int
	// MaxEvals caps the evaluations per start (default 200000).
	MaxEvals int
}

// SCOLocalSearch is the outcome of SCOMultiStartRERM.
type SCOLocalSearch struct {
	Best  []float64
	Value float64
	// Values are the final values per start (the origin first).
	Values []float64
	Evals  int
}

// SCOMultiStartRERM minimises a (possibly non-convex, non-smooth) objective over the unit
// ball of R^dim by pattern search from many starts: from the origin and from random points,
// poll ±step along every coordinate and along random unit directions (projecting onto the
// ball), move to the best improving point, halve the step when none improves. It is an
// uncertified numerical RERM: its value is an upper bound on the minimum (up to rounding),
// which is what a cross-check of a certified lower bound needs.
func SCOMultiStartRERM(obj func(w []float64) float64, dim int, opt SCOLocalSearchOptions) SCOLocalSearch {
	if opt.Starts <= 0 {
		opt.Starts = 32
	}
	if opt.InitStep <= 0 {
		opt.InitStep = 0.5
	}
	if opt.MinStep <= 0 {
		opt.MinStep = 1e-7
	}
	if opt.RandomDirs <= 0 {
		opt.RandomDirs = 2 * dim
	}
	if opt.MaxEvals <= 0 {
		opt.MaxEvals = 200000
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5c0_5ea4c4))
	res := SCOLocalSearch{Value: math.Inf(1)}
	x := make([]float64, dim)
	y := make([]float64, dim)
	best := make([]float64, dim)
	dir := make([]float64, dim)
	for s := 0; s <= opt.Starts; s++ {
		if s == 0 {
			for i := range x {
				x[i] = 0
			}
		} else {
			scoRandomBall(rng, x)
		}
		fx := obj(x)
		evals := 1
		step := opt.InitStep
		for step >= opt.MinStep && evals < opt.MaxEvals {
			fb := fx
			copy(best, x)
			try := func() {
				scoProjectBall(y, 1)
				if v := obj(y); v < fb {
					fb = v
					copy(best, y)
				}
				evals++
			}
			for k := 0; k < dim; k++ {
				for _, sg := range [2]float64{1, -1} {
					copy(y, x)
					y[k] += sg * step
					try()
				}
			}
			for r := 0; r < opt.RandomDirs; r++ {
				for i := range dir {
					dir[i] = rng.NormFloat64()
				}
				nd := math.Sqrt(numeric.Norm2Sq(dir))
				for _, sg := range [2]float64{1, -1} {
					for i := range y {
						y[i] = x[i] + sg*step*dir[i]/nd
					}
					try()
				}
			}
			if fb < fx {
				fx = fb
				copy(x, best)
				step = math.Min(1, step*1.5)
			} else {
				step /= 2
			}
		}
		res.Values = append(res.Values, fx)
		res.Evals += evals
		if fx < res.Value {
			res.Value = fx
			res.Best = append(res.Best[:0], x...)
		}
	}
	return res
}
