package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestLiftedSymmetric(t *testing.T) {
	th, _ := theorems.Lookup("lifted-tensor/symmetric")
	checks.TheoremTest(t, th)
}
