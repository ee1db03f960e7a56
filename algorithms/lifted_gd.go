package algorithms

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// LiftedEscape configures the escape steps of the authors' CustomGD (paper App. E, Alg. 1;
// optimizers.py customGD): once ‖∇h‖ < GradThreshold after MinIter steps, stalled steps are
// counted; after Buffer of them (cumulative, as in the code) the next stalled step is an escape
// instead of a GD step: drop w to x̂ by tensor PCA, take the eigenvector u of λ_min of
// ∇f(X̂X̂ᵀ) = A*(A(X̂X̂ᵀ) − b) (for rank r > 1 the first block of kron(I_r, ·)), and step along
// d = u^{⊗l} with Armijo backtracking: η = Eta0, halved (×Gamma) while
// h(w + ηd) > h(w) + Beta·η·⟨∇h(w), d⟩.
type LiftedEscape struct {
	GradThreshold float64 // authors: 1e-5
	MinIter       int     // authors: 100
	Buffer        int     // authors: 100
	Eta0          float64 // authors (perturbed_mc.py): 0.1
	Beta, Gamma   float64 // authors: 0.5, 0.5
	// MaxHalvings bounds the backtracking (default 60); an exhausted search takes no step.
	MaxHalvings int
	// Rank1 tunes the tensor PCA.
	Rank1 Rank1Options
}

// AuthorsEscape returns the authors' CustomGD settings.
func AuthorsEscape() *LiftedEscape {
	return &LiftedEscape{GradThreshold: 1e-5, MinIter: 100, Buffer: 100, Eta0: 0.1, Beta: 0.5, Gamma: 0.5, MaxHalvings: 60}
}

// LiftedGDOptions configures LiftedGD.
type LiftedGDOptions struct {
	LR       float64
	MaxIter  int
	StopLoss float64 // stop once h ≤ StopLoss (checked before each step)
	// Gradient is the gradient used (nil: LiftedGrad).
	Gradient LiftedGradient
	// Escape, when set, runs CustomGD; nil is plain GD.
	Escape *LiftedEscape
	// Visit, when set, is called before each step t (and once at the end) with h at the
	// current iterate; returning false stops.
	Visit func(t int, w *SymTensor, loss float64) bool
}

// LiftedRun is what LiftedGD reports.
type LiftedRun struct {
	Iterations int     // steps taken (GD and escape steps)
	Loss       float64 // h at the final iterate
	Reason     string  // StopConverged, StopMaxIter, StopDiverged or StopVisit
	GradEvals  int
	Escapes    int // escape steps taken
	// EscapeLossEvals counts the objective evaluations of the line searches.
	EscapeLossEvals int
	// EscapeNorms lists ‖w‖_F before each escape step taken (a tiny norm means the escape
	// fired on the initial plateau near w = 0, where it steps along v_1^{⊗l}).
	EscapeNorms []float64
}

// LiftedGD runs gradient descent w ← w − LR·∇h(w) on the lifted objective, in place in
// symmetric storage (a symmetric start stays symmetric: Lemma 1), with the authors' escape
// steps when opts.Escape is set.
func LiftedGD(p LiftedObjective, w *SymTensor, opts LiftedGDOptions) LiftedRun {
	grad := opts.Gradient
	if grad == nil {
		grad = LiftedGrad
	}
	g := &SymTensor{Shape: w.Shape, Data: make([]float64, len(w.Data))}
	var wk LiftedWork
	var run LiftedRun
	var esc ltEscapeState
	stalled := 0
	armed := false
	for t := 0; ; t++ {
		h := grad(p, g, w, &wk)
		run.GradEvals++
		run.Loss = h
		var visit func() bool
		if opts.Visit != nil {
			visit = func() bool { return opts.Visit(t, w, h) }
		}
		if run.Reason = stopReason(t, h, numeric.VecFinite(w.Data), visit, opts.StopLoss, opts.MaxIter); run.Reason != "" {
			return run
		}
		run.Iterations++
		if e := opts.Escape; e != nil && t+1 > e.MinIter && g.Norm() < e.GradThreshold {
			if armed {
				armed = false
				before := w.Norm()
				evals, ok := esc.step(p, w, g, h, e, &wk, grad)
				run.EscapeLossEvals += evals
				if ok {
					run.Escapes++
					run.EscapeNorms = append(run.EscapeNorms, before)
				}
				continue
			}
			stalled++
			if stalled == e.Buffer {
				armed = true
				stalled = 0
			}
		} else {
			armed = false
		}
		w.Axpy(-opts.LR, g)
	}
}

