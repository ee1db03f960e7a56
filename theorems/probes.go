package theorems

import (
	"fmt"
	"strings"
)

// Probe is one hypothesis parameter of a theorem made into a dial: Property(v) (or
// Experiment(v)) is the theorem's check with the parameter set to v, so sweeping v shows
// where the claim stops holding (`verify probe ID --vary NAME=FROM:TO`). Values outside the
// hypothesis are the point of a probe: violations there say how far the hypothesis can be
// pushed, not that the theorem is wrong.
type Probe struct {
	// Theorem is the ID of the theorem probed; Name is the parameter (--vary NAME=...).
	Theorem, Name string
	// Description says what the parameter is, what is judged and how instances are drawn.
	Description string
	// Hypothesis is the theorem's condition on the parameter in words, e.g. "step ≤ 1".
	Hypothesis string
	// Default is the value the theorem's own check uses or reaches (e.g. 1 for step = η·L).
	Default float64
	// Holds reports whether v meets the theorem's hypothesis: a violation there is a
	// counterexample to the theorem. Nil when the probe does not declare it.
	Holds func(v float64) bool
	// Admits returns an error when v is not a value of the parameter at all (e.g. a step
	// ≤ 0); nil accepts every v.
	Admits func(v float64) error
	// Property builds the rapid property at v; Experiment the seeded experiment (one of them).
	Property   func(v float64) Property
	Experiment func(v float64) Experiment
}

// probes holds every registered probe in registration order.
var probes []Probe

// RegisterProbe adds a probe. It panics on a theorem ID that the catalogue does not list, a
// name that the --vary syntax cannot carry, a second probe of the same name, or a probe with
// neither or both of Property and Experiment: all programmer errors.
func RegisterProbe(p Probe) {
	if _, ok := Lookup(p.Theorem); !ok {
		panic("theorems: probe of " + p.Theorem + ", which is not in the catalogue")
	}
	if p.Name == "" || strings.ContainsAny(p.Name, "=: \t") {
		panic(fmt.Sprintf("theorems: probe name %q of %s must be non-empty without '=', ':' or spaces", p.Name, p.Theorem))
	}
	if (p.Property == nil) == (p.Experiment == nil) {
		panic("theorems: probe " + p.Theorem + " " + p.Name + " needs exactly one of Property and Experiment")
	}
	for _, q := range probes {
		if q.Theorem == p.Theorem && q.Name == p.Name {
			panic("theorems: probe " + p.Theorem + " " + p.Name + " registered twice")
		}
	}
	probes = append(probes, p)
}

// Probes returns the probes of the theorem with the given ID.
func Probes(id string) []Probe {
	var out []Probe
	for _, p := range probes {
		if p.Theorem == id {
			out = append(out, p)
		}
	}
	return out
}

// AllProbes returns every registered probe.
func AllProbes() []Probe {
	return append([]Probe(nil), probes...)
}
