// Package algorithms implements the first-order methods whose behaviour the theorems of
// package theorems describe: gradient descent with any step schedule, mirror descent with
// Bregman projection, exponentiated gradient (and EG±), SGD on finite sums, gradient flow and
// exponentiated gradient over distributions (the Gibbs posterior); and, for scale-invariant
// problems f(XYᵀ) (NOP) and f(xᵀy) (OP), SGD, normalised SGD, SAM (perturbation normalised
// jointly over (x, y), same minibatch for both gradients), m-sharpness SAM, and nBAR/oBAR
// with constant, linear and cosine α schedules. Every method counts its gradient
// evaluations exactly, and each hot loop has an allocation-free step with caller scratch.
//
// Methods know nothing of theorems. They take an Objective (or a finite sum of them) and
// return a Trajectory, so a user's own implementation with the same signature can stand in
// for ours in any theorem.
package algorithms
