package theorems

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

// Figure 1 of the basic-inequality paper, GD panels: the implicit objective
// f(θ_T) + ‖θ_T‖²/(4τ) between the ridge envelopes min f + ‖θ‖²/(4τ) and min f + ‖θ‖²/τ,
// against τ on a log axis, for three GLM tasks (rows) × two (n, d) regimes (columns).

func init() {
	RegisterFigures("basic-inequality/envelope", func(cfg ExperimentConfig) []Figure {
		return EnvelopeFigures(algorithms.GradientDescent, cfg)
	})
}

// fgEnvSizes is the figure's size under a profile: the (n, d) of the two regimes, the largest
// iteration count and the number of τ values (log-spaced iteration counts).
type fgEnvSizes struct {
	regimes [2][2]int
	maxT    int
	points  int
}

func fgEnvSizesOf(profile string) fgEnvSizes {
	if profile == "paper" { // THEOREMS.md §1: (500, 50) and (100, 500)
		return fgEnvSizes{regimes: [2][2]int{{500, 50}, {100, 500}}, maxT: 10000, points: 16}
	}
	return fgEnvSizes{regimes: [2][2]int{{200, 20}, {20, 100}}, maxT: 2000, points: 25}
}

// fgEnvTasks are the rows of Figure 1.
var fgEnvTasks = []struct{ key, name, model string }{
	{"least-squares", "least squares", "Gaussian/identity: y = x·θ* + 0.5·ε"},
	{"logistic", "logistic", "Bernoulli/logit: P(y = 1) = σ(x·θ*)"},
	{"poisson", "Poisson", "Poisson/log: y ~ Poisson(exp(x·θ*)), θ* scaled to ‖θ*‖ = 1"},
}

// fgEnvPoissonRho sets the Poisson ball B(0, ρ/max_i‖x_i‖) on which L is certified.
const fgEnvPoissonRho = 5

// EnvelopeFigures computes the six GD panels of Figure 1 with gd under cfg: task-major, so a
// two-column layout reproduces the paper's rows (tasks) and columns (regimes).
func EnvelopeFigures(gd GDMethod, cfg ExperimentConfig) []Figure {
	sz := fgEnvSizesOf(cfg.Profile)
	figs := make([]Figure, 2*len(fgEnvTasks))
	parallelFor(len(figs), func(j int) {
		task, reg := fgEnvTasks[j/2], j%2
		n, d := sz.regimes[reg][0], sz.regimes[reg][1]
		figs[j] = fgEnvPanel(gd, task.key, task.name, task.model, n, d, reg, sz, cfg.Seed)
	})
	return figs
}

func fgEnvPanel(gd GDMethod, key, name, model string, n, d, reg int, sz fgEnvSizes, seed uint64) Figure {
	regime := []string{"n-gt-d", "n-lt-d"}[reg]
	fig := Figure{
		Name:   "basic-envelope-" + key + "-" + regime,
		Title:  fmt.Sprintf("%s, n = %d, d = %d", name, n, d),
		XLabel: "τ = Σ η_t (log scale)",
		YLabel: "loss + penalty",
		LogX:   true,
	}
	f, err := fgEnvInstance(key, n, d, reg, seed)
	if err != nil {
		fig.Caption = fmt.Sprintf("No data: the %s instance (n = %d, d = %d) could not be built: %v.", name, n, d, err)
		return fig
	}
	L := f.Smoothness()
	steps := make([]float64, sz.maxT)
	for i := range steps {
		steps[i] = 1 / L
	}
	T := len(steps)
	ball := ""
	if p, ok := f.(*generators.Poisson); ok {
		// L is certified on the ball only: keep the iterations whose iterates all stay in it.
		tr := gd(f, make([]float64, d), steps)
		for t := 1; t <= T && t < len(tr.Iterates); t++ {
			if !p.InBall(tr.Iterates[t]) {
				T = t - 1
				break
			}
		}
		ball = fmt.Sprintf(" L is the certified local constant on the ball ‖θ‖ ≤ %g/max_i‖x_i‖; ", float64(fgEnvPoissonRho))
		if T < len(steps) {
			ball += fmt.Sprintf("the iterates stay in it up to T = %d, where the panel stops.", T)
		} else {
			ball += "every iterate stays in it."
		}
	}
	if T < 1 {
		fig.Caption = fmt.Sprintf("No data: GD's first iterate leaves the ball on which L is certified (%s, n = %d, d = %d).", name, n, d)
		return fig
	}
	at := fgEnvGrid(T, sz.points)
	pts, err := EnvelopeCurves(gd, f, steps[:T], at)
	skipped := 0
	if err != nil { // one uncertified ridge solve: keep the τ values that are certified
		pts = nil
		for _, t := range at {
			p, err := EnvelopeCurves(gd, f, steps[:t], []int{t})
			if err != nil {
				skipped++
				continue
			}
			pts = append(pts, p...)
		}
	}
	imp, lo, up := Line{Label: "implicit f(θ_T) + ‖θ_T‖²/(4τ)"}, Line{Label: "min f(θ) + ‖θ‖²/(4τ)", Reference: true},
		Line{Label: "min f(z) + ‖z‖²/τ", Reference: true}
	maxGap := 0.0
	for _, p := range pts {
		imp.X, imp.Y = append(imp.X, p.Tau), append(imp.Y, p.Implicit)
		lo.X, lo.Y = append(lo.X, p.Tau), append(lo.Y, p.Lower)
		up.X, up.Y = append(up.X, p.Tau), append(up.Y, p.Upper)
		maxGap = math.Max(maxGap, math.Max(p.LowerGap, p.UpperGap))
	}
	fig.Lines = []Line{imp, lo, up}
	fig.Caption = fmt.Sprintf("%s (%s), n = %d, d = %d, X_ij ~ N(0, 1/d), θ* ~ N(0, I); GD from θ_0 = 0 with η = 1/L "+
		"(L = %.4g certified) for up to %d steps, observed at %d log-spaced T.%s Solid: the implicit objective; dashed: the two "+
		"ridge envelopes, each solved with a certified accuracy (largest certified gap %.2g).",
		name, model, n, d, L, T, len(at), ball, maxGap)
	if skipped > 0 {
		fig.Caption += fmt.Sprintf(" %d of the %d τ values are left out: a ridge solve there was not certified.", skipped, len(at))
	}
	return fig
}

