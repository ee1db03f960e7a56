package algorithms

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// dm2TestCompletion draws a 2×2 completion: each entry observed with probability ½ (at least
// one), Gaussian targets, and a weight in [0.1, 10).
func dm2TestCompletion(rng *rand.Rand) *Completion2x2 {
	o := &Completion2x2{Weight: math.Pow(10, 2*rng.Float64()-1)}
	for !o.Observed[0] && !o.Observed[1] && !o.Observed[2] && !o.Observed[3] {
		for k := range o.Observed {
			o.Observed[k] = rng.Float64() < 0.5
		}
	}
	for k := range o.Target {
		if o.Observed[k] {
			o.Target[k] = rng.NormFloat64()
		}
	}
	return o
}

func dm2TestModel(rng *rand.Rand, depth int, std float64) *DeepMF2x2 {
	m := &DeepMF2x2{Layers: make([][4]float64, depth)}
	for j := range m.Layers {
		for k := range m.Layers[j] {
			m.Layers[j][k] = std * rng.NormFloat64()
		}
	}
	return m
}

// dm2RelDiff is max_k |a_k − b_k| / max(max_k |b_k|, tiny).
func dm2RelDiff(a, b [4]float64) float64 {
	var d, s float64
	for k := range a {
		d = math.Max(d, math.Abs(a[k]-b[k]))
		s = math.Max(s, math.Abs(b[k]))
	}
	if s == 0 {
		return d
	}
	return d / s
}

func dm2Abs(A [4]float64) [4]float64 {
	return [4]float64{math.Abs(A[0]), math.Abs(A[1]), math.Abs(A[2]), math.Abs(A[3])}
}

// dm2Scales returns the magnitudes rounding errors are proportional to: for the loss,
// ℓ + Weight·Σ_Ω (|r_k| + 2^-40·A_k)·A_k with A = |W_N|⋯|W_1| (the residual r = W − M is a
// difference, so near a fit its error is relative to the entries of W, not to r); for ∇_j, the gradient formula
// S_jᵀ E P_jᵀ evaluated with absolute values and E replaced by |E| + Weight·|W_N|⋯|W_1|.
func dm2Scales(m *DeepMF2x2, obs *Completion2x2) (loss float64, grads [][4]float64) {
	N := len(m.Layers)
	pre := make([][4]float64, N)
	pre[0] = dm2Abs(m.Layers[0])
	for i := 1; i < N; i++ {
		pre[i] = Mul2x2(dm2Abs(m.Layers[i]), pre[i-1])
	}
	W := m.Product()
	E, l := obs.residual(W)
	var B [4]float64
	loss = l
	for k, ob := range obs.Observed {
		if ob {
			B[k] = math.Abs(E[k]) + obs.Weight*pre[N-1][k]
			// 2^-40·A_k stands for the residual's own rounding when it is exactly 0 here.
			loss += obs.Weight * (math.Abs(E[k])/obs.Weight + 0x1p-40*pre[N-1][k]) * pre[N-1][k]
		}
	}
	grads = make([][4]float64, N)
	for i := N - 1; i >= 0; i-- {
		grads[i] = B
		if i > 0 {
			grads[i] = mul2x2BT(B, pre[i-1])
			B = mul2x2TA(dm2Abs(m.Layers[i]), B)
		}
	}
	return loss, grads
}

// TestDeepMF2x2GradMatchesGeneric compares the fixed-size gradient with DeepMFGrad (sparse)
// and DeepMFDenseGrad, for depths 1 to 6, random observed subsets, targets, weights and
// scales: every gradient entry agrees to 1e-14 relative to the magnitude of the terms that
// produced it (dm2Scales), and so does the loss.
func TestDeepMF2x2GradMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 300; trial++ {
		depth := 1 + trial%6
		obs := dm2TestCompletion(rng)
		m := dm2TestModel(rng, depth, math.Pow(10, 1-2*rng.Float64()))
		grads := make([][4]float64, depth)
		l := m.Grad(obs, grads)
		lscale, gscale := dm2Scales(m, obs)
		g := m.DeepMF()
		loss := obs.Completion()
		for name, grad := range map[string]DeepMFGradient{"sparse": DeepMFGrad, "dense": DeepMFDenseGrad} {
			w := NewDeepMFWork(g)
			lg := grad(g, loss, w)
			if math.Abs(l-lg) > 1e-14*lscale {
				t.Fatalf("trial %d depth %d %s: loss %v, generic %v (scale %g)", trial, depth, name, l, lg, lscale)
			}
			for j := range grads {
				d := w.Grads[j].RawMatrix().Data
				for k := range 4 {
					if math.Abs(grads[j][k]-d[k]) > 1e-14*gscale[j][k] {
						t.Fatalf("trial %d depth %d %s layer %d entry %d: gradient %v, generic %v (scale %g)", trial, depth, name, j+1, k, grads[j][k], d[k], gscale[j][k])
					}
				}
			}
		}
		if got := obs.Loss(m.Product()); got != l {
			t.Fatalf("trial %d: Loss(Product) %v, gradient's loss %v", trial, got, l)
		}
	}
}

