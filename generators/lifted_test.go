package generators_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/generators"
)

// The perturbed completion instance: mask 1 on the diagonal and odd rows/columns, ρ on the
// even×even off-diagonal block (exactly M*'s unobserved support), and U = W∘M* has the top
// eigenvector z/‖z‖ with σ_1 = 1 + ρ²(k − 1), σ_2 = 1 − ρ² (k = ⌈n/2⌉).
func TestPerturbedCompletionStructure(t *testing.T) {
	for _, n := range []int{2, 5, 8} {
		rho := 0.01
		inst := generators.NewPerturbedCompletion(n, rho)
		k := (n + 1) / 2
		U := make([]float64, n*n)
		for i := range n {
			if (inst.Z[i] == 1) != (i%2 == 0) {
				t.Fatalf("n=%d: z = %v", n, inst.Z)
			}
			for j := range n {
				m := inst.Mask.At(i, j)
				want := 1.0
				if i != j && i%2 == 0 && j%2 == 0 {
					want = rho
				}
				if m != want || inst.Target.At(i, j) != inst.Z[i]*inst.Z[j] {
					t.Fatalf("n=%d (%d,%d): mask %v target %v", n, i, j, m, inst.Target.At(i, j))
				}
				U[i*n+j] = m * m * inst.Target.At(i, j)
			}
		}
		v, s1, s2, ok := generators.TopEigenvector(U, n)
		if !ok {
			t.Fatal("eigendecomposition failed")
		}
		if math.Abs(s1-(1+rho*rho*float64(k-1))) > 1e-12 || (k > 1 && math.Abs(s2-(1-rho*rho)) > 1e-12) {
			t.Fatalf("n=%d: σ_1 = %v, σ_2 = %v", n, s1, s2)
		}
		for i := range n {
			if math.Abs(v[i]-inst.Z[i]/math.Sqrt(float64(k))) > 1e-9 {
				t.Fatalf("n=%d: v_1 = %v, want z/‖z‖", n, v)
			}
		}
	}
}

func TestGaussianSensingPlanted(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	A, b, Z := generators.GaussianSensing(rng, 4, 9, 2)
	var M mat.Dense
	M.Mul(Z, Z.T())
	if f := mat.Norm(&M, 2); math.Abs(f-1) > 1e-12 {
		t.Fatalf("‖M*‖_F = %v", f)
	}
	for k, a := range A {
		if !mat.EqualApprox(a, a.T(), 0) {
			t.Fatalf("A_%d is not symmetric", k)
		}
		var ip mat.Dense
		ip.MulElem(a, &M)
		if math.Abs(mat.Sum(&ip)-b[k]) > 1e-12 {
			t.Fatalf("b_%d = %v, ⟨A_k, M*⟩ = %v", k, b[k], mat.Sum(&ip))
		}
	}
}
