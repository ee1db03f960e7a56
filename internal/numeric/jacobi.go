package numeric

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// jacobiEigen computes the eigenvalues (and, if vectors, the eigenvectors) of the symmetric
// matrix b by the cyclic Jacobi method with Rutishauser's rotation formulas. It is the
// fallback when gonum's Dsyev fails or returns values that fail validation: slower
// (about ten sweeps of O(n³)) but simple, backward stable, and free of the block-scaling
// code paths that misbehave in gonum on matrices whose entries span more than ~120 orders of
// magnitude. Values are returned unsorted, in diagonal order; ok is false if it does not
// converge in 100 sweeps or produces non-finite numbers.
func jacobiEigen(b mat.Symmetric, vectors bool) (vals []float64, vecs *mat.Dense, ok bool) {
	n := b.SymmetricDim()
	a := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			a[i*n+j] = b.At(i, j)
		}
	}
	var v []float64
	if vectors {
		v = make([]float64, n*n)
		for i := 0; i < n; i++ {
			v[i*n+i] = 1
		}
	}
	converged := false
	for sweep := 0; sweep < 100 && !converged; sweep++ {
		converged = true
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if apq == 0 {
					continue
				}
				app, aqq := a[p*n+p], a[q*n+q]
				// Negligible against both diagonal entries: drop it (Numerical Recipes' test,
				// which keeps high relative accuracy for small eigenvalues).
				g := 100 * math.Abs(apq)
				if sweep > 3 && math.Abs(app)+g == math.Abs(app) && math.Abs(aqq)+g == math.Abs(aqq) {
					a[p*n+q], a[q*n+p] = 0, 0
					continue
				}
				converged = false
				theta := (aqq - app) / (2 * apq)
				var t float64
				if math.Abs(theta) > 1e150 {
					t = 0.5 / theta
				} else {
					t = 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
					if theta < 0 {
						t = -t
					}
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				tau := s / (1 + c)
				a[p*n+p] = app - t*apq
				a[q*n+q] = aqq + t*apq
				a[p*n+q], a[q*n+p] = 0, 0
				for r := 0; r < n; r++ {
					if r == p || r == q {
						continue
					}
					arp, arq := a[r*n+p], a[r*n+q]
					nrp := arp - s*(arq+tau*arp)
					nrq := arq + s*(arp-tau*arq)
					a[r*n+p], a[p*n+r] = nrp, nrp
					a[r*n+q], a[q*n+r] = nrq, nrq
				}
				if vectors {
					for r := 0; r < n; r++ {
						vrp, vrq := v[r*n+p], v[r*n+q]
						v[r*n+p] = vrp - s*(vrq+tau*vrp)
						v[r*n+q] = vrq + s*(vrp-tau*vrq)
					}
				}
			}
		}
	}
	if !converged {
		return nil, nil, false
	}
	vals = make([]float64, n)
	for i := range vals {
		vals[i] = a[i*n+i]
	}
	if !VecFinite(vals) {
		return nil, nil, false
	}
	if vectors {
		vecs = mat.NewDense(n, n, v)
	}
	return vals, vecs, true
}

// validEigen checks computed eigenpairs of the symmetric b (largest entry in [½, 1)) against
// invariants that any backward-stable result satisfies up to the certification model's
// slack, to catch a solver that returns garbage with ok = true:
//
//	every |λ_i| ≤ ‖b‖_F·(1 + s),  |Σλ_i − tr b| ≤ n·s·‖b‖_F,  |Σλ_i² − ‖b‖_F²| ≤ 3n·s·‖b‖_F²,
//
// with s = 4·(8n+4)·Eps; and, for eigenvectors, ‖bV − VΛ‖_max ≤ s·‖b‖_F and
// ‖VᵀV − I‖_max ≤ s.
func validEigen(b mat.Symmetric, vals []float64, vecs *mat.Dense) bool {
	n := b.SymmetricDim()
	if len(vals) != n || !VecFinite(vals) {
		return false
	}
	var tr, fro2 float64
	for i := 0; i < n; i++ {
		tr += b.At(i, i)
		for j := 0; j < n; j++ {
			fro2 += b.At(i, j) * b.At(i, j)
		}
	}
	fro := math.Sqrt(fro2)
	s := 4 * eigenSlack(n)
	var sum, sum2 float64
	for _, v := range vals {
		if math.Abs(v) > fro*(1+s) {
			return false
		}
		sum += v
		sum2 += v * v
	}
	if math.Abs(sum-tr) > float64(n)*s*fro || math.Abs(sum2-fro2) > 3*float64(n)*s*fro2 {
		return false
	}
	if vecs == nil {
		return true
	}
	if r, c := vecs.Dims(); r != n || c != n {
		return false
	}
	var bv, vtv mat.Dense
	bv.Mul(b, vecs)
	vtv.Mul(vecs.T(), vecs)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if math.Abs(bv.At(i, j)-vals[j]*vecs.At(i, j)) > s*fro {
				return false
			}
			want := 0.0
			if i == j {
				want = 1
			}
			if math.Abs(vtv.At(i, j)-want) > s {
				return false
			}
		}
	}
	return true
}