// TestDeepMF2x2TrajectoryMatchesGeneric runs 1000 GD steps with Step and with TrainDeepMF
// (DeepMFGrad) from the same start, on Razin–Cohen's instance at depth 3 and on random
// completions at depths 2 and 4: the losses agree at every step to 1e-12 relative to their
// scale (rounding differences compound over the steps) and the factors at the end to 1e-12
// relative to their largest entry.
func TestDeepMF2x2TrajectoryMatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	rc := &Completion2x2{Observed: [4]bool{false, true, true, true}, Target: [4]float64{0, 1, 1, 0}, Weight: 1}
	cases := []struct {
		obs   *Completion2x2
		depth int
		eta   float64
	}{{rc, 3, 0.1}, {dm2TestCompletion(rng), 2, 0.05}, {dm2TestCompletion(rng), 4, 0.05}}
	for _, c := range cases {
		fast := dm2TestModel(rng, c.depth, 0.5)
		gen := fast.DeepMF()
		var fastLoss, scale []float64
		for range 1000 {
			s, _ := dm2Scales(fast, c.obs)
			scale = append(scale, s)
			fastLoss = append(fastLoss, fast.Step(c.obs, c.eta))
		}
		var genLoss []float64
		TrainDeepMF(gen, c.obs.Completion(), DeepMFOptions{LR: c.eta, MaxIter: 1000, Visit: func(_ int, _ *DeepMF, l float64) bool {
			genLoss = append(genLoss, l)
			return true
		}})
		if len(genLoss) != 1001 {
			t.Fatalf("generic run visited %d points", len(genLoss))
		}
		for s := range fastLoss {
			if math.Abs(fastLoss[s]-genLoss[s]) > 1e-12*scale[s] {
				t.Fatalf("depth %d step %d: loss %v, generic %v (scale %g)", c.depth, s, fastLoss[s], genLoss[s], scale[s])
			}
		}
		back, err := NewDeepMF2x2(gen)
		if err != nil {
			t.Fatal(err)
		}
		for j := range fast.Layers {
			if r := dm2RelDiff(fast.Layers[j], back.Layers[j]); r > 1e-12 {
				t.Fatalf("depth %d layer %d after 1000 steps: %v, generic %v (relative %g)", c.depth, j+1, fast.Layers[j], back.Layers[j], r)
			}
		}
		if fastLoss[999] >= fastLoss[0] {
			t.Fatalf("depth %d: loss did not decrease (%v → %v): the cross-check ran on a stuck trajectory", c.depth, fastLoss[0], fastLoss[999])
		}
	}
}

// TestDeepMF2x2StepFromGeneric checks the adapter that runs a generic DeepMFGradient as a
// DeepMF2x2Step: it follows Step to rounding, and it is not fooled by a change of loss.
func TestDeepMF2x2StepFromGeneric(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	step := DeepMF2x2StepFrom(DeepMFGrad)
	for trial := 0; trial < 20; trial++ {
		obs := dm2TestCompletion(rng)
		a := dm2TestModel(rng, 1+trial%4, 0.7)
		b := a.Clone()
		for range 50 {
			sc, _ := dm2Scales(a, obs)
			la, lb := a.Step(obs, 0.02), step(b, obs, 0.02)
			if math.Abs(la-lb) > 1e-13*sc {
				t.Fatalf("trial %d: loss %v, adapter %v", trial, la, lb)
			}
		}
		for j := range a.Layers {
			if r := dm2RelDiff(b.Layers[j], a.Layers[j]); r > 1e-13 {
				t.Fatalf("trial %d layer %d: adapter %v, Step %v", trial, j+1, b.Layers[j], a.Layers[j])
			}
		}
	}
}

