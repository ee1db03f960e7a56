package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestLiftedBeatsUnlifted(t *testing.T) {
	th, _ := theorems.Lookup("lifted-tensor/beats-unlifted")
	checks.TheoremTest(t, th)
}