// fgEnvGrid returns up to points distinct iteration counts from 1 to T, log-spaced.
func fgEnvGrid(T, points int) []int {
	var at []int
	for k := 0; k < points; k++ {
		t := 1
		if points > 1 {
			t = int(math.Round(math.Pow(float64(T), float64(k)/float64(points-1))))
		}
		t = max(1, min(T, t))
		if len(at) == 0 || t > at[len(at)-1] {
			at = append(at, t)
		}
	}
	return at
}

// fgEnvInstance draws the GLM task's data from its own stream of the seed.
func fgEnvInstance(key string, n, d, reg int, seed uint64) (generators.Instance, error) {
	task := 0
	for i, t := range fgEnvTasks {
		if t.key == key {
			task = i
		}
	}
	rng := rand.New(rand.NewPCG(seed, 0xf1e0b5a1^uint64(task<<8|reg)))
	X := mat.NewDense(n, d, nil)
	sd := 1 / math.Sqrt(float64(d))
	for i := range n {
		for j := range d {
			X.Set(i, j, sd*rng.NormFloat64())
		}
	}
	theta := make([]float64, d)
	for j := range theta {
		theta[j] = rng.NormFloat64()
	}
	margin := make([]float64, n)
	for i := range n {
		margin[i] = mat.Dot(X.RowView(i), mat.NewVecDense(d, theta))
	}
	y := make([]float64, n)
	switch key {
	case "least-squares":
		for i := range y {
			y[i] = margin[i] + 0.5*rng.NormFloat64()
		}
		return generators.NewLeastSquares(X, y)
	case "logistic":
		for i := range y {
			y[i] = -1
			if rng.Float64() < 1/(1+math.Exp(-margin[i])) {
				y[i] = 1
			}
		}
		return generators.NewLogistic(X, y)
	}
	maxRow, thetaNorm := 0.0, math.Sqrt(mat.Dot(mat.NewVecDense(d, theta), mat.NewVecDense(d, theta)))
	for i := range n {
		y[i] = fgEnvPoissonDraw(rng, math.Exp(margin[i]/thetaNorm))
		maxRow = math.Max(maxRow, mat.Norm(X.RowView(i), 2))
	}
	return generators.NewPoisson(X, y, make([]float64, d), fgEnvPoissonRho/maxRow)
}

// fgEnvPoissonDraw draws a Poisson(mean) count by inversion (means here are O(1)).
func fgEnvPoissonDraw(rng *rand.Rand, mean float64) float64 {
	u := rng.Float64()
	p := math.Exp(-mean)
	k, cdf := 0, p
	for u > cdf && k < 1000 {
		k++
		p *= mean / float64(k)
		cdf += p
	}
	return float64(k)
}