// TestDeepMF2x2Conversions round-trips through the generic forms and rejects non-2×2 shapes.
func TestDeepMF2x2Conversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	m := dm2TestModel(rng, 3, 1)
	back, err := NewDeepMF2x2(m.DeepMF())
	if err != nil {
		t.Fatal(err)
	}
	for j := range m.Layers {
		if back.Layers[j] != m.Layers[j] {
			t.Fatalf("layer %d: %v → %v", j+1, m.Layers[j], back.Layers[j])
		}
	}
	W, P := m.Product(), m.DeepMF().Product().RawMatrix().Data
	if r := dm2RelDiff(W, [4]float64{P[0], P[1], P[2], P[3]}); r > 1e-15 {
		t.Fatalf("Product %v, generic %v", W, P)
	}
	if _, err := NewDeepMF2x2(NewDeepMF(2, 2, 3)); err == nil {
		t.Fatal("a 3-wide hidden layer was accepted")
	}
	obs := dm2TestCompletion(rng)
	again, err := NewCompletion2x2(obs.Completion())
	if err != nil || *again != *obs {
		t.Fatalf("completion round trip: %+v → %+v (%v)", obs, again, err)
	}
	c3, _ := NewCompletion(3, 3, []int{0}, []int{0}, []float64{1}, 1)
	if _, err := NewCompletion2x2(c3); err == nil {
		t.Fatal("a 3×3 completion was accepted")
	}
}

// TestDet2x2SignOnNearlySingular compares Det2x2 with the exact determinant (math/big) on
// nearly rank-1 matrices where a·d and b·c agree to about 16 digits, as on the end-to-end
// matrix late in Razin–Cohen's runs: the naive a·d − b·c may lose every digit and the sign,
// Det2x2 must keep the sign and be within 4 ulps.
func TestDet2x2SignOnNearlySingular(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for trial := 0; trial < 10000; trial++ {
		x := math.Pow(10, 4*rng.Float64()-2)
		b, c := 1+rng.NormFloat64()*1e-3, 1+rng.NormFloat64()*1e-3
		y := b * c / x * (1 + float64(rng.IntN(9)-4)*0x1p-53)
		A := [4]float64{x, b, c, y}
		exact := new(big.Float).SetPrec(400).Mul(big.NewFloat(x), big.NewFloat(y))
		exact.Sub(exact, new(big.Float).SetPrec(400).Mul(big.NewFloat(b), big.NewFloat(c)))
		want, _ := exact.Float64()
		got := Det2x2(A)
		if math.Signbit(got) != math.Signbit(want) && want != 0 || math.Abs(got-want) > 4*math.Abs(want)*0x1p-53 {
			t.Fatalf("det %v: Det2x2 %v, exact %v", A, got, want)
		}
	}
	if d := Det2x2([4]float64{3, 2, 1, 4}); d != 10 {
		t.Fatalf("det [[3, 2], [1, 4]] = %v", d)
	}
}

// TestDeepMF2x2StepAllocatesNothing pins the zero-allocation promise the benchmark reports.
func TestDeepMF2x2StepAllocatesNothing(t *testing.T) {
	rc := &Completion2x2{Observed: [4]bool{false, true, true, true}, Target: [4]float64{0, 1, 1, 0}, Weight: 1}
	m := dm2TestModel(rand.New(rand.NewPCG(19, 20)), 3, 8e-3)
	if a := testing.AllocsPerRun(1000, func() { m.Step(rc, 3e-3) }); a != 0 {
		t.Fatalf("Step allocates %v times per call", a)
	}
}

// BenchmarkDeepMF2x2Step: one depth-3 step on Razin–Cohen's instance (0 allocs/op).
func BenchmarkDeepMF2x2Step(b *testing.B) {
	rc := &Completion2x2{Observed: [4]bool{false, true, true, true}, Target: [4]float64{0, 1, 1, 0}, Weight: 1}
	m := dm2TestModel(rand.New(rand.NewPCG(21, 22)), 3, 8e-3)
	b.ReportAllocs()
	for b.Loop() {
		m.Step(rc, 3e-3)
	}
}

// BenchmarkDeepMF2x2StepGeneric is the same step through DeepMFGrad, the baseline.
func BenchmarkDeepMF2x2StepGeneric(b *testing.B) {
	rc := &Completion2x2{Observed: [4]bool{false, true, true, true}, Target: [4]float64{0, 1, 1, 0}, Weight: 1}
	m := dm2TestModel(rand.New(rand.NewPCG(21, 22)), 3, 8e-3)
	step := DeepMF2x2StepFrom(DeepMFGrad)
	b.ReportAllocs()
	for b.Loop() {
		step(m, rc, 3e-3)
	}
}
