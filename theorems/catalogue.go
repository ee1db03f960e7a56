package theorems

// Citations of the seven papers, as THEOREMS.md gives them.
const (
	PaperBasicInequality = "Paik, Zhou, Telgarsky, Tibshirani (2025), Basic Inequalities for First-Order Optimization with Applications to Statistical Risk Analysis, arXiv 2512.24999"
	PaperBalancedness    = "Li, Zhang, He (NeurIPS 2024), Implicit Regularization of Sharpness-Aware Minimization for Scale-Invariant Problems, arXiv 2410.14802"
	PaperLowRank         = "Arora, Cohen, Hu, Luo (NeurIPS 2019), Implicit Regularization in Deep Matrix Factorization"
	PaperNormDivergence  = "Razin, Cohen (NeurIPS 2020), Implicit Regularization in Deep Learning May Not Be Explainable by Norms"
	PaperConnectivity    = "Bai, Zhao, Zhang (NeurIPS 2024), Connectivity Shapes Implicit Regularization in Matrix Factorization Models for Matrix Completion, arXiv 2405.13721"
	PaperLiftedTensor    = "Ma, Lavaei, Sojoudi (NeurIPS 2023), Algorithmic Regularization in Tensor Optimization: Towards a Lifted Approach in Matrix Sensing"
	PaperSCO             = "Sekhari, Sridharan, Kale (NeurIPS 2021), SGD: The Role of Implicit Regularization, Batch-size and Multiple-epochs"
)

// Reasons a catalogue entry is not encoded yet.
const (
	pendingBalancedness = "not yet encoded: balancedness family (issue #3)"
	pendingMatrix       = "not yet encoded: matrix factorisation families (issue #4)"
	pendingSCO          = "not yet encoded: SCO family (issue #5)"
	pendingTensor       = "not yet encoded: lifted tensor family (issue #6)"
	pendingBasic        = "not yet encoded"
	unavailableSCO      = "not encoded: the paper's construction was not available (THEOREMS.md §7)"
)

