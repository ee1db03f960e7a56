package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/reports"
)

// shardConfig turns `verify run --shard K/N` into the engine's shard. Without the flag the
// run is the whole run, instance-indexed like a shard ({1, 1}), so the merged shards and the
// whole run count the same instances.
func shardConfig(flagValue string, seedSet, replay bool) (*checks.Shard, error) {
	if flagValue == "" {
		return &checks.Shard{K: 1, N: 1}, nil
	}
	if replay {
		return nil, usagef("replay reproduces the whole run: drop --shard")
	}
	if !seedSet {
		return nil, usagef("--shard needs --seed S: every shard of a run must use the same seed")
	}
	sh, err := checks.ParseShard(flagValue)
	if err != nil {
		return nil, usagef("--shard: %v", err)
	}
	return &sh, nil
}

func cmdMerge(args []string, stdout, _ io.Writer) (int, error) {
	fs := newFlagSet("merge", stdout)
	format := fs.String("format", "table", "output format: table, markdown, csv or json")
	out := fs.String("out", "", "write the merged report to FILE (atomically) instead of standard output")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if !slices.Contains(reports.Formats, *format) {
		return exitUsage, usagef("unknown --format %q (want table, markdown, csv or json)", *format)
	}
	if len(files) == 0 {
		return exitUsage, usagef("merge takes the JSON reports of every shard of one run (verify run --shard K/N --format json --out FILE)")
	}
	reps := make([]*checks.Report, len(files))
	for i, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return exitUsage, usagef("cannot read %s: %v", name, err)
		}
		var rep checks.Report
		if err := json.Unmarshal(b, &rep); err != nil {
			return exitUsage, usagef("%s is not a JSON report of verify run: %v", name, err)
		}
		reps[i] = &rep
	}
	merged, err := checks.Merge(reps, files)
	if err != nil {
		var me *checks.MergeError
		if errors.As(err, &me) {
			return exitUsage, usagef("cannot merge: %v", err)
		}
		return exitUsage, fmt.Errorf("cannot merge: %w", err)
	}
	if err := emit(merged, *format, *out, stdout); err != nil {
		return exitUsage, err
	}
	if !merged.OK() {
		return exitViolated, nil
	}
	return exitOK, nil
}
