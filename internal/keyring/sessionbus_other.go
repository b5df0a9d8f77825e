//go:build windows || darwin

package keyring

// hasSessionBus is true where the keyring needs no D-Bus: the Windows
// Credential Manager and the macOS Keychain are always there.
func hasSessionBus() bool { return true }

// NoAutolaunch does nothing where Dialtone uses no D-Bus (Windows, macOS).
func NoAutolaunch() {}

// HasSessionBus is true where Dialtone needs no D-Bus.
func HasSessionBus() bool { return true }
