package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadInputExitsTwoWithAClearMessage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "basic-inequality/gd-larg"}, "did you mean basic-inequality/gd-large-step"},
		{[]string{"run", "--checks", "-1"}, "--checks must be a positive"},
		{[]string{"run", "--format", "xml"}, `unknown --format "xml"`},
		{[]string{"replay", "basic-inequality/gd"}, "replay needs --seed"},
		{[]string{"replay", "basic-inequality", "--seed", "3"}, "one theorem ID"},
		{[]string{"run", "--seed", "0"}, "--seed must be a positive integer"},
		{[]string{"run", "--profile", "huge"}, `unknown --profile "huge"`},
		{[]string{"run", "--checks", "many"}, "invalid value"},
		{[]string{"explain"}, "exactly one theorem ID"},
		{[]string{"explain", "nosuch/thing"}, "unknown theorem"},
		{[]string{"list", "--format", "csv"}, `unknown --format "csv"`},
		{[]string{"frobnicate"}, "unknown command"},
		{nil, "Usage:"},
	}
	for _, c := range cases {
		code, _, stderr := run(t, c.args...)
		if code != 2 {
			t.Errorf("%q: exit %d, want 2", c.args, code)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%q: stderr %q lacks %q", c.args, stderr, c.want)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%q: stack trace on bad input:\n%s", c.args, stderr)
		}
	}
}

func TestListJSONHasEveryCatalogueID(t *testing.T) {
	code, out, _ := run(t, "list", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var doc struct {
		Theorems []struct{ ID, Status string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, th := range doc.Theorems {
		ids[th.ID] = th.Status
	}
	// Every ID that THEOREMS.md gives a heading to (### `id`) must be listed.
	src, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "THEOREMS.md"))
	if err != nil {
		t.Skipf("THEOREMS.md not beside the repository: %v", err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		if !strings.HasPrefix(line, "### `") {
			continue
		}
		id := strings.TrimPrefix(line, "### `")
		id = id[:strings.Index(id, "`")]
		if _, ok := ids[id]; !ok {
			t.Errorf("THEOREMS.md's %s is not listed", id)
		}
	}
}

func TestHelpTeaches(t *testing.T) {
	code, out, _ := run(t, "help")
	if code != 0 || !strings.Contains(out, "verify replay") || !strings.Contains(out, "Exit status") {
		t.Fatalf("exit %d, help:\n%s", code, out)
	}
	code, out, _ = run(t, "run", "--help")
	if code != 0 || !strings.Contains(out, "-controls") {
		t.Fatalf("run --help: exit %d\n%s", code, out)
	}
}

func TestOutIsWrittenAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.json")
	code, _, stderr := run(t, "run", "basic-inequality/gd", "--checks", "5", "--seed", "1", "--format", "json", "--out", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil || !json.Valid(b) {
		t.Fatalf("report not written as valid JSON: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	// An ordinary file, as `verify report` writes them (not the temporary file's 0600).
	if st, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && st.Mode().Perm() != 0o644 {
		t.Errorf("--out file mode: %v, %v; want 0644", st.Mode(), err)
	}
	code, _, stderr = run(t, "run", "basic-inequality/gd", "--checks", "5", "--seed", "1", "--out", filepath.Join(dir, "no", "such", "dir", "r.txt"))
	if code != 2 || !strings.Contains(stderr, "cannot write --out") {
		t.Errorf("unwritable --out: exit %d, %q", code, stderr)
	}
}

func TestSameSeedSameJSON(t *testing.T) {
	strip := func(s string) string {
		var rep map[string]any
		if err := json.Unmarshal([]byte(s), &rep); err != nil {
			t.Fatal(err)
		}
		for _, r := range rep["results"].([]any) {
			delete(r.(map[string]any), "elapsed_ms")
		}
		b, _ := json.Marshal(rep)
		return string(b)
	}
	args := []string{"run", "basic-inequality/gd", "--controls", "--format", "json", "--seed", "5", "--checks", "50"}
	c1, a, _ := run(t, args...)
	c2, b, _ := run(t, args...)
	if c1 != 0 || c2 != 0 {
		t.Fatalf("exit %d, %d", c1, c2)
	}
	if strip(a) != strip(b) {
		t.Fatalf("same seed, different JSON:\n%s\n%s", a, b)
	}
}

func TestReplayReproducesTheRow(t *testing.T) {
	_, runOut, _ := run(t, "run", "basic-inequality/gd", "--seed", "11", "--checks", "30", "--format", "json")
	code, replayOut, stderr := run(t, "replay", "basic-inequality/gd", "--seed", "11", "--checks", "30", "--format", "json")
	if code != 0 {
		t.Fatalf("replay exit %d: %s", code, stderr)
	}
	var a, b struct{ Results []map[string]any }
	_ = json.Unmarshal([]byte(runOut), &a)
	_ = json.Unmarshal([]byte(replayOut), &b)
	if len(a.Results) != 1 || len(b.Results) != 1 {
		t.Fatalf("rows: %d, %d", len(a.Results), len(b.Results))
	}
	for _, k := range []string{"checks", "worst_margin", "tightness", "noise", "discarded", "replay"} {
		if a.Results[0][k] != b.Results[0][k] {
			t.Errorf("%s: run %v, replay %v", k, a.Results[0][k], b.Results[0][k])
		}
	}
}

func TestRunWithoutIDsChecksEveryEncodedTheoremAndPrintsTheTable(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole catalogue")
	}
	code, out, stderr := run(t, "run", "--checks", "20", "--seed", "3", "--profile", "ci")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "basic-inequality/gd") || strings.Contains(out, "not-encoded") {
		t.Fatalf("table:\n%s", out)
	}
}

func TestReplayShowsTheWorstCase(t *testing.T) {
	code, out, _ := run(t, "replay", "basic-inequality/gd", "--seed", "3", "--checks", "20")
	if code != 0 || !strings.Contains(out, "worst case (claim margin") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
