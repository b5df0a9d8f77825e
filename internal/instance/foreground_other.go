//go:build !windows

package instance

// allowForeground does nothing outside Windows, where the window manager
// decides whether a raised window takes the focus.
func allowForeground(int) {}
