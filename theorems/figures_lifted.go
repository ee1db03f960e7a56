package theorems

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Figure of lifted-tensor/beats-unlifted: success rates of lifted GD with escape steps and of
// unlifted GD against n at ε = 1e-7, ours beside the paper's Fig. 1, from the experiment's own
// metrics (so the figure shows exactly what the check judged).

func init() {
	RegisterFigures("lifted-tensor/beats-unlifted", func(cfg ExperimentConfig) []Figure {
		th, ok := Lookup("lifted-tensor/beats-unlifted")
		if !ok || th.Experiment == nil {
			return nil
		}
		return LiftedFigures(th.Experiment(cfg).Metrics)
	})
}

// LiftedFigures draws the ε = 1e-7 cells found in the metrics of lifted-tensor/beats-unlifted
// (keys n<N>_eps1e-07_lifted_custom_rate, …_unlifted_rate and paper_{lifted,unlifted}_n<N>_eps1e-07).
func LiftedFigures(m map[string]float64) []Figure {
	const eps = "eps1e-07"
	var ns []int
	for k := range m {
		if rest, ok := strings.CutPrefix(k, "n"); ok && strings.HasSuffix(k, "_"+eps+"_lifted_custom_rate") {
			if n, err := strconv.Atoi(strings.TrimSuffix(rest, "_"+eps+"_lifted_custom_rate")); err == nil {
				ns = append(ns, n)
			}
		}
	}
	if len(ns) == 0 {
		return nil
	}
	sort.Ints(ns)
	lifted := Line{Label: "lifted GD with escape steps (ours)", Points: true}
	unlifted := Line{Label: "unlifted GD (ours)", Points: true}
	paperLifted := Line{Label: "lifted, paper Fig. 1", Points: true, Reference: true}
	paperUnlifted := Line{Label: "unlifted, paper Fig. 1", Points: true, Reference: true}
	for _, n := range ns {
		x := float64(n)
		pre := fmt.Sprintf("n%d_%s_", n, eps)
		lifted.X, lifted.Y = append(lifted.X, x), append(lifted.Y, m[pre+"lifted_custom_rate"])
		unlifted.X, unlifted.Y = append(unlifted.X, x), append(unlifted.Y, m[pre+"unlifted_rate"])
	}
	for _, n := range []int{5, 8, 10, 12} {
		x := float64(n)
		if v, ok := m[fmt.Sprintf("paper_lifted_n%d_%s", n, eps)]; ok {
			paperLifted.X, paperLifted.Y = append(paperLifted.X, x), append(paperLifted.Y, v)
		}
		if v, ok := m[fmt.Sprintf("paper_unlifted_n%d_%s", n, eps)]; ok {
			paperUnlifted.X, paperUnlifted.Y = append(paperUnlifted.X, x), append(paperUnlifted.Y, v)
		}
	}
	return []Figure{{
		Name:   "lifted-vs-unlifted",
		Title:  "Perturbed matrix completion: success rate at ε = 1e-7",
		XLabel: "n",
		YLabel: "success rate (‖XXᵀ − M*‖_F ≤ 0.05)",
		Lines:  []Line{lifted, unlifted, paperLifted, paperUnlifted},
		Caption: fmt.Sprintf("Order l = 3, ρ = 0.01, random unit-norm starts; our rates over the profile's trials at n ∈ %v "+
			"(the quick and ci profiles run n = 5 only, the paper profile n = 5, 8, 10, 12), beside the rates read from "+
			"the paper's Fig. 1 (Ma, Lavaei, Sojoudi 2023). Wilson intervals are in the metrics of lifted-tensor/beats-unlifted.", ns),
	}}
}
