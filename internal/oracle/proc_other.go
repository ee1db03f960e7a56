//go:build !unix

package oracle

import "os/exec"

// setProcessGroup does nothing where process groups are not available: only the child
// itself is killed.
func setProcessGroup(cmd *exec.Cmd) {}

func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = cmd.Process.Kill()
	}
}
