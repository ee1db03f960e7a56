// Package theorems is the catalogue of THEOREMS.md: per theorem its ID, source (quoted or
// derived), kind, statement, hypotheses, proof steps, tolerance, and a property that draws an
// instance, runs the algorithm and returns Evidence — every proof step and the conclusion as
// an Inequality (left side, right side, scale). Explicit examples and negative controls live
// with the theorem.
//
// Every ID of THEOREMS.md is listed from the start (catalogue.go); a theorem's own file
// (one per theorem, e.g. basic_gd.go) replaces its placeholder with Register in an init
// function. Adding a theorem means adding one file here plus the generators and algorithms it
// needs.
//
// Theorems that run an algorithm are built by constructors that take the algorithm as a
// value (BasicInequalityGD(gd), …), so a user's own optimiser can be checked against the same
// theorem and controls with checks.TheoremTest.
package theorems
