package theorems

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/algorithms"
	"github.com/implicitreg/verify/internal/numeric"
)

// Shared helpers of the lifted tensor family (THEOREMS.md §6).

// ltSensingU returns U = Σ_k b_k A_k (n×n row-major), the paper's A*(b).
func ltSensingU(A []*mat.Dense, b []float64) []float64 {
	n, _ := A[0].Dims()
	U := make([]float64, n*n)
	for k, a := range A {
		for i := range n {
			for j := range n {
				U[i*n+j] += b[k] * a.At(i, j)
			}
		}
	}
	return U
}

// ltProfile normalises the profile name ("" is ci).
func ltProfile(p string) string {
	if p == "" {
		return "ci"
	}
	return p
}

// ltMedian returns the median of xs (NaN for none); xs is sorted in place.
func ltMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// ltFmt formats a number for tables.
func ltFmt(x float64) string {
	if math.IsNaN(x) {
		return "—"
	}
	return strconv.FormatFloat(x, 'g', 3, 64)
}

// ltRate formats k/n with its Wilson interval.
func ltRate(k, n int) string {
	if n == 0 {
		return "—"
	}
	lo, hi := cnWilson(k, n)
	return fmt.Sprintf("%d/%d = %.2f [%.2f, %.2f]", k, n, float64(k)/float64(n), lo, hi)
}

// ltRecovery is ‖xxᵀ − M*‖_F for x ∈ R^{nr} (X = unvec(x)).
func ltRecovery(x []float64, n, r int, target *mat.Dense) float64 {
	X := algorithms.Unvec(x, n, r)
	var d mat.Dense
	d.Mul(X, X.T())
	d.Sub(&d, target)
	return numeric.FrobNorm(&d)
}

// ltFisher returns the two-sided p-value of Fisher's exact test that k1 of n1 and k2 of n2
// successes come from one rate: the total probability, under the hypergeometric law with the
// table's margins, of the tables no more likely than the observed one (with a 1e-7 relative
// allowance for rounding ties).
func ltFisher(k1, n1, k2, n2 int) float64 {
	k := k1 + k2
	n := n1 + n2
	logC := func(a, b int) float64 {
		la, _ := math.Lgamma(float64(a + 1))
		lb, _ := math.Lgamma(float64(b + 1))
		lab, _ := math.Lgamma(float64(a - b + 1))
		return la - lb - lab
	}
	prob := func(x int) float64 { return math.Exp(logC(n1, x) + logC(n2, k-x) - logC(n, k)) }
	obs := prob(k1)
	var p float64
	for x := max(0, k-n2); x <= min(k, n1); x++ {
		if q := prob(x); q <= obs*(1+1e-7) {
			p += q
		}
	}
	return math.Min(1, p)
}
