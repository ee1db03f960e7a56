package algorithms

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// EndToEndLoss is a loss ℓ(W) of the end-to-end matrix W = W_N⋯W_1 of a deep matrix
// factorisation (THEOREMS.md §3–§5): matrix completion, matrix sensing or a user's own.
type EndToEndLoss interface {
	// Dims returns the shape (rows, cols) of W.
	Dims() (rows, cols int)
	// Value returns ℓ(W).
	Value(W *mat.Dense) float64
	// Grad writes ∇ℓ(W) into dst (rows×cols) and returns ℓ(W).
	Grad(dst, W *mat.Dense) float64
}

// EntryLoss is an EndToEndLoss that depends on W only through a fixed set of entries Ω
// (matrix completion). Deep factorisation gradients use it to never form W or a dense
// residual: only |Ω| entries of W are computed and the residual is applied sparsely.
type EntryLoss interface {
	EndToEndLoss
	// Entries returns the rows and columns of Ω (the same slices on every call; read only).
	Entries() (rows, cols []int)
	// EntryGrad writes ∂ℓ/∂W_ij into g[k] for the k-th entry of Ω, given W_ij in w[k], and
	// returns ℓ(W).
	EntryGrad(g, w []float64) float64
}

// Completion is the matrix completion loss ℓ(W) = (Weight/2)·Σ_{(i,j)∈Ω}(W_ij − M_ij)².
// Weight 1 is THEOREMS.md's ½·SSE (Razin–Cohen's trainer); Weight 1/|Ω| is half the mean
// squared residual over Ω (the training loss of Arora et al.'s code, halved).
type Completion struct {
	rows, cols int
	I, J       []int
	M          []float64
	Weight     float64
}

// NewCompletion returns the completion loss on a rows×cols matrix observing M_ij = values[k]
// at (I[k], J[k]). Entries must be in range and distinct, the values finite, the weight
// positive and finite.
func NewCompletion(rows, cols int, I, J []int, values []float64, weight float64) (*Completion, error) {
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("completion: shape %d×%d must be at least 1×1", rows, cols)
	}
	if len(I) != len(J) || len(I) != len(values) {
		return nil, fmt.Errorf("completion: %d rows, %d columns and %d values for the observed entries", len(I), len(J), len(values))
	}
	if !(weight > 0) || math.IsInf(weight, 0) {
		return nil, fmt.Errorf("completion: weight %v must be positive and finite", weight)
	}
	seen := make(map[int]bool, len(I))
	for k := range I {
		i, j := I[k], J[k]
		if i < 0 || i >= rows || j < 0 || j >= cols {
			return nil, fmt.Errorf("completion: entry (%d, %d) outside %d×%d", i, j, rows, cols)
		}
		if seen[i*cols+j] {
			return nil, fmt.Errorf("completion: entry (%d, %d) observed twice", i, j)
		}
		seen[i*cols+j] = true
		if math.IsNaN(values[k]) || math.IsInf(values[k], 0) {
			return nil, fmt.Errorf("completion: value %v at (%d, %d) is not finite", values[k], i, j)
		}
	}
	c := &Completion{rows: rows, cols: cols, Weight: weight,
		I: append([]int(nil), I...), J: append([]int(nil), J...), M: append([]float64(nil), values...)}
	return c, nil
}

// CompletionFrom observes the entries (I[k], J[k]) of the target M.
func CompletionFrom(M *mat.Dense, I, J []int, weight float64) (*Completion, error) {
	r, c := M.Dims()
	v := make([]float64, len(I))
	for k := range I {
		if I[k] < 0 || I[k] >= r || J[k] < 0 || J[k] >= c {
			return nil, fmt.Errorf("completion: entry (%d, %d) outside %d×%d", I[k], J[k], r, c)
		}
		v[k] = M.At(I[k], J[k])
	}
	return NewCompletion(r, c, I, J, v, weight)
}

// Dims returns (rows, cols).
func (c *Completion) Dims() (rows, cols int) { return c.rows, c.cols }

// Entries returns Ω.
func (c *Completion) Entries() (rows, cols []int) { return c.I, c.J }

