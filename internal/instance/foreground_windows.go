//go:build windows

package instance

import "golang.org/x/sys/windows"

var allowSetForegroundWindow = windows.NewLazySystemDLL("user32.dll").NewProc("AllowSetForegroundWindow")

// allowForeground lets the running instance (process pid) bring its
// window to the front. Windows lets only the foreground process do that,
// and the launch — just started by the agent's click — is it; without this
// the running window would only flash in the taskbar.
func allowForeground(pid int) {
	if allowSetForegroundWindow.Find() == nil {
		allowSetForegroundWindow.Call(uintptr(pid))
	}
}
