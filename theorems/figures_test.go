package theorems

import (
	"math"
	"strings"
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/generators"
)

func fgFake(names ...string) FigureFunc {
	return func(ExperimentConfig) []Figure {
		out := make([]Figure, len(names))
		for i, n := range names {
			out[i] = Figure{Name: n}
		}
		return out
	}
}

func fgNames(figs []Figure) string {
	var s []string
	for _, f := range figs {
		s = append(s, f.Name+"@"+f.Theorem)
	}
	return strings.Join(s, " ")
}

// A producer keyed by an ID runs when that ID or its family is asked for; one keyed by a
// family runs when the family or any of its IDs is; the order is the catalogue's.
func TestFiguresSelectionAndOrder(t *testing.T) {
	entries := []figureEntry{ // registered out of catalogue order on purpose
		{"sco/rerm-fails", fgFake("sco-a")},
		{"balancedness", fgFake("bal-a", "bal-b")},
		{"basic-inequality/envelope", fgFake("env")},
	}
	cases := []struct {
		names []string
		want  string
	}{
		{nil, "env@basic-inequality/envelope bal-a@balancedness bal-b@balancedness sco-a@sco/rerm-fails"},
		{[]string{"basic-inequality"}, "env@basic-inequality/envelope"},
		{[]string{"basic-inequality/envelope"}, "env@basic-inequality/envelope"},
		{[]string{"basic-inequality/gd"}, ""}, // another theorem of the family: not Figure 1
		{[]string{"balancedness/bar"}, "bal-a@balancedness bal-b@balancedness"},
		{[]string{"sco", "balancedness"}, "bal-a@balancedness bal-b@balancedness sco-a@sco/rerm-fails"},
		{[]string{"sco/sgd-rate", "basic-inequality", "basic-inequality/gd"}, "env@basic-inequality/envelope"},
	}
	for _, c := range cases {
		if got := fgNames(figuresOf(entries, c.names, ExperimentConfig{Profile: "ci", Seed: 1})); got != c.want {
			t.Errorf("Figures(%q) = %q, want %q", c.names, got, c.want)
		}
	}
}

func fgPanics(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil {
			t.Fatalf("no panic, want one mentioning %q", want)
		}
		if msg, _ := r.(string); !strings.Contains(msg, want) {
			t.Fatalf("panic %v, want one mentioning %q", r, want)
		}
	}()
	f()
}

func TestFiguresRejectsBadProducers(t *testing.T) {
	cfg := ExperimentConfig{Profile: "ci", Seed: 1}
	fgPanics(t, `"x" of sco already used by balancedness`, func() {
		figuresOf([]figureEntry{{"sco", fgFake("x")}, {"balancedness", fgFake("x")}}, nil, cfg)
	})
	fgPanics(t, "not lower-case", func() { figuresOf([]figureEntry{{"sco", fgFake("Bad Name")}}, nil, cfg) })
	fgPanics(t, "figures of sco: boom", func() {
		figuresOf([]figureEntry{{"sco", func(ExperimentConfig) []Figure { panic("boom") }}}, nil, cfg)
	})
	fgPanics(t, "neither a theorem ID nor a family", func() { RegisterFigures("no-such/theorem", fgFake("y")) })
}

// Each family with a figure in issue #8 has its producer registered.
func TestFigureProducersRegistered(t *testing.T) {
	keys := map[string]bool{}
	for _, e := range figureRegistry {
		keys[e.key] = true
	}
	for _, k := range []string{"basic-inequality/envelope", "balancedness", "low-rank/depth", "norm-divergence/razin-cohen", "sco/rerm-fails"} {
		if !keys[k] {
			t.Errorf("no figure producer registered for %s", k)
		}
	}
}

