package theorems

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/implicitreg/verify/algorithms"
)

// Every encoded theorem is reachable from a role (or runs no algorithm), and every role lists
// only encoded catalogue IDs: a family that lands a constructor taking a method must add it
// to roles.go, or users cannot check their own method against it.
func TestRolesCoverEveryEncodedTheorem(t *testing.T) {
	inRole := map[string]bool{}
	for _, r := range roles {
		for _, id := range r.IDs {
			th, ok := Lookup(id)
			if !ok || !th.Encoded() {
				t.Errorf("role %s lists %s, which is not an encoded catalogue theorem", r.Name, id)
			}
			inRole[id] = true
		}
	}
	for _, th := range All() {
		if !th.Encoded() {
			continue
		}
		if !inRole[th.ID] && !roleFreeIDs[th.ID] {
			t.Errorf("%s is encoded but no role lists it: add its constructor to theorems/roles.go (or to roleFreeIDs if it runs no replaceable algorithm)", th.ID)
		}
		if inRole[th.ID] && roleFreeIDs[th.ID] {
			t.Errorf("%s is both in a role and role-free", th.ID)
		}
	}
}

// Built on our own implementation, every role's theorem is the catalogue's theorem: same ID,
// encoded, same controls and examples. And our implementation is recognised as playing its
// role (through AsRole for the TagOnly ones), so type inference is unambiguous for each.
func TestRoleBuildsOnOursMatchTheCatalogue(t *testing.T) {
	for _, r := range roles {
		impl := r.ours
		if r.TagOnly {
			impl = AsRole(r.Name, r.ours)
		}
		got, err := RoleOf(impl)
		if err != nil {
			t.Errorf("role %s: our implementation is not recognised: %v", r.Name, err)
			continue
		}
		if got.Name != r.Name {
			t.Errorf("our %s implementation is taken as role %s", r.Name, got.Name)
			continue
		}
		ths, err := ForImplementation(impl)
		if err != nil {
			t.Errorf("role %s: %v", r.Name, err)
			continue
		}
		var ids []string
		for _, th := range ths {
			ids = append(ids, th.ID)
			cat, _ := Lookup(th.ID)
			if !th.Encoded() || th.Kind != cat.Kind || len(th.Controls) != len(cat.Controls) || len(th.Examples) != len(cat.Examples) {
				t.Errorf("role %s builds %s unlike the catalogue's (encoded %v, kind %s, %d controls, %d examples)",
					r.Name, th.ID, th.Encoded(), th.Kind, len(th.Controls), len(th.Examples))
			}
		}
		want := slices.Clone(r.IDs)
		slices.SortFunc(want, func(a, b string) int { return rolesCatalogueIndex(a) - rolesCatalogueIndex(b) })
		if !slices.Equal(ids, want) {
			t.Errorf("role %s builds %v, want %v", r.Name, ids, want)
		}
	}
}

func rolesCatalogueIndex(id string) int {
	return slices.IndexFunc(registry, func(th *Theorem) bool { return th.ID == id })
}

func TestForImplementationFindsTheGDRole(t *testing.T) {
	plain := func(f algorithms.Objective, x0, steps []float64) *algorithms.Trajectory {
		return algorithms.GradientDescent(f, x0, steps)
	}
	want := []string{"basic-inequality/gd", "basic-inequality/envelope", "basic-inequality/gd-large-step",
		"basic-inequality/least-squares-risk", "basic-inequality/logistic-risk"}
	slices.SortFunc(want, func(a, b string) int { return rolesCatalogueIndex(a) - rolesCatalogueIndex(b) })
	for name, impl := range map[string]any{
		"func declaration": algorithms.GradientDescent,
		"func literal":     plain,
		"named GDMethod":   GDMethod(plain),
		"tagged":           AsRole("gd", plain),
	} {
		ths, err := ForImplementation(impl)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ids []string
		for _, th := range ths {
			ids = append(ids, th.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%s: theorems %v, want %v", name, ids, want)
		}
	}
	fam, err := ForName("basic-inequality", plain)
	if err != nil || len(fam) != len(want) {
		t.Errorf("family basic-inequality: %d theorems, err %v; want %d", len(fam), err, len(want))
	}
	th, err := ForID("basic-inequality/gd", plain)
	if err != nil || th.ID != "basic-inequality/gd" {
		t.Fatalf("ForID: %v, %v", th, err)
	}
}

func TestRoleErrorsAreClear(t *testing.T) {
	gd := algorithms.GradientDescent
	cases := []struct {
		name string
		run  func() error
		want []string
	}{
		{"no role", func() error { _, err := ForImplementation(42); return err },
			[]string{"type int matches no algorithm role", "gd ", "theorems.GDMethod = func(algorithms.Objective"}},
		{"wrong signature", func() error {
			_, err := ForImplementation(func(x0 []float64) []float64 { return x0 })
			return err
		}, []string{"matches no algorithm role"}},
		{"nil", func() error { _, err := ForImplementation(nil); return err }, []string{"nil implementation"}},
		{"nil func", func() error { _, err := ForImplementation(GDMethod(nil)); return err }, []string{"nil theorems.GDMethod"}},
		{"not about role", func() error { _, err := ForID("basic-inequality/sgd", gd); return err },
			[]string{`"basic-inequality/sgd" is not about the gd role`, "basic-inequality/gd-large-step"}},
		{"family not about role", func() error { _, err := ForName("balancedness", gd); return err },
			[]string{`"balancedness" is not about the gd role`}},
		{"family to ForID", func() error { _, err := ForID("basic-inequality", gd); return err },
			[]string{"is a family"}},
		{"tag-only signature", func() error { _, err := ForImplementation(BARInnerMethod(algorithms.NBARInnerStep)); return err },
			[]string{"nbar-inner-step, obar-inner-step", `theorems.AsRole("nbar-inner-step", impl)`}},
		{"wrong tag", func() error { _, err := ForImplementation(AsRole("sgd", gd)); return err },
			[]string{"cannot play role sgd"}},
		{"unknown tag", func() error { _, err := ForImplementation(AsRole("adam", gd)); return err },
			[]string{`unknown role "adam"`}},
	}
	for _, c := range cases {
		err := c.run()
		var re *RoleError
		if !errors.As(err, &re) {
			t.Errorf("%s: error %v (%T), want a *RoleError", c.name, err, err)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", c.name, err, w)
			}
		}
	}
	_, err := ForID("basic-inequality/gd-larg", gd)
	var unk *UnknownError
	if !errors.As(err, &unk) || !strings.Contains(err.Error(), "basic-inequality/gd-large-step") {
		t.Errorf("unknown ID: %v, want an *UnknownError suggesting basic-inequality/gd-large-step", err)
	}
}

// A plain function with the SAM signature is a SAM step (the usual reading); an nBAR step of
// the same signature is checked as such only when tagged.
func TestSharedSignaturesResolve(t *testing.T) {
	r, err := RoleOf(algorithms.SAMInnerStep)
	if err != nil || r.Name != "inner-sam-step" {
		t.Errorf("SAMInnerStep: role %q, %v", r.Name, err)
	}
	r, err = RoleOf(AsRole("nbar-inner-step", algorithms.NBARInnerStep))
	if err != nil || r.Name != "nbar-inner-step" {
		t.Errorf("tagged NBARInnerStep: role %q, %v", r.Name, err)
	}
	r, err = RoleOf(algorithms.SGDFactorStep)
	if err != nil || r.Name != "factor-sgd-step" {
		t.Errorf("SGDFactorStep: role %q, %v", r.Name, err)
	}
}
