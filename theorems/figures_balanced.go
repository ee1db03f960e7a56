package theorems

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
)

// Figures of the balancedness family: 2|B_t| = |‖x_t‖² − ‖y_t‖²| over t under GD, SGD, SAM,
// nBAR and oBAR on the paper's two toy problems (App. A.4), from the paper's start.

func init() {
	RegisterFigures("balancedness", func(cfg ExperimentConfig) []Figure {
		return BalancednessFigures(DefaultBalancedExpMethods(), cfg)
	})
}

// fgBalPoints is the number of points per curve (the runs record every step).
const fgBalPoints = 400

// BalancednessFigures runs each method once on seed 0 of the experiments' noise (the same draws
// as balancedness/bar under cfg) and returns one figure per problem (OP, then NOP).
func BalancednessFigures(m BalancedExpMethods, cfg ExperimentConfig) []Figure {
	p := bxProfileOf(cfg.Profile)
	batches := bxBatches(p.T)
	sch := algorithms.AlphaSchedule{Kind: algorithms.AlphaLinear, Mu0: 1, T: p.T}
	labels := []string{"GD (noise α = 0)", fmt.Sprintf("SGD (α = %g)", barNoise), fmt.Sprintf("SAM (α = %g)", barNoise),
		fmt.Sprintf("nBAR (α = %g)", barNoise), fmt.Sprintf("oBAR (α = %g)", barNoise)}
	nm := len(labels)
	// Job j: problem j/nm (0 OP, 1 NOP), method j%nm. Each job builds its own loss: losses
	// keep scratch.
	bs := make([][]float64, 2*nm)
	parallelFor(2*nm, func(j int) {
		d := bxDraw(cfg.Seed, 0, p.T)
		alpha := barNoise
		if j%nm == 0 {
			alpha = 0
		}
		x0, y0, X0, Y0 := bxStart()
		if j < nm {
			f := bxOP(alpha, d)
			rho := bxRhoOP
			bs[j] = algorithms.RunInner(x0, y0, p.T, false, func(t int, x, y []float64, w *algorithms.InnerWork) {
				switch j % nm {
				case 0, 1:
					m.SGDInner(f, x, y, p.eta, batches[t], w)
				case 2:
					m.SAMInner(f, x, y, p.eta, rho, batches[t], w)
				case 3:
					m.NBARInner(f, x, y, p.eta, sch.At(t), batches[t], w)
				default:
					m.OBARInner(f, x, y, p.eta, sch.At(t), batches[t], w)
				}
			}).B
			return
		}
		f := bxNOP(alpha, d)
		rho := bxRhoNOP
		bs[j] = algorithms.RunFactor(X0, Y0, p.T, false, func(t int, X, Y *mat.Dense, w *algorithms.FactorWork) {
			switch j % nm {
			case 0, 1:
				m.SGDFactor(f, X, Y, p.eta, batches[t], w)
			case 2:
				m.SAMFactor(f, X, Y, p.eta, rho, batches[t], w)
			case 3:
				m.NBARFactor(f, X, Y, p.eta, sch.At(t), batches[t], w)
			default:
				m.OBARFactor(f, X, Y, p.eta, sch.At(t), batches[t], w)
			}
		}).B
	})

	problems := []struct{ name, title, loss string }{
		{"op", "OP problem f = E(xᵀy − (0.5 + αn))²", fmt.Sprintf("OP, f = E(xᵀy − (0.5 + α·n))², n ~ N(0, 1), SAM ρ = %g", bxRhoOP)},
		{"nop", "NOP problem f = E‖xyᵀ − (A + αN)‖²", fmt.Sprintf("NOP, f = E‖xyᵀ − (diag(0.5, 0, 0) + α·N)‖_F², N = diag(1, 0.8, 0.5)·U, U_ij ~ N(0, 1), SAM ρ = %g", bxRhoNOP)},
	}
	var figs []Figure
	for k, pr := range problems {
		var lines []Line
		var finals []string
		for i, label := range labels {
			B := bs[k*nm+i]
			xs, ys := fgBalSample(B)
			lines = append(lines, Line{Label: label, X: xs, Y: ys})
			finals = append(finals, fmt.Sprintf("%s %.3g", label, 2*math.Abs(B[len(B)-1])))
		}
		same := ""
		for i := range lines {
			for j := i + 1; j < len(lines); j++ {
				if d, ok := fgCurveDistance(lines[i], lines[j]); ok && d == 0 {
					same += fmt.Sprintf(" %s and %s give the same curve here (one is drawn over the other).", lines[i].Label, lines[j].Label)
				}
			}
		}
		figs = append(figs, Figure{
			Name:   "balancedness-" + pr.name,
			Title:  "Balancedness 2|B_t| on the " + pr.title,
			XLabel: "step t",
			YLabel: "2|B_t| = |‖x_t‖² − ‖y_t‖²|",
			LogY:   true,
			Lines:  lines,
			Caption: fmt.Sprintf("The paper's toy %s (App. A.4), from x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0 (2|B_0| = 1.12), "+
				"one fresh noise draw per step (seed 0 of the experiments' draws), constant step η = %g for T = %d steps "+
				"(%s profile; the paper runs η = %g, T = %d: the same ηT = %g). nBAR and oBAR use the linear α schedule from μ_0 = 1. "+
				"GD is the same method as SGD on the noise-free problem. Final 2|B_T|: %s. The claims about these curves are "+
				"balancedness/sam-promotes, data-responsive and bar, which judge them over seeds with confidence bounds (their rows above).%s",
				pr.loss, p.eta, p.T, p.name, bxPaperEta, bxPaperT, p.eta*float64(p.T), strings.Join(finals, "; "), same),
		})
	}
	return figs
}

// fgBalSample picks fgBalPoints + 1 evenly spaced steps of a run and returns (t, 2|B_t|).
func fgBalSample(B []float64) (xs, ys []float64) {
	T := len(B) - 1
	n := min(fgBalPoints, T)
	last := -1
	for i := 0; i <= n; i++ {
		t := 0
		if n > 0 {
			t = int(math.Round(float64(i) * float64(T) / float64(n)))
		}
		if t == last {
			continue
		}
		last = t
		xs, ys = append(xs, float64(t)), append(ys, 2*math.Abs(B[t]))
	}
	return xs, ys
}
