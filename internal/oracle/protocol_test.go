package oracle

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestVecDecodesOnlyFiniteNumbers(t *testing.T) {
	good := map[string][]float64{
		`{"x":[]}`:                       {},
		`{"x":[1, -2.5e-3 ,0, 1E+2]}`:    {1, -2.5e-3, 0, 100},
		`{"x":[ 5e-324 , -0 ]}`:          {5e-324, math.Copysign(0, -1)},
		`{"x":[1.7976931348623157e308]}`: {math.MaxFloat64},
		`{"x":[1e-400]}`:                 {0}, // underflow rounds to 0, as any reader would
	}
	for in, want := range good {
		var m childMsg
		if err := json.Unmarshal([]byte(in), &m); err != nil || !slices.Equal(m.X, want) {
			t.Errorf("%s: %v, %v; want %v", in, m.X, err, want)
		}
	}
	bad := map[string]string{
		`{"x":[1,null]}`:   "want an array of numbers",
		`{"x":null}`:       "want an array of numbers",
		`{"x":[[1]]}`:      "want an array of numbers",
		`{"x":["1"]}`:      "want an array of numbers",
		`{"x":[true]}`:     "want an array of numbers",
		`{"x":{"a":1}}`:    "want an array of numbers",
		`{"x":[1,2e999]}`:  "beyond float64's range",
		`{"x":[-1e999]}`:   "beyond float64's range",
		`{"x":[NaN]}`:      "invalid character",
		`{"x":[Infinity]}`: "invalid character",
		`{"x":[1,]}`:       "invalid character",
	}
	for in, want := range bad {
		var m childMsg
		err := json.Unmarshal([]byte(in), &m)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one containing %q", in, err, want)
		}
		if strings.Contains(want, "beyond") && !errors.Is(err, errNonFinite) {
			t.Errorf("%s: %v is not errNonFinite", in, err)
		}
	}
}

// What verify writes is valid JSON that reads back to the same numbers.
func TestEncodingRoundTrips(t *testing.T) {
	x0 := []float64{1, -0.1, 5e-324, math.MaxFloat64, 1e21, 123456789.125}
	steps := []float64{0.5, 1e-300}
	b := appendProblem(nil, 7, "gd", x0, steps, []Constant{{"L", 2.5}})
	var p struct {
		Type      string
		Version   int
		Method    string
		ID        int64
		Dim       int
		X0        []float64
		Steps     []float64
		Constants map[string]float64
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if p.Type != "problem" || p.Version != Version || p.Method != "gd" || p.ID != 7 || p.Dim != len(x0) ||
		!slices.Equal(p.X0, x0) || !slices.Equal(p.Steps, steps) || p.Constants["L"] != 2.5 {
		t.Errorf("decoded %+v from %s", p, b)
	}
	var g struct {
		Type string
		ID   int64
		G    []float64
	}
	if err := json.Unmarshal(appendGrad(nil, 3, x0), &g); err != nil || g.Type != "grad" || g.ID != 3 || !slices.Equal(g.G, x0) {
		t.Errorf("grad: %+v, %v", g, err)
	}
	var v struct {
		Type string
		F    float64
	}
	if err := json.Unmarshal(appendValue(nil, 3, -0.1), &v); err != nil || v.Type != "value" || v.F != -0.1 {
		t.Errorf("value: %+v, %v", v, err)
	}
}
