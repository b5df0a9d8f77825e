//go:build windows || darwin

package keyring

// HasSessionBus is true where the keyring needs no D-Bus: the Windows
// Credential Manager and the macOS Keychain are always there.
func HasSessionBus() bool { return true }

// NoAutolaunch does nothing where Dialtone uses no D-Bus (Windows, macOS).
func NoAutolaunch() {}
