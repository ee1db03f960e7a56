package theorems

import (
	"fmt"
	"regexp"
	"runtime"
	"sync"
)

// Figures are the data of the plots `verify report` draws: each family computes its own by
// running the algorithms directly (figures_<family>.go), and package reports renders them. A
// figure is plain numbers, so that the theorems stay free of any plotting library and a test
// can assert on the data itself.
//
// Hook for a family that lands later (lifted-tensor: "lifted vs unlifted success"): add
// theorems/figures_<family>.go with
//
//	func init() { RegisterFigures("lifted-tensor/beats-unlifted", liftedFigures) }
//
// where liftedFigures(cfg) runs the family's algorithms at the sizes of cfg.Profile and returns
// its []Figure; `verify report` picks it up with no other change.

// Figure is one plot: lines of (x, y) points on linear or logarithmic axes.
type Figure struct {
	// Name is the file name without extension (lower-case letters, digits and '-'), unique
	// across the catalogue: reports write figures/<Name>.svg and figures/<Name>.png.
	Name string
	// Title, XLabel and YLabel are drawn on the plot.
	Title, XLabel, YLabel string
	// LogX and LogY select logarithmic axes; points ≤ 0 on a log axis cannot be drawn and are
	// dropped (and counted) by the renderer.
	LogX, LogY bool
	Lines      []Line
	// Caption says what the figure shows, how its data was computed, at which sizes, and
	// where any reference curve comes from (quoted or derived). Reports print it under the
	// figure.
	Caption string
	// Theorem is the ID or family the figure illustrates (set by Figures from the
	// registration key).
	Theorem string
}

// Line is one data series of a figure.
type Line struct {
	Label string
	X, Y  []float64
	// Points draws markers only (a scatter) instead of a polyline.
	Points bool
	// Reference marks a curve that is not a measurement — a bound, a baseline, a paper's
	// number — drawn dashed.
	Reference bool
}

// FigureFunc computes a family's figures at the sizes of cfg.Profile ("" runs as ci), seeded
// by cfg.Seed: the same configuration gives the same numbers.
type FigureFunc func(cfg ExperimentConfig) []Figure

type figureEntry struct {
	key string
	fn  FigureFunc
}

var (
	figureMu       sync.Mutex
	figureRegistry []figureEntry
	figureNameRE   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
)

// RegisterFigures installs the figure producer of a theorem ID or a family name. It panics on
// a key that is neither (a programmer error, as Register).
func RegisterFigures(key string, fn FigureFunc) {
	if fn == nil {
		panic("theorems: RegisterFigures(" + key + ", nil)")
	}
	if _, ok := Lookup(key); !ok && !figureIsFamily(key) {
		panic("theorems: RegisterFigures: " + key + " is neither a theorem ID nor a family of the catalogue")
	}
	figureMu.Lock()
	defer figureMu.Unlock()
	figureRegistry = append(figureRegistry, figureEntry{key, fn})
}

func figureIsFamily(name string) bool {
	for _, f := range Families() {
		if f == name {
			return true
		}
	}
	return false
}

// Figures computes the figures of every producer registered for one of the given theorem IDs
// or families, or for the family of one of the given IDs (so a report on
// basic-inequality/envelope, or on the whole basic-inequality family, draws Figure 1). No names
// means every registered producer. Producers run concurrently; the result is in catalogue
// order of their keys, then in each producer's order, and is the same for the same cfg.
//
// It panics when a producer returns a figure whose Name is malformed or already taken: the
// names become file names.
func Figures(names []string, cfg ExperimentConfig) []Figure {
	figureMu.Lock()
	entries := append([]figureEntry(nil), figureRegistry...)
	figureMu.Unlock()
	return figuresOf(entries, names, cfg)
}

// figuresOf is Figures over the given registrations.
func figuresOf(entries []figureEntry, names []string, cfg ExperimentConfig) []Figure {
	named := map[string]bool{}    // the names as given (IDs and families)
	idFamily := map[string]bool{} // the families of the named IDs
	for _, n := range names {
		named[n] = true
		if th, ok := Lookup(n); ok {
			idFamily[th.Family()] = true
		}
	}
	wanted := func(key string) bool {
		if len(names) == 0 || named[key] || idFamily[key] {
			return true
		}
		th, ok := Lookup(key)
		return ok && named[th.Family()]
	}
	// Catalogue order of the keys: IDs by position, a family at its first theorem.
	pos := map[string]int{}
	for i, th := range All() {
		pos[th.ID] = 2*i + 1
		if _, seen := pos[th.Family()]; !seen {
			pos[th.Family()] = 2 * i
		}
	}
	var chosen []figureEntry
	for _, e := range entries {
		if wanted(e.key) {
			chosen = append(chosen, e)
		}
	}
	// Stable insertion sort: registration order breaks ties.
	for i := 1; i < len(chosen); i++ {
		for j := i; j > 0 && pos[chosen[j].key] < pos[chosen[j-1].key]; j-- {
			chosen[j], chosen[j-1] = chosen[j-1], chosen[j]
		}
	}

	out := make([][]Figure, len(chosen))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	panics := make([]any, len(chosen))
	for i, e := range chosen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			defer func() { panics[i] = recover() }()
			out[i] = e.fn(cfg)
		}()
	}
	wg.Wait()
	for i, p := range panics {
		if p != nil {
			panic(fmt.Sprintf("theorems: figures of %s: %v", chosen[i].key, p))
		}
	}

	var figs []Figure
	seen := map[string]string{}
	for i, fs := range out {
		for _, f := range fs {
			if !figureNameRE.MatchString(f.Name) {
				panic(fmt.Sprintf("theorems: figure name %q of %s is not lower-case letters, digits and '-'", f.Name, chosen[i].key))
			}
			if other, dup := seen[f.Name]; dup {
				panic(fmt.Sprintf("theorems: figure name %q of %s already used by %s", f.Name, chosen[i].key, other))
			}
			seen[f.Name] = chosen[i].key
			f.Theorem = chosen[i].key
			figs = append(figs, f)
		}
	}
	return figs
}
