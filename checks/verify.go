package checks

import (
	"testing"

	"github.com/implicitreg/verify/theorems"
)

// Verify checks a user's own implementation of an algorithm role against the theorems about
// that role, in the style of gonum's testlapack suites:
//
//	func TestMyGD(t *testing.T) { checks.Verify(t, "basic-inequality/gd", myGD) }
//
// name is a theorem ID, a family ("basic-inequality": every theorem of the family about the
// role) or "" (every theorem about the role). impl's role is found from its type (see
// theorems.RoleOf; theorems.AsRole tags an implementation whose signature several roles
// share). Each theorem is built on impl and run as a subtest named by its ID through the same
// path as TheoremTest: explicit examples, then the property under rapid.MakeCheck (full
// shrinking; -rapid.checks, -rapid.seed, -short and fail files as usual), or the seeded
// experiment under the ci profile.
//
// Negative controls are not run: they measure the power of our checks (a broken hypothesis,
// a weakened constant, a mutation of the method), which TheoremTest asserts for the catalogue
// once and for all; they say nothing about impl. An implementation whose type plays no role, or a name not about
// its role, fails the test at once with the roles or the role's theorems listed.
func Verify(t *testing.T, name string, impl any) {
	t.Helper()
	ths, role, err := verifySelect(name, impl)
	if err != nil {
		t.Fatalf("checks.Verify: %v", err)
	}
	t.Logf("checking an implementation of role %s (%s) against %d theorem(s)", role.Name, role.Type, len(ths))
	for _, th := range ths {
		t.Run(th.ID, func(t *testing.T) {
			TheoremTest(t, withoutControls(th))
		})
	}
}

// verifySelect builds the theorems Verify runs.
func verifySelect(name string, impl any) ([]*theorems.Theorem, theorems.Role, error) {
	role, err := theorems.RoleOf(impl)
	if err != nil {
		return nil, theorems.Role{}, err
	}
	ths, err := theorems.ForName(name, impl)
	if err != nil {
		return nil, theorems.Role{}, err
	}
	return ths, role, nil
}

// withoutControls returns a copy of th that TheoremTest runs without its controls.
func withoutControls(th *theorems.Theorem) *theorems.Theorem {
	c := *th
	c.Controls = nil
	return &c
}
