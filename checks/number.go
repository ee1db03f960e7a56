package checks

import (
	"encoding/json"
	"math"
	"strconv"
)

// Num is a float64 that survives JSON: finite values are numbers, NaN and ±Inf are the
// strings "NaN", "+Inf" and "-Inf" (encoding/json refuses them, and a report must never
// lose the fact that a side of an inequality was not finite).
type Num float64

func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, f, 'g', -1, 64), nil
}

func (n *Num) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		f, err := strconv.ParseFloat(s, 64)
		*n = Num(f)
		return err
	}
	var f float64
	err := json.Unmarshal(b, &f)
	*n = Num(f)
	return err
}
