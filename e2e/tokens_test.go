package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// seen holds every refresh token the suite read from the keyring, with
// whose it was, for the token scan.
var seen = &tokens{m: map[string]string{}}

type tokens struct {
	mu sync.Mutex
	m  map[string]string // token → whose
}

func (s *tokens) add(token, whose string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[token] = whose
}

func (s *tokens) all() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[string]string, len(s.m))
	for k, v := range s.m {
		m[k] = v
	}
	return m
}

// keyringKeys returns the keys (go-keyring's "username" attribute) of the
// items secret-tool finds under Dialtone's service name. secret-tool prints
// the attributes on stderr and the secrets on stdout, which is discarded.
func keyringKeys(t *testing.T) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "secret-tool", "search", "--all", "service", "dialtone")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("secret-tool search: %v", err)
	}
	keys := map[string]bool{}
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		if key, ok := strings.CutPrefix(sc.Text(), "attribute.username = "); ok {
			keys[key] = true
		}
	}
	return keys
}

// jwtShaped matches anything that looks like a JWT (a JWS compact
// serialisation with a JSON header).
var jwtShaped = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)

// maxScanned is the largest file the scan reads.
const maxScanned = 32 << 20

// scanForTokens runs scan with every refresh token the suite saw, prints a
// summary and every finding, and reports whether it found none.
func scanForTokens(suiteDir, systemTmp string, since time.Time) bool {
	refresh := seen.all()
	findings, suiteFiles, otherFiles := scan(suiteDir, systemTmp, since, refresh)
	fmt.Fprintf(os.Stderr, "e2e: token scan: %d refresh tokens seen in the keyring; checked %d files of the suite (config folders, logs) for them and for JWTs, and %d other files in %s changed since the start for them: ",
		len(refresh), suiteFiles, otherFiles, systemTmp)
	if len(findings) == 0 {
		fmt.Fprintln(os.Stderr, "none found")
		return true
	}
	fmt.Fprintf(os.Stderr, "FAIL, %d found:\n  %s\n", len(findings), strings.Join(findings, "\n  "))
	return false
}

// scan looks for tokens where none may be: no file in suiteDir (config
// folders, Fyne's and Chromium's folders, the logs of every process) may
// hold one of the refresh tokens (token → whose) or anything JWT-shaped, and
// no other file in systemTmp that changed after since may hold one of the
// refresh tokens. It returns what it found and how many files it read.
func scan(suiteDir, systemTmp string, since time.Time, refresh map[string]string) (findings []string, suiteFiles, otherFiles int) {
	check := func(path string, data []byte, jwts bool) {
		for token, whose := range refresh {
			if bytes.Contains(data, []byte(token)) {
				findings = append(findings, fmt.Sprintf("%s holds the refresh token of %s", path, whose))
			}
		}
		if jwts && jwtShaped.Match(data) {
			findings = append(findings, fmt.Sprintf("%s holds something JWT-shaped", path))
		}
	}
	walkFiles(suiteDir, "", time.Time{}, func(path string, data []byte) {
		suiteFiles++
		check(path, data, true)
	})
	walkFiles(systemTmp, suiteDir, since, func(path string, data []byte) {
		otherFiles++
		check(path, data, false)
	})
	return findings, suiteFiles, otherFiles
}

// walkFiles calls f with the content of every regular file under root,
// outside skip, that changed after since, is readable, at most maxScanned
// bytes, and not a program or an archive (the built binaries, go build's
// work files).
func walkFiles(root, skip string, since time.Time, f func(path string, data []byte)) {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case d != nil && d.IsDir() && path == skip:
			return filepath.SkipDir
		case err != nil || !d.Type().IsRegular():
			return nil // unreadable folders and special files hold nothing of ours
		}
		info, err := d.Info()
		if err != nil || info.Size() > maxScanned || info.ModTime().Before(since) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil || bytes.HasPrefix(data, []byte("\x7fELF")) || bytes.HasPrefix(data, []byte("!<arch>\n")) {
			return nil
		}
		f(path, data)
		return nil
	})
}
