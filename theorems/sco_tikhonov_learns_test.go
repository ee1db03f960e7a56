package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestSCOTikhonovLearns(t *testing.T) {
	th, _ := theorems.Lookup("sco/tikhonov-learns")
	checks.TheoremTest(t, th)
}
