// Package algorithms implements the first-order methods whose behaviour the theorems of
// package theorems describe: gradient descent with any step schedule, mirror descent with
// Bregman projection, exponentiated gradient (and EG±), SGD on finite sums, gradient flow and
// exponentiated gradient over distributions (the Gibbs posterior).
//
// Methods know nothing of theorems. They take an Objective (or a finite sum of them) and
// return a Trajectory, so a user's own implementation with the same signature can stand in
// for ours in any theorem.
package algorithms
