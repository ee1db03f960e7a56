package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessSAMOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/sam-op")
	checks.TheoremTest(t, th)
}
