// Command gdchild is a GD optimiser speaking verify's oracle protocol (version 1), with
// deliberate faults selected by its first argument, for the tests of internal/oracle and of
// `verify run --algorithm-cmd`:
//
//	correct     gradient descent θ_{t+1} = θ_t − η_t ∇f(θ_t)
//	values      correct, and asks f(θ_t) at every step too
//	next-step   uses η_{t+1} for step t (and η_0 for the last): an off-by-one bug
//	short       stops one step early and returns T iterates
//	garbage     prints a line that is not JSON
//	sleep       reads the problem and never answers
//	crash       writes to stderr and exits with status 3
//	wrong-dim   asks for a gradient at a point of dimension d+1
//	huge        sends a number beyond float64's range
//	wrong-id    answers with another problem's id
//	unknown     sends a message of an unknown type
//	refuse      gives the problem up with an error message
//	chatty      asks for gradients forever
//	grandchild  starts a grandchild that sleeps (writing its pid to $GDCHILD_PIDFILE) and sleeps
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

type problem struct {
	Type    string    `json:"type"`
	Version int       `json:"version"`
	ID      int64     `json:"id"`
	X0      []float64 `json:"x0"`
	Steps   []float64 `json:"steps"`
}

type reply struct {
	G []float64 `json:"g"`
	F float64   `json:"f"`
}

var (
	in  = bufio.NewScanner(os.Stdin)
	out = bufio.NewWriter(os.Stdout)
)

func send(msg any) {
	b, err := json.Marshal(msg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gdchild:", err)
		os.Exit(1)
	}
	out.Write(append(b, '\n'))
	out.Flush()
}

func receive(v any) bool {
	if !in.Scan() {
		return false
	}
	if err := json.Unmarshal(in.Bytes(), v); err != nil {
		fmt.Fprintln(os.Stderr, "gdchild:", err)
		os.Exit(1)
	}
	return true
}

func ask(typ string, id int64, x []float64) reply {
	send(map[string]any{"type": typ, "id": id, "x": x})
	var r reply
	if !receive(&r) {
		os.Exit(0)
	}
	return r
}

func main() {
	mode := "correct"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode == "sleep-forever" { // the grandchild
		time.Sleep(time.Hour)
		return
	}
	in.Buffer(make([]byte, 1<<20), 1<<30)
	fmt.Fprintln(os.Stderr, "gdchild: started in mode", mode)
	for {
		var p problem
		if !receive(&p) {
			return // verify closed our input: done
		}
		if p.Version != 1 {
			send(map[string]any{"type": "error", "id": p.ID, "message": "unsupported version " + strconv.Itoa(p.Version)})
			continue
		}
		serve(mode, p)
	}
}

func serve(mode string, p problem) {
	T := len(p.Steps)
	switch mode {
	case "garbage":
		fmt.Fprintln(out, "hello, I am not JSON")
		out.Flush()
		return
	case "sleep":
		time.Sleep(time.Hour)
	case "crash":
		fmt.Fprintln(os.Stderr, "gdchild: fatal: index out of range [3] with length 3")
		os.Exit(3)
	case "wrong-dim":
		ask("grad", p.ID, append(append([]float64(nil), p.X0...), 0))
	case "huge":
		fmt.Fprintf(out, `{"type":"grad","id":%d,"x":[1e999%s]}`+"\n", p.ID, repeat(",0", len(p.X0)-1))
		out.Flush()
		return
	case "wrong-id":
		ask("grad", p.ID+1000, p.X0)
	case "unknown":
		send(map[string]any{"type": "hessian", "id": p.ID, "x": p.X0})
		return
	case "refuse":
		send(map[string]any{"type": "error", "id": p.ID, "message": "I only do Adam"})
		return
	case "chatty":
		for {
			ask("grad", p.ID, p.X0)
		}
	case "grandchild":
		self, _ := os.Executable()
		gc := exec.Command(self, "sleep-forever")
		gc.Stderr = os.Stderr // holds our stderr open, as a careless subprocess would
		if err := gc.Start(); err != nil {
			fmt.Fprintln(os.Stderr, "gdchild:", err)
			os.Exit(1)
		}
		if f := os.Getenv("GDCHILD_PIDFILE"); f != "" {
			os.WriteFile(f, []byte(strconv.Itoa(gc.Process.Pid)), 0o644)
		}
		time.Sleep(time.Hour)
	}
	steps := p.Steps
	if mode == "next-step" {
		steps = make([]float64, T)
		for t := range steps {
			steps[t] = p.Steps[(t+1)%T]
		}
	}
	if mode == "short" {
		steps = steps[:max(T-1, 0)]
	}
	x := append([]float64(nil), p.X0...)
	xs := [][]float64{append([]float64(nil), x...)}
	for _, eta := range steps {
		if mode == "values" {
			ask("value", p.ID, x)
		}
		g := ask("grad", p.ID, x).G
		for i := range x {
			x[i] -= eta * g[i]
		}
		xs = append(xs, append([]float64(nil), x...))
	}
	send(map[string]any{"type": "iterates", "id": p.ID, "xs": xs})
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