// The norm-divergence figure's balanced run stays above the derived bound wherever it applies
// (the theorem's claim, on the plotted data) and |w_11| grows as the loss falls.
func TestNormDivergenceFigureData(t *testing.T) {
	figs := NormDivergenceFigures(algorithms.FastDeepMF2x2Step, ExperimentConfig{Profile: "ci", Seed: 1})
	if len(figs) != 1 || len(figs[0].Lines) != 4 || !figs[0].LogX || !figs[0].LogY {
		t.Fatalf("figures %+v", figs)
	}
	bal := figs[0].Lines[0]
	if len(bal.X) < 25 || len(bal.X) != len(bal.Y) {
		t.Fatalf("balanced line has %d/%d points", len(bal.X), len(bal.Y))
	}
	checked := 0
	for i, l := range bal.X {
		if b, ok := ndPaperInstance.bound(l); ok {
			checked++
			if !(bal.Y[i] >= b) {
				t.Errorf("ℓ = %g: |w_11| = %g below the bound %g", l, bal.Y[i], b)
			}
		}
		if i > 0 && l < 0.1 && !(bal.Y[i] > bal.Y[i-1] && l < bal.X[i-1]) {
			t.Errorf("point %d: (ℓ, |w_11|) = (%g, %g) after (%g, %g)", i, l, bal.Y[i], bal.X[i-1], bal.Y[i-1])
		}
	}
	if checked < 20 {
		t.Errorf("the bound applied at %d points only", checked)
	}
	if last := bal.X[len(bal.X)-1]; !(last < 1e-3) {
		t.Errorf("the run stops at ℓ = %g, above the ci stop level 1e-3", last)
	}
	if !strings.Contains(figs[0].Caption, "stop level reached") {
		t.Errorf("caption: %s", figs[0].Caption)
	}
}

// Figure 1's panels: τ increases, and lower ≤ implicit ≤ upper at every τ (the theorem's two
// sides, up to rounding and the certified ridge gaps); the Poisson panel stops where GD leaves
// the ball on which L is certified.
func TestEnvelopeFigurePanels(t *testing.T) {
	sz := fgEnvSizesOf("ci")
	for _, c := range []struct {
		task string
		reg  int
	}{{"least-squares", 0}, {"least-squares", 1}, {"poisson", 0}} {
		var name, model string
		for _, tk := range fgEnvTasks {
			if tk.key == c.task {
				name, model = tk.name, tk.model
			}
		}
		n, d := sz.regimes[c.reg][0], sz.regimes[c.reg][1]
		fig := fgEnvPanel(algorithms.GradientDescent, c.task, name, model, n, d, c.reg, sz, 1)
		if len(fig.Lines) != 3 || len(fig.Lines[0].X) < 3 {
			t.Fatalf("%s: %+v", fig.Name, fig)
		}
		imp, lo, up := fig.Lines[0], fig.Lines[1], fig.Lines[2]
		for i := range imp.X {
			if i > 0 && !(imp.X[i] > imp.X[i-1]) {
				t.Errorf("%s: τ not increasing at %d", fig.Name, i)
			}
			tol := 1e-9 * (math.Abs(lo.Y[i]) + math.Abs(imp.Y[i]) + math.Abs(up.Y[i]))
			if !(lo.Y[i] <= imp.Y[i]+tol) || !(imp.Y[i] <= up.Y[i]+tol) {
				t.Errorf("%s: τ = %g: lower %g, implicit %g, upper %g", fig.Name, imp.X[i], lo.Y[i], imp.Y[i], up.Y[i])
			}
		}
		if c.task != "poisson" {
			continue
		}
		f, err := fgEnvInstance(c.task, n, d, c.reg, 1)
		if err != nil {
			t.Fatal(err)
		}
		p := f.(*generators.Poisson)
		T := int(math.Round(imp.X[len(imp.X)-1] * f.Smoothness()))
		steps := make([]float64, T)
		for i := range steps {
			steps[i] = 1 / f.Smoothness()
		}
		for k, x := range algorithms.GradientDescent(f, make([]float64, d), steps).Iterates {
			if !p.InBall(x) {
				t.Fatalf("%s: iterate %d of %d leaves the ball", fig.Name, k, T)
			}
		}
	}
}

