package generators

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestLowRankTargetNormalisation(t *testing.T) {
	M := LowRankTarget(rand.New(rand.NewPCG(1, 1)), 30, 20, 3)
	if got := mat.Norm(M, 2); math.Abs(got-math.Sqrt(600)) > 1e-9 {
		t.Fatalf("‖M‖_F = %v, want √600", got)
	}
	var svd mat.SVD
	if !svd.Factorize(M, mat.SVDNone) {
		t.Fatal("SVD failed")
	}
	if s := svd.Values(nil); s[2] < 1e-6*s[0] || s[3] > 1e-10*s[0] {
		t.Fatalf("singular values %v: want rank 3", s)
	}
}

func TestUniformEntriesDistinct(t *testing.T) {
	I, J := UniformEntries(rand.New(rand.NewPCG(2, 2)), 7, 9, 40)
	seen := map[[2]int]bool{}
	for k := range I {
		e := [2]int{I[k], J[k]}
		if seen[e] || I[k] < 0 || I[k] >= 7 || J[k] < 0 || J[k] >= 9 {
			t.Fatalf("entry %v repeated or out of range", e)
		}
		seen[e] = true
	}
	if len(seen) != 40 {
		t.Fatalf("%d entries, want 40", len(seen))
	}
}

func TestObservationGraph(t *testing.T) {
	cases := []struct {
		name              string
		rows, cols        int
		I, J              []int
		components        int
		connected, blocks bool
	}{
		{"two 2×2 blocks", 4, 4, nil, nil, 2, false, true},
		{"all but one of 4×4", 4, 4, nil, nil, 1, true, false},
		{"3×3 block + singleton", 3, 3, []int{0, 0, 1, 1, 2}, []int{0, 1, 0, 1, 2}, 2, false, true},
		{"3×3 spanning tree", 3, 3, []int{0, 0, 0, 1, 2}, []int{0, 1, 2, 0, 0}, 1, true, false},
		{"path, not complete", 3, 3, []int{0, 0, 1, 2}, []int{0, 1, 1, 2}, 2, false, false},
		{"empty row", 3, 2, []int{0, 1}, []int{0, 1}, 3, false, true},
	}
	cases[0].I, cases[0].J = BlockEntries([][]int{{0, 1}, {2, 3}}, [][]int{{0, 1}, {2, 3}})
	cases[1].I, cases[1].J = AllEntriesBut(4, 4, [2]int{1, 2})
	for _, c := range cases {
		g := NewObservationGraph(c.rows, c.cols, c.I, c.J)
		if g.Components != c.components || g.Connected() != c.connected || g.CompleteBipartite() != c.blocks {
			t.Errorf("%s: components %d connected %v complete bipartite %v; want %d %v %v",
				c.name, g.Components, g.Connected(), g.CompleteBipartite(), c.components, c.connected, c.blocks)
		}
	}
}
