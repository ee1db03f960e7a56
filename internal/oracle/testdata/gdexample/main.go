// Command gdexample is the README's complete GD optimiser for `verify run --algorithm-cmd`.
package main

import (
	"bufio"
	"encoding/json"
	"os"
)

type msg struct {
	Type  string      `json:"type"`
	ID    int64       `json:"id"`
	X0    []float64   `json:"x0,omitempty"`
	Steps []float64   `json:"steps,omitempty"`
	X     []float64   `json:"x,omitempty"`
	G     []float64   `json:"g,omitempty"`
	Xs    [][]float64 `json:"xs,omitempty"`
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<30)
	out := json.NewEncoder(os.Stdout) // one JSON object per line, unbuffered
	read := func() (m msg) {
		if !in.Scan() {
			os.Exit(0) // verify closed our input: done
		}
		json.Unmarshal(in.Bytes(), &m)
		return m
	}
	for {
		p := read()
		x := append([]float64(nil), p.X0...)
		xs := [][]float64{append([]float64(nil), x...)}
		for _, eta := range p.Steps {
			out.Encode(msg{Type: "grad", ID: p.ID, X: x})
			g := read().G
			for i := range x {
				x[i] -= eta * g[i]
			}
			xs = append(xs, append([]float64(nil), x...))
		}
		out.Encode(msg{Type: "iterates", ID: p.ID, Xs: xs})
	}
}
