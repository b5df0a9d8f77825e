package dialer

import (
	"dialtone/internal/regularfile"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// HistoryLimit is how many numbers a History keeps.
const HistoryLimit = 20

// maxHistoryFile bounds how much of a history file is read; HistoryLimit numbers take well under 2 KiB.
const maxHistoryFile = 64 << 10

// CorruptHistoryError reports a history file that could not be read as a history. OpenHistory moves such a file
// aside to MovedTo, so that it can be inspected, and starts an empty history.
type CorruptHistoryError struct {
	Path    string // the history file
	MovedTo string // where the corrupt file now is; empty if moving it failed
	Err     error  // why the file is corrupt
}

// Error implements error.
func (e *CorruptHistoryError) Error() string {
	if e.MovedTo == "" {
		return fmt.Sprintf("dialer: the history file %s is corrupt and could not be moved aside: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("dialer: the history file %s is corrupt, moved it to %s: %v", e.Path, e.MovedTo, e.Err)
}

// Unwrap returns Err.
func (e *CorruptHistoryError) Unwrap() error { return e.Err }

// historyFile is the JSON layout of a history file.
type historyFile struct {
	Version int      `json:"version"`
	Numbers []string `json:"numbers"`
}

// History is the list of the last HistoryLimit numbers dialled, newest first and without duplicates, saved as
// JSON in one file. Its methods are safe for concurrent use.
type History struct {
	path string

	mu      sync.Mutex
	numbers []string
}

// OpenHistory reads the history saved at path; a missing file is an empty history. OpenHistory always returns a
// usable *History, so that a damaged file never stops the agent from dialling; the error says what went wrong.
// A file that is not a valid history is renamed to path + ".corrupt-" + a UTC timestamp and reported as a
// *CorruptHistoryError. Any other error (the file could not be read) leaves the file in place; the next Add
// then replaces it.
func OpenHistory(path string) (*History, error) {
	h := &History{path: path}
	numbers, err := readHistory(path)
	var corrupt *CorruptHistoryError
	if errors.As(err, &corrupt) {
		corrupt.MovedTo = setAside(path)
	}
	h.numbers = numbers
	return h, err
}

// Path returns the file the history is saved in.
func (h *History) Path() string { return h.path }

// Numbers returns the numbers dialled, newest first.
func (h *History) Numbers() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.numbers)
}

// Add puts number at the top of the history, removing an earlier copy of it and the oldest numbers beyond
// HistoryLimit, and saves the history. Numbers are compared as given, so store a canonical form such as
// Number.E164. If saving fails the history is still updated in memory and the error is returned.
func (h *History) Add(number string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	numbers := slices.DeleteFunc(slices.Clone(h.numbers), func(n string) bool { return n == number })
	numbers = slices.Insert(numbers, 0, number)
	h.numbers = numbers[:min(len(numbers), HistoryLimit)]
	return writeFileAtomic(h.path, h.numbers)
}

// readHistory returns the numbers saved at path, nil for a missing file, or a *CorruptHistoryError.
func readHistory(path string) ([]string, error) {
	f, err := regularfile.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, nil
	case errors.Is(err, regularfile.ErrNotRegular):
		return nil, &CorruptHistoryError{Path: path, Err: err} // set aside, never waited on
	case err != nil:
		return nil, fmt.Errorf("dialer: could not read the history: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxHistoryFile+1))
	if err != nil {
		return nil, fmt.Errorf("dialer: could not read the history: %w", err)
	}
	numbers, err := decodeHistory(data)
	if err != nil {
		return nil, &CorruptHistoryError{Path: path, Err: err}
	}
	return numbers, nil
}

func decodeHistory(data []byte) ([]string, error) {
	if len(data) > maxHistoryFile {
		return nil, fmt.Errorf("the file is larger than %d bytes", maxHistoryFile)
	}
	var file historyFile
	if err := json.Unmarshal(data, &file); err != nil {
		return nil, err
	}
	if file.Version != 1 {
		return nil, fmt.Errorf("unknown version %d", file.Version)
	}
	for _, n := range file.Numbers {
		if err := checkDialable(n); err != nil {
			return nil, err
		}
	}
	return file.Numbers[:min(len(file.Numbers), HistoryLimit)], nil
}

// checkDialable reports an entry that an Input would not hold.
func checkDialable(n string) error {
	var in Input
	if err := in.Set(n); err != nil || in.String() != n || n == "" {
		return fmt.Errorf("%q is not a dialable number", n)
	}
	return nil
}

// setAside renames a corrupt history file and returns its new name, or "" if it could not be renamed.
func setAside(path string) string {
	to := path + ".corrupt-" + time.Now().UTC().Format("20060102T150405Z")
	if err := os.Rename(path, to); err != nil {
		return ""
	}
	return to
}

// writeFileAtomic saves numbers to path so that a crash leaves either the old or the new file: it writes a
// temporary file in the same directory with mode 0600, syncs it to disk and renames it over path.
func writeFileAtomic(path string, numbers []string) error {
	data, err := json.MarshalIndent(historyFile{Version: 1, Numbers: numbers}, "", "  ")
	if err != nil {
		return fmt.Errorf("dialer: could not encode the history: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("dialer: could not save the history: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("dialer: could not save the history: %w", err)
	}
	if err := writeAndSync(tmp, data); err != nil {
		_ = os.Remove(tmp.Name()) // best effort: the write already failed and that is the error to report
		return fmt.Errorf("dialer: could not save the history: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name()) // best effort, as above
		return fmt.Errorf("dialer: could not save the history: %w", err)
	}
	return nil
}

// writeAndSync writes data to f, restricts it to its owner, flushes it to disk and closes it.
func writeAndSync(f *os.File, data []byte) error {
	_, err := f.Write(append(data, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