// Observed returns |Ω|.
func (c *Completion) Observed() int { return len(c.I) }

// EntryGrad implements EntryLoss.
func (c *Completion) EntryGrad(g, w []float64) float64 {
	var s float64
	for k, m := range c.M {
		r := w[k] - m
		g[k] = c.Weight * r
		s += r * r
	}
	return c.Weight / 2 * s
}

// Value returns ℓ(W).
func (c *Completion) Value(W *mat.Dense) float64 {
	var s float64
	for k, m := range c.M {
		r := W.At(c.I[k], c.J[k]) - m
		s += r * r
	}
	return c.Weight / 2 * s
}

// Grad writes the dense gradient (zero off Ω) into dst and returns ℓ(W).
func (c *Completion) Grad(dst, W *mat.Dense) float64 {
	dst.Zero()
	var s float64
	for k, m := range c.M {
		r := W.At(c.I[k], c.J[k]) - m
		dst.Set(c.I[k], c.J[k], c.Weight*r)
		s += r * r
	}
	return c.Weight / 2 * s
}

// Sensing is the matrix sensing loss ℓ(W) = (Weight/2)·Σ_k(⟨A_k, W⟩ − y_k)².
type Sensing struct {
	rows, cols int
	A          []*mat.Dense
	Y          []float64
	Weight     float64
}

// NewSensing returns the sensing loss with measurement matrices A (all rows×cols) and
// measurements y.
func NewSensing(A []*mat.Dense, y []float64, weight float64) (*Sensing, error) {
	if len(A) == 0 || len(A) != len(y) {
		return nil, fmt.Errorf("sensing: %d measurement matrices and %d measurements", len(A), len(y))
	}
	if !(weight > 0) || math.IsInf(weight, 0) {
		return nil, fmt.Errorf("sensing: weight %v must be positive and finite", weight)
	}
	r, c := A[0].Dims()
	for k, a := range A {
		if ar, ac := a.Dims(); ar != r || ac != c {
			return nil, fmt.Errorf("sensing: A_%d is %d×%d, A_0 is %d×%d", k, ar, ac, r, c)
		}
	}
	return &Sensing{rows: r, cols: c, A: A, Y: append([]float64(nil), y...), Weight: weight}, nil
}

// Dims returns (rows, cols).
func (s *Sensing) Dims() (rows, cols int) { return s.rows, s.cols }

// residual returns ⟨A_k, W⟩ − y_k.
func (s *Sensing) residual(k int, W *mat.Dense) float64 {
	a, w := s.A[k].RawMatrix(), W.RawMatrix()
	if a.Stride == s.cols && w.Stride == s.cols { // contiguous: one dot product
		n := s.rows * s.cols
		return floats.Dot(a.Data[:n], w.Data[:n]) - s.Y[k]
	}
	var d float64
	for i := 0; i < s.rows; i++ {
		d += floats.Dot(a.Data[i*a.Stride:i*a.Stride+s.cols], w.Data[i*w.Stride:i*w.Stride+s.cols])
	}
	return d - s.Y[k]
}

// Value returns ℓ(W).
func (s *Sensing) Value(W *mat.Dense) float64 {
	var t float64
	for k := range s.A {
		r := s.residual(k, W)
		t += r * r
	}
	return s.Weight / 2 * t
}

// Grad writes Weight·Σ_k r_k·A_k into dst and returns ℓ(W).
func (s *Sensing) Grad(dst, W *mat.Dense) float64 {
	dst.Zero()
	d := dst.RawMatrix()
	var t float64
	for k, a := range s.A {
		r := s.residual(k, W)
		t += r * r
		ar, c := a.RawMatrix(), s.Weight*r
		if ar.Stride == s.cols && d.Stride == s.cols {
			n := s.rows * s.cols
			floats.AddScaled(d.Data[:n], c, ar.Data[:n])
			continue
		}
		for i := 0; i < s.rows; i++ {
			floats.AddScaled(d.Data[i*d.Stride:i*d.Stride+s.cols], c, ar.Data[i*ar.Stride:i*ar.Stride+s.cols])
		}
	}
	return s.Weight / 2 * t
}
