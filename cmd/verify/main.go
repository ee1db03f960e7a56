// Command verify checks theorems about first-order optimisation on randomised instances and
// prints violation tables. Run `verify help` for usage.
package main

import (
	"os"
)

func main() {
	os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
}
