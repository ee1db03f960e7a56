package generators

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Matrix completion instances (THEOREMS.md §3–§5): low-rank targets, observation patterns
// and the connectivity of their bipartite observation graph.

// LowRankTarget returns Arora et al.'s ground truth (their gen_gt.py): M = UVᵀ/√r with U
// (rows×r) and V (cols×r) i.i.d. N(0, 1), rescaled so that ‖M‖_F = √(rows·cols) — an RMS
// entry of 1, so that the mean squared error over all entries equals the squared relative
// error ‖W − M‖_F²/‖M‖_F².
func LowRankTarget(rng *rand.Rand, rows, cols, rank int) *mat.Dense {
	if rank < 1 || rank > min(rows, cols) {
		panic(fmt.Sprintf("generators: rank %d of a %d×%d target", rank, rows, cols))
	}
	U, V := mat.NewDense(rows, rank, nil), mat.NewDense(cols, rank, nil)
	for _, a := range []*mat.Dense{U, V} {
		d := a.RawMatrix().Data
		for i := range d {
			d[i] = rng.NormFloat64()
		}
	}
	M := mat.NewDense(rows, cols, nil)
	M.Mul(U, V.T())
	M.Scale(math.Sqrt(float64(rows*cols))/mat.Norm(M, 2), M) // mat.Norm(·, 2) is Frobenius
	return M
}

// UniformEntries draws m distinct entries of a rows×cols matrix uniformly without
// replacement (Arora et al.'s gen_obs.py), returned in row-major order.
func UniformEntries(rng *rand.Rand, rows, cols, m int) (I, J []int) {
	if m < 0 || m > rows*cols {
		panic(fmt.Sprintf("generators: %d entries of a %d×%d matrix", m, rows, cols))
	}
	perm := rng.Perm(rows * cols)[:m]
	chosen := make([]bool, rows*cols)
	for _, p := range perm {
		chosen[p] = true
	}
	for p, c := range chosen {
		if c {
			I, J = append(I, p/cols), append(J, p%cols)
		}
	}
	return I, J
}

// AllEntriesBut returns every entry of a rows×cols matrix except the listed ones (row-major).
func AllEntriesBut(rows, cols int, missing ...[2]int) (I, J []int) {
	skip := make(map[[2]int]bool, len(missing))
	for _, e := range missing {
		skip[e] = true
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if !skip[[2]int{i, j}] {
				I, J = append(I, i), append(J, j)
			}
		}
	}
	return I, J
}

// BlockEntries returns the entries of fully observed diagonal blocks: block k covers rows
// and columns given by rowsOf[k] and colsOf[k] (every pair observed). The observation graph
// then splits into complete bipartite components, one per block.
func BlockEntries(rowsOf, colsOf [][]int) (I, J []int) {
	if len(rowsOf) != len(colsOf) {
		panic("generators: BlockEntries needs as many row sets as column sets")
	}
	for k := range rowsOf {
		for _, i := range rowsOf[k] {
			for _, j := range colsOf[k] {
				I, J = append(I, i), append(J, j)
			}
		}
	}
	return I, J
}

// Observation graph of a completion problem: the bipartite graph on row nodes and column
// nodes with an edge (i, j) for each observed entry (Bai, Zhao, Zhang 2024).
type ObservationGraph struct {
	Rows, Cols int
	// RowComponent[i] and ColComponent[j] are the component of row i and column j; an
	// isolated row or column (nothing observed in it) is its own component.
	RowComponent, ColComponent []int
	// Components is the number of components.
	Components int
	// Edges[c] counts the observed entries of component c.
	Edges []int
}

// NewObservationGraph computes the components of the observation graph of Ω.
func NewObservationGraph(rows, cols int, I, J []int) *ObservationGraph {
	parent := make([]int, rows+cols)
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for k := range I {
		a, b := find(I[k]), find(rows+J[k])
		if a != b {
			parent[a] = b
		}
	}
	g := &ObservationGraph{Rows: rows, Cols: cols, RowComponent: make([]int, rows), ColComponent: make([]int, cols)}
	label := map[int]int{}
	id := func(x int) int {
		r := find(x)
		c, ok := label[r]
		if !ok {
			c = len(label)
			label[r] = c
		}
		return c
	}
	for i := 0; i < rows; i++ {
		g.RowComponent[i] = id(i)
	}
	for j := 0; j < cols; j++ {
		g.ColComponent[j] = id(rows + j)
	}
	g.Components = len(label)
	g.Edges = make([]int, g.Components)
	for k := range I {
		g.Edges[g.RowComponent[I[k]]]++
	}
	return g
}

// Connected reports whether the observation graph is connected.
func (g *ObservationGraph) Connected() bool { return g.Components == 1 }

// ComponentSize returns the numbers of rows and columns in component c.
func (g *ObservationGraph) ComponentSize(c int) (rows, cols int) {
	for _, x := range g.RowComponent {
		if x == c {
			rows++
		}
	}
	for _, x := range g.ColComponent {
		if x == c {
			cols++
		}
	}
	return rows, cols
}

// CompleteBipartite reports whether every component with at least one edge is complete
// bipartite: every (row, column) pair inside it is observed (a fully observed block up to
// permutation). Entries must be distinct.
func (g *ObservationGraph) CompleteBipartite() bool {
	for c := 0; c < g.Components; c++ {
		r, k := g.ComponentSize(c)
		if g.Edges[c] > 0 && g.Edges[c] != r*k {
			return false
		}
	}
	return true
}
