package checks

import (
	"math"
	"math/rand/v2"
)

// TargetOptions size a targeted search.
type TargetOptions struct {
	// Restarts is the number of random starting points (default 12).
	Restarts int
	// Steps is the number of hill-climbing proposals per start (default 400).
	Steps int
	// Seed makes the search reproducible (0 means 1).
	Seed uint64
}

func (o TargetOptions) withDefaults() TargetOptions {
	if o.Restarts <= 0 {
		o.Restarts = 12
	}
	if o.Steps <= 0 {
		o.Steps = 400
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// TargetResult is the best point a targeted search reached.
type TargetResult struct {
	Best  []float64
	Score float64
	// Evals counts score evaluations (valid or not).
	Evals int
	// Found is false when no drawn point had a valid score.
	Found bool
}

// Target maximises score by hill climbing, in the spirit of Hypothesis's target(): from
// each random start (draw), it proposes Gaussian moves on a random subset of coordinates and
// keeps a move when the score does not decrease, widening the step after a success and
// narrowing it after a failure (a (1+1) evolution strategy). A point whose score is not ok
// (an invalid instance, a NaN ratio) is rejected. Deterministic for a given seed.
func Target(draw func(*rand.Rand) []float64, score func([]float64) (float64, bool), opt TargetOptions) TargetResult {
	opt = opt.withDefaults()
	r := rand.New(rand.NewPCG(opt.Seed, 0x7a5c_0e3d_9b1f_4c27))
	res := TargetResult{Score: math.Inf(-1)}
	eval := func(u []float64) (float64, bool) {
		res.Evals++
		s, ok := score(u)
		if !ok || math.IsNaN(s) {
			return 0, false
		}
		return s, true
	}
	for range opt.Restarts {
		var (
			u  []float64
			s  float64
			ok bool
		)
		for range 20 { // a few draws until one is valid
			u = draw(r)
			if s, ok = eval(u); ok {
				break
			}
		}
		if !ok {
			continue
		}
		sigma := 0.5
		v := make([]float64, len(u))
		for range opt.Steps {
			copy(v, u)
			moved := false
			for i := range v {
				if r.IntN(2) == 0 {
					v[i] += sigma * r.NormFloat64()
					moved = true
				}
			}
			if !moved {
				i := r.IntN(len(v))
				v[i] += sigma * r.NormFloat64()
			}
			if sv, okv := eval(v); okv && sv >= s {
				u, v = v, u
				s = sv
				sigma = math.Min(sigma*1.5, 10)
			} else {
				sigma = math.Max(sigma*0.85, 1e-9)
			}
		}
		if s > res.Score {
			res.Score, res.Found = s, true
			res.Best = append(res.Best[:0], u...)
		}
	}
	return res
}
