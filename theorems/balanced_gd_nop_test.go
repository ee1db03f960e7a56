package theorems_test

import (
	"testing"

	"github.com/implicitreg/verify/checks"
	"github.com/implicitreg/verify/theorems"
)

func TestBalancednessGDNOP(t *testing.T) {
	th, _ := theorems.Lookup("balancedness/gd-nop")
	checks.TheoremTest(t, th)
}
