// Package numeric holds the numerical helpers shared by the generators, algorithms and
// theorems of verify: allocation-free vector kernels, numerically stable scalar functions,
// robust symmetric eigenvalues and singular values, and the certification model that turns a
// computed eigenvalue into a bound the theorems may rely on.
//
// # Vectors
//
// [Dot], [Norm2], [Norm2Sq], [Dist2Sq], [NormInf], [Norm1], [Axpy], [AxpyTo], [SubTo],
// [ScaleTo], [AllFinite] and [VecFinite] work on plain []float64 and never allocate: they sit
// in the hot loops of gradient methods. Length mismatches are programmer errors and panic.
// [Norm2] is overflow- and underflow-safe; [Norm2Sq] and [Dist2Sq] are the plain sums of
// squares that the theorems' inequalities are written in.
//
// # Stable scalar functions
//
// [Log1pExp] (softplus), [Sigmoid] and [LogSumExp] never overflow for finite input.
//
// # Spectra
//
// [EigSym], [MaxEigSym], [MinEigSym], [SpectralNorm] and [GramMaxEig] wrap gonum with the
// care gonum leaves to the caller:
//
//   - the matrix is rescaled by a power of two (exact) so that its largest entry lies in
//     [½, 1) before factorising, which avoids gonum's values-only EigenSym panic on matrices
//     whose largest entry is below about 1e-122, and overflow for huge entries;
//   - that panic has a second trigger that rescaling cannot remove: any unreduced block of
//     the tridiagonal form with norm below about 3e-123 relative (entries spanning ~120
//     orders of magnitude, e.g. a Householder vector with a 1e-46 entry). A values-only
//     factorisation that panics or fails is therefore retried with eigenvectors (Dsteqr);
//   - on the same kind of matrix Dsteqr can return wildly wrong eigenvalues with ok = true,
//     so every result is validated (each |λ| ≤ ‖A‖_F, Σλ = tr A and Σλ² = ‖A‖_F² up to the
//     model's slack; eigenvector residual and orthogonality) and, if it fails, recomputed
//     by cyclic Jacobi, which is then validated in turn;
//   - the zero matrix, 1×1 and diagonal matrices are answered exactly, without factorising;
//   - every ok result is checked, and a panic inside gonum is recovered into ok = false;
//   - non-finite input gives ok = false.
//
// mat.Norm(A, 2) in gonum is the Frobenius norm, not the spectral norm. Smoothness
// constants must be spectral: use [SpectralNorm] or [GramMaxEig], never mat.Norm.
//
// # Certification
//
// A computed eigenvalue is exact for a nearby matrix only. [CertifyUpper] and
// [CertifyLower] inflate a computed value by the backward-error bound of a symmetric
// eigensolver, (8n+4)·ε·‖A‖₂ with ε = 2⁻⁵² (see [CertifyUpper] for the model).
// [CertifiedMaxEigSym], [CertifiedMinEigSym] and [CertifiedGramMaxEig] apply the model
// end to end, including the rounding error of forming XᵀX. [MulUp] and [DivUp] round a
// product or quotient upward exactly, so that dividing a certified bound by n stays a bound.
package numeric
