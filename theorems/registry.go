package theorems

import (
	"fmt"
	"sort"
	"strings"
)

// registry holds the whole catalogue in THEOREMS.md order: every ID is listed from the start
// (as not encoded) and Register replaces the placeholder by the encoded theorem, so users
// always see the whole map.
var registry = newCatalogue()

// Register installs an encoded theorem in place of its catalogue placeholder. It panics on an
// ID that THEOREMS.md does not list or on a second registration: both are programmer errors.
func Register(th *Theorem) {
	for i, old := range registry {
		if old.ID != th.ID {
			continue
		}
		if old.Encoded() {
			panic("theorems: " + th.ID + " registered twice")
		}
		registry[i] = th
		return
	}
	panic("theorems: " + th.ID + " is not in the catalogue (THEOREMS.md)")
}

// All returns every theorem of the catalogue in order, encoded or not.
func All() []*Theorem {
	out := make([]*Theorem, len(registry))
	copy(out, registry)
	return out
}

// Lookup finds a theorem by exact ID.
func Lookup(id string) (*Theorem, bool) {
	for _, th := range registry {
		if th.ID == id {
			return th, true
		}
	}
	return nil, false
}

// Families lists the family names in catalogue order.
func Families() []string {
	var out []string
	seen := map[string]bool{}
	for _, th := range registry {
		if f := th.Family(); !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// UnknownError reports a name that is neither an ID nor a family, with the closest names.
type UnknownError struct {
	Name        string
	Suggestions []string
}

func (e *UnknownError) Error() string {
	msg := fmt.Sprintf("unknown theorem or family %q", e.Name)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	}
	return msg + " (verify list shows them all)"
}

// Resolve turns IDs and family names into theorems, in catalogue order without duplicates.
// No names means every theorem. A name that matches nothing is an *UnknownError.
func Resolve(names []string) ([]*Theorem, error) {
	if len(names) == 0 {
		return All(), nil
	}
	want := map[string]bool{}
	for _, name := range names {
		name = strings.TrimSuffix(strings.TrimSpace(name), "/")
		found := false
		for _, th := range registry {
			if th.ID == name || th.Family() == name {
				want[th.ID] = true
				found = true
			}
		}
		if !found {
			return nil, &UnknownError{Name: name, Suggestions: closest(name, 3)}
		}
	}
	var out []*Theorem
	for _, th := range registry {
		if want[th.ID] {
			out = append(out, th)
		}
	}
	return out, nil
}

// closest returns up to k IDs or families nearest to name by edit distance (ties by name),
// plus any whose ID contains name as a substring.
func closest(name string, k int) []string {
	type cand struct {
		s string
		d int
	}
	var cands []cand
	seen := map[string]bool{}
	add := func(s string) {
		if seen[s] {
			return
		}
		seen[s] = true
		d := editDistance(name, s)
		// Compare against the part after the slash too, so "gd-larg" finds the full ID.
		if _, tail, ok := strings.Cut(s, "/"); ok {
			if dt := editDistance(name, tail); dt < d {
				d = dt
			}
		}
		if strings.Contains(s, name) && name != "" {
			d = 0
		}
		cands = append(cands, cand{s, d})
	}
	for _, th := range registry {
		add(th.Family())
		add(th.ID)
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].d != cands[j].d {
			return cands[i].d < cands[j].d
		}
		return cands[i].s < cands[j].s
	})
	var out []string
	limit := len(name)/2 + 3
	for _, c := range cands {
		if len(out) == k || c.d > limit {
			break
		}
		out = append(out, c.s)
	}
	return out
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
