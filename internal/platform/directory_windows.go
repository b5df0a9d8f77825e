//go:build windows

package platform

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// regKey is one place in the registry DirectoryURL looks.
type regKey struct {
	root registry.Key
	path string
}

func (k regKey) String() string {
	root := `HKCU`
	if k.root == registry.LOCAL_MACHINE {
		root = `HKLM`
	}
	return root + `\` + k.path
}

// directoryKeys are where DirectoryURL looks, in order: machine policy
// (what a per-machine install with DIRECTORYURL writes, and what Group
// Policy may manage), user policy, then the user's own setting (what a
// per-user install writes).
var directoryKeys = []regKey{
	{registry.LOCAL_MACHINE, `SOFTWARE\Policies\Dialtone`},
	{registry.CURRENT_USER, `SOFTWARE\Policies\Dialtone`},
	{registry.CURRENT_USER, `SOFTWARE\Dialtone`},
}

// DirectoryURL returns the provider directory's URL the admin set at
// install time (msiexec … DIRECTORYURL=https://…), or "" when none is set.
// On Windows it reads the string value DirectoryURL from, in order,
// HKLM\SOFTWARE\Policies\Dialtone, HKCU\SOFTWARE\Policies\Dialtone and
// HKCU\SOFTWARE\Dialtone; the first non-empty one wins. A value that is
// not a string is an error naming the key. Elsewhere it returns "".
// The caller checks the URL as it checks any directory URL.
func DirectoryURL() (string, error) {
	return directoryURLFrom(directoryKeys)
}

func directoryURLFrom(keys []regKey) (string, error) {
	for _, k := range keys {
		v, err := readString(k)
		if err != nil {
			return "", fmt.Errorf("platform: could not read %s\\%s: %w", k, DirectoryValue, err)
		}
		if v != "" {
			return v, nil
		}
	}
	return "", nil
}

// readString reads k's DirectoryURL; a missing key or value is "".
func readString(k regKey) (string, error) {
	key, err := registry.OpenKey(k.root, k.path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer key.Close()
	v, _, err := key.GetStringValue(DirectoryValue)
	if errors.Is(err, registry.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(v), err
}