// newCatalogue lists every theorem of THEOREMS.md in order, each as a placeholder that the
// theorem's own file replaces through Register.
func newCatalogue() []*Theorem {
	p := func(id string, kind Kind, src Source, paper, title, reason string) *Theorem {
		return &Theorem{ID: id, Kind: kind, Source: src, Paper: paper, Title: title, NotEncoded: reason}
	}
	return []*Theorem{
		// §1 basic inequality: all derived (only the abstract was available).
		p("basic-inequality/gd", Exact, Derived, PaperBasicInequality, "GD basic inequality: T steps act as ridge with coefficient 1/τ", pendingBasic),
		p("basic-inequality/gd-large-step", Exact, Derived, PaperBasicInequality, "GD basic inequality for constant steps in (1/L, 2/L)", pendingBasic),
		p("basic-inequality/gradient-flow", Flow, Derived, PaperBasicInequality, "Gradient-flow basic inequality", pendingBasic),
		p("basic-inequality/mirror-descent", Exact, Derived, PaperBasicInequality, "Mirror-descent basic inequality with Bregman projection", pendingBasic),
		p("basic-inequality/eg", Exact, Derived, PaperBasicInequality, "Exponentiated-gradient basic inequality (and EG±)", pendingBasic),
		p("basic-inequality/envelope", Exact, Derived, PaperBasicInequality, "Training envelope between two ridge objectives (Figure 1)", pendingBasic),
		p("basic-inequality/sgd", Statistical, Derived, PaperBasicInequality, "SGD basic inequality in expectation", pendingBasic),
		p("basic-inequality/gibbs", Exact, Derived, PaperBasicInequality, "Gibbs-posterior identity for randomised predictors", pendingBasic),
		p("basic-inequality/least-squares-risk", Statistical, Derived, PaperBasicInequality, "Early-stopped GD risk bound for least squares", pendingBasic),
		p("basic-inequality/logistic-risk", Statistical, Derived, PaperBasicInequality, "Early-stopped GD risk bound for logistic regression", pendingBasic),
		// §2 balancedness.
		p("balancedness/gd-nop", Exact, Derived, PaperBalancedness, "GD one-step balancedness identity, NOP", pendingBalancedness),
		p("balancedness/gd-op", Exact, Derived, PaperBalancedness, "GD one-step balancedness identity, OP", pendingBalancedness),
		p("balancedness/flow-conserved", Flow, Quoted, PaperBalancedness, "SGD flow conserves balancedness (Thm 1, 4, 6)", pendingBalancedness),
		p("balancedness/sam-nop", Exact, Derived, PaperBalancedness, "SAM one-step balancedness identity, NOP", pendingBalancedness),
		p("balancedness/sam-op", Exact, Derived, PaperBalancedness, "SAM one-step balancedness identity, OP", pendingBalancedness),
		p("balancedness/sam-flow-nop", Flow, Quoted, PaperBalancedness, "SAM flow balancedness dynamics, NOP (Thm 2)", pendingBalancedness),
		p("balancedness/sam-flow-op", Flow, Quoted, PaperBalancedness, "SAM flow balancedness dynamics, OP (Thm 3)", pendingBalancedness),
		p("balancedness/sam-promotes", Empirical, Quoted, PaperBalancedness, "SAM promotes balancedness (toy experiments)", pendingBalancedness),
		p("balancedness/data-responsive", Empirical, Quoted, PaperBalancedness, "Balancing rate grows with the noise level", pendingBalancedness),
		p("balancedness/bar", Empirical, Quoted, PaperBalancedness, "BAR mimics SAM's balancing at one gradient per step", pendingBalancedness),
		p("balancedness/sharpness", Exact, Quoted, PaperBalancedness, "Sharpness is smallest at balance (Lemma 1)", pendingBalancedness),
		// §3 low rank.
		p("low-rank/balance-drift", Exact, Derived, PaperLowRank, "GD drift of layer balance is second order", pendingMatrix),
		p("low-rank/singular-value-dynamics", Flow, Quoted, PaperLowRank, "Singular-value dynamics of deep factorisation (Thm 3)", pendingMatrix),
		p("low-rank/depth", Empirical, Quoted, PaperLowRank, "Depth lowers effective rank and error in completion", pendingMatrix),
		// §4 norm divergence.
		p("norm-divergence/razin-cohen", Empirical, Quoted, PaperNormDivergence, "Every norm diverges on the 2×2 completion instance", pendingMatrix),
		// §5 connectivity.
		p("connectivity/invariant-manifold", Exact, Derived, PaperConnectivity, "GD never increases the rank of the stacked factors", pendingMatrix),
		p("connectivity/disconnected-nuclear", Empirical, Derived, PaperConnectivity, "Disconnected observations: low nuclear norm, not lowest rank", pendingMatrix),
		p("connectivity/connected-low-rank", Empirical, Quoted, PaperConnectivity, "Connected observations: small init finds the lowest rank", pendingMatrix),
		// §6 lifted tensor.
		p("lifted-tensor/symmetric", Exact, Quoted, PaperLiftedTensor, "A symmetric start stays symmetric (Lemma 1)", pendingTensor),
		p("lifted-tensor/rank-one", Empirical, Quoted, PaperLiftedTensor, "Lifted GD from small init stays near rank 1 (Thm 1)", pendingTensor),
		p("lifted-tensor/beats-unlifted", Empirical, Quoted, PaperLiftedTensor, "Lifted GD succeeds where unlifted GD fails", pendingTensor),
		// §7 SCO.
		p("sco/sgd-rate", Statistical, Derived, PaperSCO, "One-pass SGD learns at rate BL/√n", pendingSCO),
		p("sco/rerm-fails", Exact, Derived, PaperSCO, "Regularised ERM fails on the bad event for every regulariser", pendingSCO),
		p("sco/full-dimension", Empirical, Derived, PaperSCO, "Full-dimension cross-check of the 2-D RERM bound", pendingSCO),
		p("sco/tikhonov-learns", Exact, Derived, PaperSCO, "Sanity check: Tikhonov RERM learns per-sample-convex instances", pendingSCO),
		p("sco/gd-lower-bound", Statistical, Quoted, PaperSCO, "GD lower bound Ω̃(n^{−5/12})", unavailableSCO),
		p("sco/multi-epoch", Statistical, Quoted, PaperSCO, "Multi-epoch SGD result", unavailableSCO),
	}
}
