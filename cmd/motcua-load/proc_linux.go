package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill a started hub or bound when the load
// tool dies, so no process outlives an interrupted comparison.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
