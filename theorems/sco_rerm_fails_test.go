package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestSCORERMFails(t *testing.T) {
	th, _ := theorems.Lookup("sco/rerm-fails")
	checks.TheoremTest(t, th)
}
