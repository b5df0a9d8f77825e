package dialer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func TestHistoryAdd(t *testing.T) {
	tests := []struct {
		name  string
		start []string
		add   string
		want  []string
	}{
		{name: "first", add: "+61412345678", want: []string{"+61412345678"}},
		{name: "newest first", start: []string{"+1"}, add: "+2", want: []string{"+2", "+1"}},
		{name: "duplicate moves to the top", start: []string{"+1", "+2", "+3"}, add: "+3", want: []string{"+3", "+1", "+2"}},
		{name: "already on top", start: []string{"+1", "+2"}, add: "+1", want: []string{"+1", "+2"}},
		{name: "oldest dropped", start: numbers(HistoryLimit), add: "+61499999999", want: append([]string{"+61499999999"}, numbers(HistoryLimit-1)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "dialtone", "history.json")
			h := openEmpty(t, path)
			for _, n := range slices.Backward(tt.start) {
				addOrFail(t, h, n)
			}
			addOrFail(t, h, tt.add)
			if got := h.Numbers(); !slices.Equal(got, tt.want) {
				t.Errorf("Numbers() = %q, want %q", got, tt.want)
			}
			reopened := openEmpty(t, path)
			if got := reopened.Numbers(); !slices.Equal(got, tt.want) {
				t.Errorf("after reopening, Numbers() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHistoryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "history.json")
	h := openEmpty(t, path)
	addOrFail(t, h, "+61412345678")
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm() != 0o600 {
		t.Errorf("history file mode = %v, want 0600", info.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files after Add, want only the history (no temporary files left)", len(entries))
	}
	if h.Path() != path {
		t.Errorf("Path() = %q, want %q", h.Path(), path)
	}
}

func TestOpenHistoryCorrupt(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "not JSON", content: "{\"numbers\": [\"+614"},
		{name: "wrong version", content: `{"version": 7, "numbers": ["+61412345678"]}`},
		{name: "not a number", content: `{"version": 1, "numbers": ["call me"]}`},
		{name: "empty entry", content: `{"version": 1, "numbers": [""]}`},
		{name: "wrong type", content: `{"version": 1, "numbers": "+61412345678"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "history.json")
			writeFile(t, path, tt.content)
			h, err := OpenHistory(path)
			var corrupt *CorruptHistoryError
			if !errors.As(err, &corrupt) {
				t.Fatalf("OpenHistory error = %v, want a *CorruptHistoryError", err)
			}
			if h == nil || len(h.Numbers()) != 0 {
				t.Fatalf("OpenHistory of a corrupt file returned %v, want an empty, usable history", h)
			}
			moved, err := os.ReadFile(corrupt.MovedTo)
			if err != nil || string(moved) != tt.content {
				t.Errorf("the corrupt file at MovedTo %q holds %q (%v), want the original content", corrupt.MovedTo, moved, err)
			}
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the corrupt file is still at %s (stat error %v)", path, err)
			}
			addOrFail(t, h, "+61412345678")
		})
	}
}

func TestOpenHistoryTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.json")
	writeFile(t, path, fmt.Sprintf(`{"version": 1, "numbers": [], "pad": "%0*d"}`, maxHistoryFile, 0))
	_, err := OpenHistory(path)
	var corrupt *CorruptHistoryError
	if !errors.As(err, &corrupt) {
		t.Fatalf("OpenHistory of an oversized file: error = %v, want a *CorruptHistoryError", err)
	}
}

func TestOpenHistoryKeepsLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.json")
	list, err := json.Marshal(numbers(HistoryLimit + 5))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, fmt.Sprintf(`{"version": 1, "numbers": %s}`, list))
	h := openEmpty(t, path)
	if got := len(h.Numbers()); got != HistoryLimit {
		t.Errorf("len(Numbers()) = %d, want %d", got, HistoryLimit)
	}
}

func TestHistoryAddSaveFails(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	writeFile(t, blocker, "")
	h, err := OpenHistory(filepath.Join(blocker, "history.json")) // a file where the directory should be
	var corrupt *CorruptHistoryError
	if err == nil || errors.As(err, &corrupt) {
		t.Fatalf("OpenHistory under a regular file: error = %v, want a read error", err)
	}
	if err := h.Add("+61412345678"); err == nil {
		t.Fatal("Add into a path under a regular file succeeded, want an error")
	}
	if got := h.Numbers(); !slices.Equal(got, []string{"+61412345678"}) {
		t.Errorf("after a failed save, Numbers() = %q, want the number kept in memory", got)
	}
}

func numbers(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("+6140000%04d", i)
	}
	return out
}

func openEmpty(t *testing.T, path string) *History {
	t.Helper()
	h, err := OpenHistory(path)
	if err != nil {
		t.Fatalf("OpenHistory(%q): %v", path, err)
	}
	return h
}

func addOrFail(t *testing.T, h *History, n string) {
	t.Helper()
	if err := h.Add(n); err != nil {
		t.Fatalf("Add(%q): %v", n, err)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
