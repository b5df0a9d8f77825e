package platform

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"dialtone/internal/regularfile"
)

// appFolder is the name of Dialtone's folders: capitalised where the
// system's own folders are (Windows, macOS), lower case on Linux and BSD.
func appFolder() string {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return "Dialtone"
	}
	return "dialtone"
}

// ConfigDir is the folder for Dialtone's settings and session metadata:
// %AppData%\Dialtone on Windows, $XDG_CONFIG_HOME/dialtone (default
// ~/.config/dialtone) on Linux, ~/Library/Application Support/Dialtone on
// macOS. It is not created.
func ConfigDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("platform: no config folder: %w", err)
	}
	return filepath.Join(base, appFolder()), nil
}

// LogDir is the folder for Dialtone's log files: %LocalAppData%\Dialtone\logs
// on Windows (machine-bound, not roaming), the user cache folder's
// dialtone/logs elsewhere ($XDG_CACHE_HOME or ~/.cache on Linux,
// ~/Library/Caches on macOS). It is not created.
func LogDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("platform: no log folder: %w", err)
	}
	return filepath.Join(base, appFolder(), "logs"), nil
}

// DirectoryValue is the name of the registry value that holds the provider
// directory's URL on Windows (see DirectoryURL); the installer's
// DIRECTORYURL property writes it.
const DirectoryValue = "DirectoryURL"

// LogName is the name of the log file in LogDir.
const LogName = "dialtone.log"

// maxLogSize is the size over which OpenLog starts a new log file.
const maxLogSize = 4 << 20

// OpenLog opens LogDir's dialtone.log for appending, creating the folder
// (0700) and the file (0600). When the file is over 4 MB it is first
// renamed to dialtone.log.1, replacing the previous one, so the logs never
// take more than about 8 MB. The caller closes it. Wrap the handler that
// writes to it in auth's redacting handler: a log must never hold a token.
func OpenLog() (*os.File, error) {
	dir, err := LogDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("platform: could not create the log folder: %w", err)
	}
	path := filepath.Join(dir, LogName)
	if fi, err := os.Stat(path); err == nil && fi.Size() > maxLogSize {
		if err := os.Rename(path, path+".1"); err != nil {
			return nil, fmt.Errorf("platform: could not start a new log: %w", err)
		}
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("platform: could not open the log: %w", err)
	}
	f, err := regularfile.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, regularfile.ErrNotRegular) {
		f, err = replaceLog(path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("platform: could not open the log: %w", err)
	}
	return f, nil
}

// replaceLog moves what stands at path instead of a log file (a FIFO,
// whose open would wait for a reader, a folder) aside to
// path.corrupt-TIME, and starts a new log that says so first.
func replaceLog(path string, why error) (*os.File, error) {
	aside := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405.000Z")
	if err := os.Rename(path, aside); err != nil {
		return nil, errors.Join(why, err)
	}
	f, err := regularfile.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "time=%s level=WARN msg=%q aside=%q\n", time.Now().Format(time.RFC3339Nano),
		"the log was not a file ("+why.Error()+"); it was moved aside and a new log started", aside)
	return f, nil
}
