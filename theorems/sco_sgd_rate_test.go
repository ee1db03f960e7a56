package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestSCOSGDRate(t *testing.T) {
	th, _ := theorems.Lookup("sco/sgd-rate")
	checks.TheoremTest(t, th)
}
