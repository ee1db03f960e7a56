//go:build unix

package oracle

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the child in a process group of its own, so that killing the group
// also kills whatever the child started (a shell script's subprocesses, a Python pool).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the child's process group, then the child itself (in case it left
// the group).
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
