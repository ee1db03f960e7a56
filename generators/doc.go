// Package generators draws optimisation problem instances from rapid (*rapid.T), together
// with the constants their theorems' hypotheses need, computed and certified. A generator
// never returns an instance whose constants it cannot vouch for: it returns a *Degenerate
// error instead, which callers count as a discard (IsDegenerate).
//
// # Instances
//
// Every instance satisfies Instance, and so, structurally, the Objective interface of
// package algorithms (Dim, Value, Grad). Grad writes into a caller's buffer and allocates
// nothing (scratch buffers are allocated at construction, so an instance is for one
// goroutine at a time); products use gonum's blas64, so the gradient of an n×d GLM costs two
// matrix–vector products.
//
//	LeastSquares  ‖y − Xθ‖²/(2n)                    L = λ_max(XᵀX)/n
//	Logistic      (1/n)Σ log(1 + exp(−y_i x_iᵀθ))   L = λ_max(XᵀX)/(4n)
//	Huber         (1/n)Σ huber_δ(y_i − x_iᵀθ)        L = λ_max(XᵀX)/n
//	Quadratic     ½θᵀQΛQᵀθ − bᵀθ + c                L = λ_max(Λ)·‖Q‖₂² (exact if Q is a signed permutation)
//	LogSumExp     log Σ exp(a_iᵀθ + b_i)             L = λ_max(A_cᵀA_c)/2 ≤ λ_max(AᵀA)/2 (Böhning)
//	Poisson       (1/n)Σ (exp(x_iᵀθ) − y_i x_iᵀθ)    local L on a stated ball only
//	DoubleWell    Σ (x_i² − 1)²/4, NON-convex        L on a stated box only (negative controls)
//
// Smoothness() is always a spectral (never Frobenius) bound, certified: the computed
// eigenvalue is inflated by the eigensolver's and the Gram product's rounding error (see
// package internal/numeric) and every later division is rounded up, so L ≥ the true constant
// of the function that Value and Grad evaluate. GLM instances also give components f_i
// (f = (1/n)Σ f_i) with their own certified constants, LInfSmoothness for exponentiated
// gradient, exact or certified ridge solutions (Ridge, RidgeGapBound) and minimisers.
//
// # Draws
//
// rapid's float generators favour tiny magnitudes (1e-62 and below), so draws control scale
// explicitly: entries are drawn in [−1, 1] and multiplied by a separately drawn power of ten
// ("log10_…_scale", usually 10^k with k ∈ [−3, 3]). Dimensions start at 1, horizons at 1, and
// entries shrink toward 0, so counterexamples shrink to small, simple instances. Every draw
// has a label, since counterexamples print the labelled draws; a vector or matrix is a single
// draw (printed as its unscaled entries, row-major for matrices).
//
//	DrawLeastSquares, DrawLogistic, DrawHuber, DrawLogSumExp, DrawPoisson, DrawQuadratic,
//	DrawDoubleWell, DrawConvex                         instances
//	DrawVector, DrawHorizon                            points and horizons
//	DrawSchedule, DrawStepsInRange                     step schedules (η_t·L ≤ 1 exactly)
//	DrawReference                                      reference points z
//	DrawLinearModel, DrawLogisticModel, DrawGibbsProblem  statistical models
//
// # Scale-invariant problems (balancedness family)
//
// FactorLoss instances are outer losses f(W) of W = XYᵀ (NOP; X ∈ R^{d1×r}, Y ∈ R^{d2×r}, r = 1
// the vector case) and ScalarTarget instances outer losses f(w) of w = xᵀy (OP), each a
// finite sum whose minibatch is chosen per step, with certified smoothness of the outer loss
// in its argument:
//
//	FactorSquared   (c/2)‖W − UVᵀ − αN_k‖_F²        L = c
//	FactorSoftplus  softplus(⟨A_k, W⟩ − b_k)         L = λ_max(MMᵀ)/(4K), rows of M = vec(A_k)
//	ScalarTarget    c·ℓ(w − a_k), ℓ squared, log-cosh or logistic   L = c, c, c/4
//
//	DrawFactorLoss, DrawScalarTarget                    losses (noise level α)
//	DrawFactorStart, DrawInnerStart                     starts: random, balanced, unbalanced, Y = 0, y = −3x, the paper's x_0
//	DrawMinibatches, DrawRegime, DrawScaleInvStep, DrawSAMRadius   minibatches, step sizes and ρ
//	PaperStart, PaperNOP, PaperOP                       the paper's toy problems (App. A.4)
//
// Drawn instances additionally have L in [1e-100, 1e100], so that steps ~1/L and the
// theorems' products stay far from overflow and underflow.
//
// # Conventions
//
// Value and Grad panic on a wrong-length argument (a programmer error). Ridge(center, τ)
// always means argmin_θ f(θ) + ‖θ − center‖²/(2τ). ThetaScale(inst) gives the magnitude of
// θ at which an instance's terms are of order one, for drawing θ_0. Every instance's
// ValueScale(x) (not part of Instance: type-assert for it) is the magnitude of the terms
// Value(x) sums, against which its rounding error is O((n+d)·ε) even where f(x) cancels to ≈ 0.
package generators
