package oracle_test

import (
	"context"
	"testing"

	"github.com/implicitreg/verify/internal/oracle"
)

// BenchmarkRunGD measures one 100-step GD problem of dimension 20 served by the Go child:
// 100 gradient round trips through pipes and JSON.
func BenchmarkRunGD(b *testing.B) {
	s, err := oracle.Start(context.Background(), []string{childBin, "correct"}, oracle.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	f := quad{a: make([]float64, 20), b: make([]float64, 20)}
	x0 := make([]float64, 20)
	for i := range f.a {
		f.a[i], f.b[i], x0[i] = 1+float64(i)/10, float64(i%3)-1, float64(i)/7-1
	}
	steps := make([]float64, 100)
	for i := range steps {
		steps[i] = 0.3
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.RunGD(f, x0, steps); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(steps)), "ns/request")
}
