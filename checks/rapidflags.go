package checks

import (
	"flag"
	"strconv"
	"sync"
	"testing"
)

// rapid v1.3.0 reads its settings (checks, seed, fail files, shrink time) from package-level
// flags only. The engine sets them around a run, under one lock, and restores them after, so
// a CLI run is reproducible from --seed and a run inside `go test` neither writes fail files
// for controls (which are meant to fail) nor disturbs the user's -rapid.* flags for the
// properties that run through rapid.MakeCheck (which hold the read lock while rapid reads the
// flags, so that a parallel test running the engine cannot change them mid-run).
var rapidFlagsMu sync.RWMutex

// rapidReady makes rapid usable outside `go test`: rapid calls testing.Short, which panics
// unless the testing flags are registered and the command line parsed.
var rapidReady sync.Once

func prepareRapid() {
	rapidReady.Do(func() {
		if flag.Lookup("test.short") == nil {
			testing.Init()
		}
		if !flag.Parsed() {
			_ = flag.CommandLine.Parse(nil)
		}
	})
}

// withRapidFlags runs f with rapid configured for cfg: the number of checks and the seed
// when they are set (the CLI always sets them; tests may leave them to -rapid.checks and
// -rapid.seed), and no fail files.
func withRapidFlags(cfg Config, f func()) {
	prepareRapid()
	rapidFlagsMu.Lock()
	defer rapidFlagsMu.Unlock()
	set := map[string]string{"rapid.nofailfile": "true"}
	if cfg.Checks > 0 {
		// An explicit count is exact: rapid divides its count by 5 under -short, so ask it
		// for 5 times as many there (the CLI and ControlTest run in-process in go test -short).
		n := cfg.Checks
		if testing.Short() {
			n *= 5
		}
		set["rapid.checks"] = strconv.Itoa(n)
	}
	if cfg.Seed != 0 {
		set["rapid.seed"] = strconv.FormatUint(cfg.Seed, 10)
	}
	old := map[string]string{}
	for name, v := range set {
		fl := flag.Lookup(name)
		if fl == nil {
			continue
		}
		old[name] = fl.Value.String()
		_ = fl.Value.Set(v)
	}
	defer func() {
		for name, v := range old {
			_ = flag.Lookup(name).Value.Set(v)
		}
	}()
	f()
}
