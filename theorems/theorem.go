package theorems

import (
	"strings"

	"pgregory.net/rapid"
)

// Kind decides how a theorem is checked (THEOREMS.md, "Kinds").
type Kind string

const (
	// Exact: must hold on every instance meeting the hypotheses, up to the tolerance.
	Exact Kind = "exact"
	// Flow: a gradient-flow statement, checked on exact or error-controlled trajectories.
	Flow Kind = "flow"
	// Statistical: an expectation or probability, checked exactly by enumeration or closed
	// form where possible, otherwise by Monte Carlo with a confidence interval.
	Statistical Kind = "statistical"
	// Empirical: a claim the paper supports by experiments.
	Empirical Kind = "empirical"
)

// Source says whether the statement is the paper's own or worked out here.
type Source string

const (
	// Quoted: the statement is the paper's.
	Quoted Source = "quoted"
	// Derived: worked out from first principles because the paper's text was unavailable.
	Derived Source = "derived"
)

// Property draws one instance from rapid, runs the algorithm and returns the evidence.
// Numerical failures that are not hypothesis failures may panic; the engine recovers them
// into an error result with a replay command.
type Property func(t *rapid.T) Evidence

// ExperimentConfig is what a seeded experiment is given. Statistical and empirical claims
// that are not judged instance by instance under rapid run as seeded trials instead, and
// report estimates, confidence bounds and paper reference numbers in Evidence.Metrics.
type ExperimentConfig struct {
	// Profile is quick, ci or paper: experiments choose their sizes and trial counts by it.
	Profile string
	// Seed determines every random draw of the experiment.
	Seed uint64
}

// Experiment runs seeded trials and returns the evidence: inequalities over estimates and
// confidence bounds (e.g. a Wilson lower bound ≥ a threshold), and metrics.
type Experiment func(cfg ExperimentConfig) Evidence

// Example is an explicit instance (known extremal or paper instance) run before random ones.
type Example struct {
	Name        string
	Description string
	Run         func() Evidence
}

// Breakage says which part of a theorem a negative control breaks.
type Breakage string

const (
	BreaksHypothesis Breakage = "hypothesis" // an assumption is violated
	BreaksAlgorithm  Breakage = "algorithm"  // the method is mutated
	BreaksConstant   Breakage = "constant"   // the claim is weakened the wrong way
)

// Control is a broken variant of a theorem that the checker must catch: if its property
// never produces a violation, the check cannot fail and is a defect.
type Control struct {
	Name        string
	Breaks      Breakage
	Description string
	// Examples are explicit instances tried first (e.g. the catalogue's counterexample).
	Examples   []Example
	Property   Property
	Experiment Experiment
}

// Theorem is one entry of the catalogue: its identity, its statement and how to check it.
type Theorem struct {
	// ID is "family/name", e.g. "basic-inequality/gd"; one grep finds it.
	ID     string
	Title  string
	Kind   Kind
	Source Source
	// Paper is the citation the statement comes from (or is derived for).
	Paper string
	// Statement and Hypotheses are shown by `verify explain`.
	Statement  string
	Hypotheses []string
	// ProofSteps names, in order, the steps the evidence lists (with "claim" last).
	ProofSteps []string
	Tolerance  Tolerance
	// NotEncoded, when non-empty, says why the theorem is listed but not checked yet.
	NotEncoded string

	// Property is checked under rapid; Experiment runs as seeded trials. Either or both.
	Property   Property
	Experiment Experiment
	Examples   []Example
	Controls   []Control
}

// Family is the part of the ID before the slash.
func (th *Theorem) Family() string {
	fam, _, _ := strings.Cut(th.ID, "/")
	return fam
}

// Encoded reports whether the theorem can be checked.
func (th *Theorem) Encoded() bool {
	return th.NotEncoded == "" && (th.Property != nil || th.Experiment != nil)
}
