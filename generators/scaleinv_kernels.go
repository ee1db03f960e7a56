package generators

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"github.com/implicitreg/verify/internal/numeric"
)

// Small dense kernels for the scale-invariant losses. gonum's Dgemm runs products with a
// tall operand (1000×8 and up) on goroutines, which allocates on every call; these wrappers
// feed it row blocks small enough for its serial (assembly) path, so they allocate nothing.
// All take row-major blas64.General views (any stride).

// siBuf is a grow-only scratch buffer handing out row-major matrices.
type siBuf struct{ data []float64 }

// general returns an r×c matrix view of the buffer (contents unspecified).
func (b *siBuf) general(r, c int) blas64.General {
	if cap(b.data) < r*c {
		b.data = make([]float64, r*c)
	}
	return blas64.General{Rows: r, Cols: c, Stride: c, Data: b.data[:r*c]}
}

func siRow(a blas64.General, i int) []float64 { return a.Data[i*a.Stride : i*a.Stride+a.Cols] }

// siZero sets every entry of a to 0.
func siZero(a blas64.General) {
	for i := 0; i < a.Rows; i++ {
		row := siRow(a, i)
		for j := range row {
			row[j] = 0
		}
	}
}

// siGemmNNAdd sets dst ← dst + alpha·A·B (A n×k, B k×m, dst n×m) with gonum's serial Dgemm
// (assembly kernels) on row blocks of at most siRowBlock rows.
func siGemmNNAdd(dst blas64.General, alpha float64, a, b blas64.General) {
	if a.Rows != dst.Rows || b.Cols != dst.Cols || a.Cols != b.Rows {
		panic("generators: siGemmNNAdd: shape mismatch")
	}
	for i := 0; i < a.Rows; i += siRowBlock {
		n := min(siRowBlock, a.Rows-i)
		blas64.Gemm(blas.NoTrans, blas.NoTrans, alpha, siRows(a, i, n), b, 1, siRows(dst, i, n))
	}
}

// siRowBlock keeps gonum's Dgemm on its serial path: it runs on goroutines (and allocates)
// once the output has four or more 64×64 blocks, so blocks of 192 rows by at most 64 columns
// stay serial. Wider outputs (only dense d2×d2 probes in tests) may go parallel.
const siRowBlock = 192

// siRows returns rows [i, i+n) of a.
func siRows(a blas64.General, i, n int) blas64.General {
	return blas64.General{Rows: n, Cols: a.Cols, Stride: a.Stride, Data: a.Data[i*a.Stride : (i+n-1)*a.Stride+a.Cols]}
}

// siGemmTNAdd sets dst ← dst + alpha·Aᵀ·B (A n×k, B n×m, dst k×m), summing row blocks of at
// most siRowBlock rows with gonum's serial Dgemm.
func siGemmTNAdd(dst blas64.General, alpha float64, a, b blas64.General) {
	if a.Cols != dst.Rows || b.Cols != dst.Cols || a.Rows != b.Rows {
		panic("generators: siGemmTNAdd: shape mismatch")
	}
	for i := 0; i < a.Rows; i += siRowBlock {
		n := min(siRowBlock, a.Rows-i)
		blas64.Gemm(blas.Trans, blas.NoTrans, alpha, siRows(a, i, n), siRows(b, i, n), 1, dst)
	}
}

// siGemmNTAdd sets dst ← dst + alpha·A·Bᵀ (A n×k, B m×k, dst n×m).
func siGemmNTAdd(dst blas64.General, alpha float64, a, b blas64.General) {
	if a.Rows != dst.Rows || b.Rows != dst.Cols || a.Cols != b.Cols {
		panic("generators: siGemmNTAdd: shape mismatch")
	}
	for i := 0; i < a.Rows; i++ {
		arow, drow := siRow(a, i), siRow(dst, i)
		for j := 0; j < b.Rows; j++ {
			var s float64
			for l, bv := range siRow(b, j) {
				s += arow[l] * bv
			}
			drow[j] += alpha * s
		}
	}
}

// siDot returns ⟨A, B⟩_F.
func siDot(a, b blas64.General) float64 {
	var s float64
	for i := 0; i < a.Rows; i++ {
		s += numeric.Dot(siRow(a, i), siRow(b, i))
	}
	return s
}

// siFrob2Up returns a certified upper bound on ‖A‖_F².
func siFrob2Up(a *mat.Dense) float64 {
	r, c := a.Dims()
	all := make([]float64, 0, r*c)
	for i := 0; i < r; i++ {
		all = append(all, a.RawRowView(i)[:c]...)
	}
	return numeric.CertifiedNorm2Sq(all)
}

// siBatchLen returns |B| (K for the full batch).
func siBatchLen(K int, batch []int) int {
	if batch == nil {
		return K
	}
	return len(batch)
}

// siAt returns the i-th index of batch (i itself for the full batch), panicking on an index
// outside [0, K): a programmer error.
func siAt(K int, batch []int, i int) int {
	if batch == nil {
		return i
	}
	k := batch[i]
	if k < 0 || k >= K {
		panic("generators: minibatch index outside [0, K)")
	}
	return k
}

// siCheckBatch panics on an empty (non-nil) minibatch.
func siCheckBatch(batch []int) {
	if batch != nil && len(batch) == 0 {
		panic("generators: empty minibatch")
	}
}