// ltEscapeState is the scratch of escape steps.
type ltEscapeState struct {
	unl   *Sensing
	trial *SymTensor
	gs    *SymTensor
}

// step performs one escape step from w (gradient g, value h); it reports the objective
// evaluations used and whether a step was taken.
func (st *ltEscapeState) step(p LiftedObjective, w, g *SymTensor, h float64, e *LiftedEscape, wk *LiftedWork, grad LiftedGradient) (int, bool) {
	if st.unl == nil {
		st.unl = p.Unlifted()
		st.trial = &SymTensor{Shape: w.Shape, Data: make([]float64, len(w.Data))}
		st.gs = &SymTensor{Shape: w.Shape, Data: make([]float64, len(w.Data))}
	}
	n, r, l := p.N(), p.Rank(), p.Order()
	u, _, ok := EscapeDirection(st.unl, ExtractVector(BestRank1(w, e.Rank1), l), n, r)
	if !ok {
		return 0, false
	}
	d := &SymTensor{Shape: w.Shape, Data: make([]float64, len(w.Data))}
	d.SetOuterPower(1, u)
	slope := g.Inner(d)
	eta := e.Eta0
	halvings := e.MaxHalvings
	if halvings <= 0 {
		halvings = 60
	}
	evals := 0
	for range halvings {
		st.trial.CopyFrom(w)
		st.trial.Axpy(eta, d)
		ht := grad(p, st.gs, st.trial, wk)
		evals++
		if ht <= h+e.Beta*eta*slope {
			w.CopyFrom(st.trial)
			return evals, true
		}
		eta *= e.Gamma
	}
	return evals, false
}

// EscapeDirection returns CustomGD's escape direction at the dropped point X = unvec(x, n, r)
// (paper Thm 2, App. E Alg. 1): u ∈ R^{nr} holding the unit eigenvector of λ_min of the
// symmetrised ∇f(XXᵀ) = A*(A(XXᵀ) − b) of the unlifted loss in its first block (the authors'
// eigenvector of kron(I_r, ∇f)), its largest-magnitude entry made positive, and λ_min. The
// step direction is u^{⊗l}. ok is false when the eigen-decomposition fails.
func EscapeDirection(unl *Sensing, x []float64, n, r int) (u []float64, lambdaMin float64, ok bool) {
	X := Unvec(x, n, r)
	var M, G mat.Dense
	M.Mul(X, X.T())
	G.ReuseAs(n, n)
	unl.Grad(&G, &M)
	vals, vecs, ok := numeric.EigSym(numeric.SymPart(&G))
	if !ok {
		return nil, math.NaN(), false
	}
	u = make([]float64, n*r)
	for i := range n {
		u[i] = vecs.At(i, 0)
	}
	numeric.FixSign(u)
	return u, vals[0], true
}

// UnliftedOptions configures UnliftedGD.
type UnliftedOptions struct {
	LR       float64
	MaxIter  int
	StopLoss float64
	Visit    func(t int, X *mat.Dense, loss float64) bool
}

// UnliftedRun is what UnliftedGD reports.
type UnliftedRun struct {
	Iterations int
	Loss       float64
	Reason     string
	GradEvals  int
}

// UnliftedGD runs Burer–Monteiro gradient descent X ← X − LR·∇_X ℓ(XXᵀ) in place, with
// ∇_X ℓ(XXᵀ) = (G + Gᵀ)X for G = ∇ℓ(XXᵀ) (any EndToEndLoss of the n×n product: Sensing,
// Completion). For ℓ = ½‖A(M) − b‖² this is the paper's unlifted baseline (2).
func UnliftedGD(loss EndToEndLoss, X *mat.Dense, opts UnliftedOptions) UnliftedRun {
	n, r := X.Dims()
	M := mat.NewDense(n, n, nil)
	G := mat.NewDense(n, n, nil)
	S := mat.NewDense(n, n, nil)
	D := mat.NewDense(n, r, nil)
	var run UnliftedRun
	for t := 0; ; t++ {
		M.Mul(X, X.T())
		f := loss.Grad(G, M)
		run.GradEvals++
		run.Loss = f
		var visit func() bool
		if opts.Visit != nil {
			visit = func() bool { return opts.Visit(t, X, f) }
		}
		if run.Reason = stopReason(t, f, true, visit, opts.StopLoss, opts.MaxIter); run.Reason != "" {
			return run
		}
		S.Add(G, G.T())
		D.Mul(S, X)
		D.Scale(opts.LR, D)
		X.Sub(X, D)
		run.Iterations++
	}
}
