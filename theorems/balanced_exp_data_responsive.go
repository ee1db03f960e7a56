package theorems

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/generators"
	"github.com/implicitreg/verify/internal/numeric"
	"github.com/implicitreg/verify/internal/stats"
)

// Thresholds of balancedness/data-responsive.
const (
	// drRatio: each step up in α must cut SAM's final |B| by at least 10% on average (upper
	// bound of the mean ratio across seeds ≤ 0.9).
	drRatio = 0.9
	// drLevelCentred is the level of each side of the two-sided check that the α² coefficient's
	// confidence interval contains its expectation. Unlike the claims, that check is centred
	// (a correct implementation sits in the middle of it), so its false-alarm rate is its level:
	// 1e-6 a side keeps it negligible, while data without noise (coefficient exactly 0) lie
	// about 80 standard errors away under the ci profile.
	drLevelCentred = 1e-6
)

// drNoiseLevels are the noise levels compared, in increasing order.
var drNoiseLevels = []float64{0, 0.25, 0.5, 1}

const dataResponsiveStatement = `The balancing is data-responsive (Li, Zhang, He, NeurIPS 2024, Sec. 3): SAM balances faster the
noisier the data — on OP the rate of |B| is ∝ |f′| (Thm 3), which noise keeps away from 0; on NOP
the noise adds to the drift ‖g_x‖² − ‖g_y‖² a term ∝ α² (the paper: E[‖g_y‖² − ‖g_x‖²] ∝ α²).

On the paper's toy problems (App. A.4: x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, OP f = E(xᵀy − (0.5 + αn))²
with ρ = 0.2, NOP f = E‖xyᵀ − (diag(0.5, 0, 0) + αN)‖_F² with N = diag(1, 0.8, 0.5)·U and ρ = 0.1, one
fresh draw per step, ηT = 10), for α ∈ {0, 0.25, 0.5, 1} with the same draws at every α within a
seed, checked (bounds one-sided at 99.9%, Student-t across seeds, unless said):
  step 1  at the start (x_0, y_0), with G_k = ∇f_k(x_0y_0ᵀ) from the loss, the mean over the first K
          draws of D_k(α) = ‖G_k y_0‖² − ‖G_kᵀx_0‖² is exactly a quadratic in α: its value at 0.25 is
          0.375·D(0) + 0.75·D(0.5) − 0.125·D(1) (identity up to rounding; the seed farthest shown);
  step 2  its α² coefficient c_k = 2D_k(1) + 2D_k(0) − 4D_k(0.5) = 4(‖N_k y_0‖² − ‖N_kᵀx_0‖²) has
          expectation 4(tr(D²)‖y_0‖² − 3‖Dx_0‖²) = 8.6988 (D = diag(1, 0.8, 0.5)): the two-sided
          interval of the mean of c_k over all seeds' draws (level 1e-6 a side) contains it;
  step 3  it pushes B towards 0: the lower bound of the mean of −sgn(B_0)·c_k is ≥ 0 (B_0 = −0.56);
  claim   SAM's final |B| decreases in α: for each consecutive pair α < α′ and each problem, the
          upper bound of mean over seeds of |B_T(α′)|/|B_T(α)| is ≤ 0.9 (OP 0→0.25, 0.25→0.5,
          0.5→1, then NOP in the same order).
Profiles: paper T = 1e5, η = 1e-4, 10 seeds, K = 5000; quick T = 2e4, η = 5e-4, 10 seeds, K = 2000;
ci T = 1e4, η = 1e-3, 8 seeds, K = 1000.`

