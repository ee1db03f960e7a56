package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestLiftedRankOne(t *testing.T) {
	th, _ := theorems.Lookup("lifted-tensor/rank-one")
	checks.TheoremTest(t, th)
}
