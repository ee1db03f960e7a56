// Package pep proves claims about first-order methods for the whole class of convex
// L-smooth functions, in every dimension, by checking certificates in exact rational
// arithmetic (math/big.Rat). It is the performance-estimation view of Drori & Teboulle (2014)
// and Taylor, Hendrickx & Glineur (2017): a claim "LHS − RHS ≤ 0" holds for the class when
// some positive multiple of it equals a nonnegative combination of valid inequalities plus a
// negative semidefinite quadratic form. PEPit and PESTO solve such problems numerically and
// never check the result exactly; Check does.
//
// # Symbolic layer
//
// A [Space] names the basis vectors (e.g. θ_0 − z, g_0, …, g_T) and the function values
// (f(θ_0), …, f(z)). A [Vec] is a rational combination of basis vectors; a [Form] is linear
// in the values and quadratic in the vectors (a symmetric rational matrix over the basis), so
// it depends on the vectors only through their Gram matrix and a form ≤ 0 proved for every
// Gram matrix holds in every dimension. [NewGD] writes T steps of gradient descent in this
// language: every iterate is expressed in the basis from the step sizes.
//
// # Valid inequalities
//
// [Convexity], [Descent] (the descent lemma) and [Interpolation] (the smooth-convex
// interpolation inequality f(x) ≥ f(y) + ⟨g_y, x − y⟩ + ‖g_x − g_y‖²/(2L)) build the
// inequalities of the class between two [Point]s. Only these constructors make an
// [Inequality] that [Check] accepts, and each records the L it was stated with.
//
// # Certificate checker
//
// [Check] verifies a [Certificate] for a [Claim]: the scale is positive, every multiplier is
// nonnegative and every term a valid inequality for the claim's L, the function values of
// scale·claim − Σ λ_k·inequality_k cancel exactly, its quadratic part equals the stated
// residual, and the residual is negative semidefinite by an exact LDLᵀ ([FactorPSD]). It
// returns a [Proof] that prints itself as a weighted sum of inequalities, or a [CheckError]
// naming the part that breaks (for a residual that is not negative semidefinite, with a
// rational direction along which it is positive).
//
// # Automatic certificates
//
// [AutoCertificate] finds multipliers for claims whose proof is not encoded: a small
// interior-point SDP solver (log barrier, Newton steps on the equality-constrained problem,
// gonum for the dense linear algebra) maximises the margin t in R(λ) ⪯ −t·I; the solution is
// rounded to rationals of growing denominators, the value equations are repaired exactly, and
// every candidate certificate goes through Check. Nothing the solver computes is trusted.
//
// # Where the certificates live
//
// The claims and their encoded certificates (THEOREMS.md §1's basic inequality, its
// large-step variant, the classical rate, Drori–Teboulle) are in package theorems
// (prove*.go), with the one-dimensional instance families used for counterexamples and
// tightness; the orchestration (certificate, automatic search, counterexample and targeted
// search) is checks.Prove (checks/prove*.go); the CLI is `verify prove` (cmd/verify/prove.go).
package pep