var dataResponsiveSteps = []string{
	"step 1 NOP drift at the start is quadratic in α: D(0.25) = 0.375·D(0) + 0.75·D(0.5) − 0.125·D(1) (worst seed)",
	"step 2 the α² coefficient's interval contains its expectation 4(tr(D²)‖y_0‖² − 3‖Dx_0‖²) (lower, upper)",
	"step 3 the α² term pushes B towards 0: lower bound of mean −sgn(B_0)·c_k ≥ 0",
	"claim: upper 99.9% bound of mean over seeds of |B_T^SAM(α′)|/|B_T^SAM(α)| ≤ 0.9 for consecutive α < α′ (OP 0→0.25, 0.25→0.5, 0.5→1; NOP the same)",
}

// drData builds the losses a run at noise level α sees from a seed's draws; the theorem's is
// the paper's data, the control's ignores α.
type drData func(alpha float64, d bxData) (*generators.ScalarTarget, *generators.FactorSquared)

func drPaperData(alpha float64, d bxData) (*generators.ScalarTarget, *generators.FactorSquared) {
	return bxOP(alpha, d), bxNOP(alpha, d)
}

// BalancednessDataResponsive builds `balancedness/data-responsive` on the given methods (it
// runs SAMInner and SAMFactor).
func BalancednessDataResponsive(m BalancedExpMethods) *Theorem {
	th := &Theorem{
		ID:     "balancedness/data-responsive",
		Title:  "Balancing rate grows with the noise level",
		Kind:   Empirical,
		Source: Quoted,
		Paper:  PaperBalancedness,
		Hypotheses: []string{
			"the paper's toy problems and start (App. A.4), noise of level α ∈ {0, 0.25, 0.5, 1} in the targets, one fresh draw per step",
			"the same draws at every α within a seed (paired comparison)",
			"SAM with the perturbation normalised jointly over (x, y), ρ = 0.2 (OP), 0.1 (NOP); constant η with ηT = 10",
		},
		Statement:  dataResponsiveStatement,
		ProofSteps: dataResponsiveSteps,
		Tolerance:  DefaultTolerance,
		Experiment: drExperiment(m, drPaperData),
	}
	th.Controls = []Control{{
		Name:   "noise-ignored",
		Breaks: BreaksHypothesis,
		Description: "the data ignore the noise level (α replaced by 0 when the losses are built), so every α runs the " +
			"same problem: the α² coefficient is 0 (step 2) and the final |B| does not decrease in α (every claim)",
		Experiment: drExperiment(m, func(_ float64, d bxData) (*generators.ScalarTarget, *generators.FactorSquared) {
			return drPaperData(0, d)
		}),
	}}
	return th
}

func init() { Register(BalancednessDataResponsive(DefaultBalancedExpMethods())) }

// drQuad is one seed's step-1 and step-2 material.
type drQuad struct {
	dbar  [4]float64 // mean_k D_k(α) for α ∈ drNoiseLevels
	scale float64    // magnitude of the terms the means were computed from
	coef  []float64  // c_k per draw
}

// drDrift computes D_k(α) at the start for the first K draws through the losses' oracle,
// fs[i] being the NOP loss at drNoiseLevels[i].
func drDrift(fs []*generators.FactorSquared, K int) drQuad {
	_, _, X0, Y0 := bxStart()
	nx2, ny2 := numeric.FrobNorm2(X0), numeric.FrobNorm2(Y0)
	GX, GY := mat.NewDense(3, 1, nil), mat.NewDense(3, 1, nil)
	var q drQuad
	D := make([][]float64, len(drNoiseLevels))
	var mag float64
	batch := []int{0}
	for i, f := range fs {
		D[i] = make([]float64, K)
		for k := 0; k < K; k++ {
			batch[0] = k
			f.GradMul(GX, GY, X0, Y0, Y0, X0, batch)
			D[i][k] = numeric.FrobNorm2(GX) - numeric.FrobNorm2(GY)
			if drNoiseLevels[i] == 1 { // the largest GradScale: S_k grows with α
				s := f.GradScale(X0, Y0, batch)
				mag += s * s * (nx2 + ny2)
			}
		}
		q.dbar[i] = numeric.Sum(D[i]) / float64(K)
	}
	// p(0.25) = 0.375·D(0) + 0.75·D(0.5) − 0.125·D(1): with D(0.25) the weights sum to 2.25.
	q.scale = 2.25 * mag / float64(K)
	q.coef = make([]float64, K)
	for k := range q.coef {
		q.coef[k] = 2*D[3][k] + 2*D[0][k] - 4*D[2][k]
	}
	return q
}

