package checks

import "github.com/implicitreg/verify/theorems"

// Status values of a theorem result (DESIGN.md, JSON schema).
const (
	StatusHolds        = "holds"
	StatusViolated     = "violated"
	StatusInconclusive = "inconclusive"
	StatusError        = "error"
	StatusNotEncoded   = "not-encoded"
)

// SchemaVersion is the "schema" field of JSON reports; bump it on any incompatible change.
const SchemaVersion = 1

// Report is one run of the checker: the JSON document of DESIGN.md.
type Report struct {
	Schema   int             `json:"schema"`
	Seed     uint64          `json:"seed"`
	Profile  string          `json:"profile"`
	Results  []Result        `json:"results"`
	Controls []ControlResult `json:"controls"`
	// Interrupted is set when the run was stopped (Ctrl-C) before every theorem finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// Campaign is set in the report of one shard of a run (--shard K/N; see shard.go).
	Campaign *Campaign `json:"campaign,omitempty"`
}

// Result is the verdict on one theorem.
type Result struct {
	Theorem string `json:"theorem"`
	Family  string `json:"family"`
	Kind    string `json:"kind"`
	Source  string `json:"source"`
	Status  string `json:"status"`
	// Checks counts instances judged (explicit examples included); discards are not judged.
	Checks     int `json:"checks"`
	Discarded  int `json:"discarded"`
	Noise      int `json:"noise"`
	Violations int `json:"violations"`
	// WorstMargin is the largest margin (lhs − rhs)/scale of the conclusion over all checks.
	WorstMargin *Num `json:"worst_margin"`
	// WorstInstance describes the instance that attained WorstMargin.
	WorstInstance string `json:"worst_instance,omitempty"`
	// Tightness is max over checks of 1 − |claim margin|, in [0, 1]: near 1, the bound is
	// approached by some instance; near 0, the generators never come close.
	Tightness   *Num   `json:"tightness"`
	FailingStep string `json:"failing_step"`
	// Counterexample is the minimal (shrunk) failing instance, or null.
	Counterexample *Counterexample `json:"counterexample"`
	Replay         string          `json:"replay"`
	Message        string          `json:"message,omitempty"`
	DiscardReasons map[string]int  `json:"discard_reasons,omitempty"`
	Metrics        map[string]Num  `json:"metrics"`
	// Tables are the experiment's detail tables (omitted when there are none).
	Tables    []theorems.Table `json:"tables,omitempty"`
	ElapsedMS int64            `json:"elapsed_ms"`
	// Shard is what `verify merge` needs from a shard's row (only with --shard).
	Shard *ShardRow `json:"shard,omitempty"`
}

// ControlResult is the verdict on one negative control: it must be caught.
type ControlResult struct {
	Theorem        string          `json:"theorem"`
	Control        string          `json:"control"`
	Breaks         string          `json:"breaks"`
	Caught         bool            `json:"caught"`
	Checks         int             `json:"checks"`
	Violations     int             `json:"violations"`
	FailingStep    string          `json:"failing_step"`
	Counterexample *Counterexample `json:"counterexample"`
	Message        string          `json:"message,omitempty"`
	// Shard is what `verify merge` needs from a shard's row (only with --shard).
	Shard *ShardRow `json:"shard,omitempty"`
}

// Counterexample is a failing instance: its labelled draws (as rapid logged them), the
// theorem's description of it and the first failing inequality with both sides.
type Counterexample struct {
	Draws    []Draw `json:"draws,omitempty"`
	Instance string `json:"instance"`
	Step     string `json:"step"`
	Index    int    `json:"index"`
	LHS      Num    `json:"lhs"`
	RHS      Num    `json:"rhs"`
	Margin   Num    `json:"margin"`
	Band     Num    `json:"band"`
}

// Draw is one labelled value rapid drew for the instance.
type Draw struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// OK reports whether a run passes: every encoded theorem holds and, when controls ran,
// every control was caught.
func (r *Report) OK() bool {
	for _, res := range r.Results {
		if res.Status != StatusHolds && res.Status != StatusNotEncoded {
			return false
		}
	}
	for _, c := range r.Controls {
		if !c.Caught {
			return false
		}
	}
	return !r.Interrupted
}