func TestBalancednessFigureData(t *testing.T) {
	figs := BalancednessFigures(DefaultBalancedExpMethods(), ExperimentConfig{Profile: "ci", Seed: 1})
	p := bxProfileOf("ci")
	if len(figs) != 2 {
		t.Fatalf("%d figures", len(figs))
	}
	for _, f := range figs {
		if len(f.Lines) != 5 || !f.LogY {
			t.Fatalf("%s: %d lines", f.Name, len(f.Lines))
		}
		for _, l := range f.Lines {
			if len(l.X) != fgBalPoints+1 || l.X[0] != 0 || l.X[len(l.X)-1] != float64(p.T) {
				t.Errorf("%s %s: x from %g to %g in %d points", f.Name, l.Label, l.X[0], l.X[len(l.X)-1], len(l.X))
			}
			if math.Abs(l.Y[0]-1.12) > 1e-12 {
				t.Errorf("%s %s: 2|B_0| = %g, want 1.12", f.Name, l.Label, l.Y[0])
			}
		}
	}
	// On OP, SAM balances and SGD does not (seed 1, deterministic).
	op := figs[0]
	if sgd, sam := op.Lines[1].Y[fgBalPoints], op.Lines[2].Y[fgBalPoints]; !(sam < sgd/10) {
		t.Errorf("OP: final 2|B_T| SAM %g, SGD %g", sam, sgd)
	}
}

func TestSCOFigureFromRows(t *testing.T) {
	rows := []SCOGapRow{
		{Family: "l2sq", Label: "λ‖w‖²", N: 4, Gap: 0.05, Reference: 0.045, Delta: 1e-3},
		{Family: "l2sq", Label: "λ‖w‖²", N: 5, Gap: 0.06, Reference: math.NaN(), Delta: 1e-3},
		{Family: "l1", Label: "λ‖w‖₁", N: 4, Gap: 0.05, Reference: math.NaN(), Delta: 1e-3},
		{Family: "l1", Label: "λ‖w‖₁", N: 5, Gap: 0.0601, Reference: 0.2, Delta: 1e-3},
	}
	figs := SCOFigures(rows)
	if len(figs) != 1 || len(figs[0].Lines) != 3 {
		t.Fatalf("%+v", figs)
	}
	l2, l1, ref := figs[0].Lines[0], figs[0].Lines[1], figs[0].Lines[2]
	if l2.Label != "λ‖w‖²" || len(l2.X) != 2 || l2.Y[1] != 0.06 || l1.X[1] != 5 {
		t.Errorf("family lines %+v %+v", l2, l1)
	}
	if !ref.Points || !ref.Reference || len(ref.X) != 2 || ref.Y[0] != 0.045 || ref.Y[1] != 0.2 {
		t.Errorf("reference points %+v", ref)
	}
	if !strings.Contains(figs[0].Caption, "λ‖w‖² and λ‖w‖₁ overlap") {
		t.Errorf("caption does not say which curves overlap: %s", figs[0].Caption)
	}
}

// The low-rank figures (about 4 s on two cores: skipped under -short).
func TestLowRankDepthFigureData(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 12 factorisations")
	}
	figs := LowRankDepthFigures(algorithms.DeepMFGrad, ExperimentConfig{Profile: "ci", Seed: 1})
	if len(figs) != 2 {
		t.Fatalf("%d figures", len(figs))
	}
	errF := figs[1]
	mean := errF.Lines[0]
	if len(mean.X) != 4 || mean.X[0] != 1 || mean.X[3] != 4 {
		t.Fatalf("depths %v", mean.X)
	}
	for i, v := range mean.Y {
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("depth %g: error %g", mean.X[i], v)
		}
	}
	// Depth 3 recovers the rank-2 target far better than depth 1 (seed 1, deterministic).
	if !(mean.Y[2] < mean.Y[0]/100) {
		t.Errorf("error at depth 3 %g, at depth 1 %g", mean.Y[2], mean.Y[0])
	}
	nuc := errF.Lines[2]
	if nuc.Y[0] != nuc.Y[1] || !nuc.Reference {
		t.Errorf("nuclear-norm baseline %+v", nuc)
	}
}