// drExpectedCoef is E[c_k] = c²(tr(D²)‖y‖² − d2‖Dx‖²) for the toy NOP noise N = D·U (U iid
// N(0, 1), d2 = 3 columns, c = 2): E‖Ny‖² = tr(D²)‖y‖², E‖Nᵀx‖² = d2‖Dx‖².
func drExpectedCoef(x, y []float64) float64 {
	dg := []float64{1, 0.8, 0.5}
	var tr, dx float64
	for i, v := range dg {
		tr += v * v
		dx += v * v * x[i] * x[i]
	}
	return 4 * (tr*numeric.Norm2Sq(y) - 3*dx)
}

func drExperiment(m BalancedExpMethods, data drData) Experiment {
	return func(cfg ExperimentConfig) Evidence {
		p := bxProfileOf(cfg.Profile)
		batches := bxBatches(p.T)
		nA := len(drNoiseLevels)
		// op[i][s], nop[i][s]: SAM's 2|B_T| at drNoiseLevels[i], seed s. α = 0 has no noise in the
		// paper's data: one deterministic run (job p.seeds), copied to every seed.
		op, nop := make([][]float64, nA), make([][]float64, nA)
		for i := range op {
			op[i], nop[i] = make([]float64, p.seeds), make([]float64, p.seeds)
		}
		quads := make([]drQuad, p.seeds)
		var zeroOP, zeroNOP float64
		parallelFor(p.seeds+1, func(s int) {
			if s == p.seeds {
				fo, fn := data(0, bxData{})
				only := []int{0}
				zb := make([][]int, p.T)
				for t := range zb {
					zb[t] = only
				}
				zeroOP = bxSAMInner(m.SAMInner, fo, bxRhoOP, p, zb).absB2
				zeroNOP = bxSAMFactor(m.SAMFactor, fn, bxRhoNOP, p, zb).absB2
				return
			}
			d := bxDraw(cfg.Seed, s, p.T)
			fns := make([]*generators.FactorSquared, nA)
			for i, a := range drNoiseLevels {
				fo, fn := data(a, d)
				fns[i] = fn
				if a > 0 {
					op[i][s] = bxSAMInner(m.SAMInner, fo, bxRhoOP, p, batches).absB2
					nop[i][s] = bxSAMFactor(m.SAMFactor, fn, bxRhoNOP, p, batches).absB2
				}
			}
			quads[s] = drDrift(fns, p.quadK)
		})
		for s := 0; s < p.seeds; s++ {
			op[0][s], nop[0][s] = zeroOP, zeroNOP
		}

		ev := Evidence{Horizon: p.T, Metrics: map[string]float64{}}
		ev.Instance = fmt.Sprintf("paper toy problems from x_0 = [0.2, −0.1, 0.3], y_0 = −3x_0, SAM ρ = 0.2 (OP), 0.1 (NOP); %v; K = %d draws per seed for steps 1–3; experiment seed %d; claims in order: OP 0→0.25, 0.25→0.5, 0.5→1, NOP the same", p, p.quadK, cfg.Seed)
		mt := ev.Metrics
		p.metrics(mt)
		mt["rho_op"], mt["rho_nop"] = bxRhoOP, bxRhoNOP
		mt["quad_draws_per_seed"] = float64(p.quadK)

		// Step 1: exact quadratic, the seed farthest from it.
		worst, worstGap := 0, -1.0
		var coefs []float64
		for s, q := range quads {
			pred := 0.375*q.dbar[0] + 0.75*q.dbar[2] - 0.125*q.dbar[3]
			g := math.Abs(q.dbar[1]-pred) / q.scale
			if math.IsNaN(g) { // a non-finite seed is the one to show: NaN never passes
				g = math.Inf(1)
			}
			if g > worstGap {
				worst, worstGap = s, g
			}
			coefs = append(coefs, q.coef...)
		}
		q := quads[worst]
		ev.Add(Eq("step 1 NOP drift quadratic in α", -1, q.dbar[1], 0.375*q.dbar[0]+0.75*q.dbar[2]-0.125*q.dbar[3], q.scale))
		mt["nop_drift_quadratic_max_rel_gap"] = worstGap
		mt["nop_drift_alpha0_start"] = q.dbar[0]
		mt["nop_drift_alpha1_start"] = q.dbar[3]

		// Step 2: the α² coefficient against its expectation (two-sided, level drLevelCentred a side).
		x0, y0, _, _ := bxStart()
		expect := drExpectedCoef(x0, y0)
		mean, lo, hi := stats.MeanInterval(coefs, stats.Quantile(drLevelCentred))
		ev.Add(Le("step 2 α² coefficient's interval contains its expectation (lower)", -1, lo, expect))
		ev.Add(Le("step 2 α² coefficient's interval contains its expectation (upper)", -1, expect, hi))
		mt["nop_drift_alpha2_coef"] = mean
		mt["nop_drift_alpha2_coef_ci_lo_1e-6"] = lo
		mt["nop_drift_alpha2_coef_ci_hi_1e-6"] = hi
		mt["nop_drift_alpha2_coef_expected"] = expect

		// Step 3: the α² term pushes B towards 0.
		B0 := (numeric.Norm2Sq(x0) - numeric.Norm2Sq(y0)) / 2
		signed := make([]float64, len(coefs))
		for i, c := range coefs {
			signed[i] = -numeric.Sign(B0) * c
		}
		sb := bxInterval(signed)
		ev.Add(Le("step 3 α² term balancing", -1, 0, sb.lo))
		mt["B0"] = B0
		sb.put(mt, "nop_drift_alpha2_coef_towards_balance")

		// Claims: monotone decrease of SAM's final |B| in α.
		for _, prob := range []struct {
			name string
			runs [][]float64
		}{{"op", op}, {"nop", nop}} {
			for i, a := range drNoiseLevels {
				if a == 0 {
					mt["sam_"+prob.name+"_alpha0_2absB_final"] = prob.runs[0][0]
					continue
				}
				bxInterval(prob.runs[i]).put(mt, "sam_"+prob.name+"_"+bxAlphaName(a)+"_2absB_final")
			}
			for i := 0; i+1 < nA; i++ {
				b := bxInterval(bxRatios(prob.runs[i+1], prob.runs[i]))
				b.put(mt, fmt.Sprintf("ratio_%s_%s_to_%s", prob.name, bxAlphaName(drNoiseLevels[i+1]), bxAlphaName(drNoiseLevels[i])))
				ev.Add(Le(ClaimStep, -1, b.hi, drRatio))
			}
		}
		mt["threshold_ratio_per_alpha_step"] = drRatio
		// Reference numbers: the paper's Fig. 1 (SAM on OP at α = 1 reaches ≈ 0) and the
		// single-seed re-run of App. A.4 (papers/sam-and-tensor.md A.7), for orientation.
		mt["paper_sam_op_alpha1_2absB_final"] = 0
		mt["notes_rerun_sam_op_alpha0_2absB_final"] = 0.19
		mt["notes_rerun_sam_op_alpha0.5_2absB_final"] = 0.006
		mt["notes_rerun_sam_nop_alpha0_2absB_final"] = 1.21
		mt["notes_rerun_sam_nop_alpha0.5_2absB_final"] = 0.22
		mt["notes_rerun_sam_nop_alpha1_2absB_final"] = 0.15
		return ev
	}
}
