package theorems

import (
	"fmt"
	"math"
)

// Probes of the norm-divergence family.

func init() {
	RegisterProbe(Probe{
		Theorem: "norm-divergence/razin-cohen",
		Name:    "constant",
		Description: `constant = c in the exact part's claim |w_11| ≥ c·(|p| − r)(|q| − r)/(|e| + r) (the theorem's
c is 1), on the property's own draws: the paper instance, the authors' perturbed ones and random
(p, q, e); W at residual radius r = √(2ℓ) from 1e-6 to min(|p|, |q|), in a random direction or
along the one that makes |w_11| smallest on the level set (where |w_11| ≈ 1/r − r on the paper
instance, within ≈ 2r of the bound). Every proof step and the σ_2/σ_1 claim are judged too (they
do not depend on c). For c ≤ 1 the claim follows from the theorem's (the bound is positive under
the hypotheses); the violation rate beyond 1 measures how close the draws come to the bound: if
it rises at once, the derived constant cannot be raised. The experiment part is not run.`,
		Hypothesis: "constant ≤ 1 (the derived bound; c = 1 is the theorem)",
		Default:    1,
		Holds:      func(v float64) bool { return v <= 1 },
		Admits: func(v float64) error {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("constant must be finite, got %g", v)
			}
			return nil
		},
		Property: func(v float64) Property {
			return ndProperty(func(in ndInstance, r, absW11 float64) Inequality {
				q := ndTrueClaim(in, r, absW11)
				q.LHS *= v
				return q
			})
		},
	})
}
