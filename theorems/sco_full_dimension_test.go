package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestSCOFullDimension(t *testing.T) {
	th, _ := theorems.Lookup("sco/full-dimension")
	checks.TheoremTest(t, th)
}
