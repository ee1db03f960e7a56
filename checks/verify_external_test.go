package checks_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

// userGD is a user's own gradient descent, written from scratch as a user would.
func userGD(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
	x := append([]float64(nil), x0...)
	g := make([]float64, len(x))
	tr := &algorithms.Trajectory{Iterates: [][]float64{append([]float64(nil), x...)}, Steps: steps}
	for _, eta := range steps {
		f.Grad(g, x)
		for i := range x {
			x[i] -= eta * g[i]
		}
		tr.Iterates = append(tr.Iterates, append([]float64(nil), x...))
		tr.GradEvals++
	}
	return tr
}

// offByOneGD uses η_{t+1} for step t (and η_0 for the last): a bug a one-step schedule
// cannot show.
func offByOneGD(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
	shifted := make([]float64, len(steps))
	for t := range steps {
		shifted[t] = steps[(t+1)%len(steps)]
	}
	return userGD(f, x0, shifted)
}

// skipLastGD stops one step early.
func skipLastGD(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
	return userGD(f, x0, steps[:len(steps)-1])
}

func TestVerifyUserGD(t *testing.T) {
	checks.Verify(t, "basic-inequality/gd", userGD)
}

// Every theorem about the GD role, here the whole basic-inequality family's GD theorems.
func TestVerifyUserGDFamily(t *testing.T) {
	checks.Verify(t, "basic-inequality", userGD)
}

// A buggy GD is caught. Verify would fail this test, so the same theorem is run through the
// engine and its result inspected.
func TestVerifyCatchesBuggyGD(t *testing.T) {
	cases := []struct {
		name string
		gd   theorems.GDMethod
		step string
	}{
		{"off-by-one step", offByOneGD, "step "}, // a proof step, which one depends on the draw
		{"skips the last step", skipLastGD, "trajectory length"},
	}
	for _, c := range cases {
		th, err := theorems.ForID("basic-inequality/gd", c.gd)
		if err != nil {
			t.Fatal(err)
		}
		r := checks.CheckTheorem(th, checks.Config{Profile: "ci", Seed: 1, Checks: 100})
		if r.Status != checks.StatusViolated {
			t.Errorf("%s: status %s (%s), want violated", c.name, r.Status, r.Message)
			continue
		}
		if !strings.HasPrefix(r.FailingStep, c.step) {
			t.Errorf("%s: failing step %q, want %q", c.name, r.FailingStep, c.step)
		}
		t.Logf("%s caught at %q: %s", c.name, r.FailingStep, r.Counterexample.Instance)
	}
}

// Verify's misuse fails the test with the roles or the role's theorems listed. The failing
// calls run in a child test process (a failing t here would fail the suite).
func TestVerifyMisuseFailsClearly(t *testing.T) {
	if os.Getenv("CHECKS_VERIFY_MISUSE") != "" {
		return // inside the child process: the subtests below did the work
	}
	cases := []struct {
		name string
		want []string
	}{
		{"TestVerifyMisuseNoRole", []string{"checks.Verify: theorems: an implementation of type int matches no algorithm role", "theorems.GDMethod", "deepmf-gradient"}},
		{"TestVerifyMisuseWrongID", []string{`checks.Verify: theorems: "basic-inequality/sgd" is not about the gd role`, "basic-inequality/gd-large-step"}},
		{"TestVerifyMisuseUnknownID", []string{`unknown theorem or family "basic-inequality/gdd"`}},
	}
	for _, c := range cases {
		cmd := exec.Command(os.Args[0], "-test.run=^"+c.name+"$", "-test.v")
		cmd.Env = append(os.Environ(), "CHECKS_VERIFY_MISUSE=1")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s passed; want a failure:\n%s", c.name, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: output lacks %q:\n%s", c.name, w, out)
			}
		}
	}
}

func TestVerifyMisuseNoRole(t *testing.T) {
	if os.Getenv("CHECKS_VERIFY_MISUSE") == "" {
		t.Skip("run by TestVerifyMisuseFailsClearly")
	}
	checks.Verify(t, "", 42)
}

func TestVerifyMisuseWrongID(t *testing.T) {
	if os.Getenv("CHECKS_VERIFY_MISUSE") == "" {
		t.Skip("run by TestVerifyMisuseFailsClearly")
	}
	checks.Verify(t, "basic-inequality/sgd", userGD)
}

func TestVerifyMisuseUnknownID(t *testing.T) {
	if os.Getenv("CHECKS_VERIFY_MISUSE") == "" {
		t.Skip("run by TestVerifyMisuseFailsClearly")
	}
	checks.Verify(t, "basic-inequality/gdd", userGD)
}

// A user's GD checked against a theorem about its role. In a test, write
// checks.Verify(t, "basic-inequality/gd", myGD); outside one, build the theorem on the
// implementation and run it through the engine.
func ExampleVerify() {
	for _, impl := range []theorems.GDMethod{userGD, offByOneGD} {
		th, err := theorems.ForID("basic-inequality/gd", impl)
		if err != nil {
			fmt.Println(err)
			return
		}
		r := checks.CheckTheorem(th, checks.Config{Profile: "ci", Seed: 1, Checks: 100})
		fmt.Println(r.Theorem, r.Status)
	}
	// Output:
	// basic-inequality/gd holds
	// basic-inequality/gd violated
}
