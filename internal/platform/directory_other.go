//go:build !windows

package platform

// DirectoryURL returns the provider directory's URL the admin set at
// install time. Only the Windows installer records one (see the Windows
// version); elsewhere it returns "" and the caller uses its own
// configuration (DIALTONE_DIRECTORY).
func DirectoryURL() (string, error) { return "", nil }
