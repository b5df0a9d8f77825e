package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestScanFindsPlantedTokens(t *testing.T) {
	system := t.TempDir()
	suiteDir := filepath.Join(system, "suite")
	const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZ2VudC0xIn0.c2lnbmF0dXJl"
	files := map[string]string{
		"suite/logs/app.stderr":         "level=DEBUG msg=\"signed in\" id_token=" + jwt,
		"suite/config/session.json":     `{"refresh":"rt-secret-1"}`,
		"suite/config/clean.json":       `{"email":"agent@acme.test"}`,
		"other/left-behind.txt":         "rt-secret-1",
		"other/someone-elses-jwt.txt":   jwt, // outside the suite, only refresh tokens count
		"suite/bin/dialtone":            "\x7fELF rt-secret-1",
		"other/older-than-the-suite.db": "rt-secret-1",
	}
	for name, content := range files {
		path := filepath.Join(system, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	since := time.Now().Add(-time.Minute)
	old := since.Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(system, "other/older-than-the-suite.db"), old, old); err != nil {
		t.Fatal(err)
	}

	findings, suiteFiles, otherFiles := scan(suiteDir, system, since, map[string]string{"rt-secret-1": "agent"})
	want := []string{
		filepath.Join(system, "other/left-behind.txt") + " holds the refresh token of agent",
		filepath.Join(suiteDir, "config/session.json") + " holds the refresh token of agent",
		filepath.Join(suiteDir, "logs/app.stderr") + " holds something JWT-shaped",
	}
	slices.Sort(findings)
	slices.Sort(want)
	if !slices.Equal(findings, want) {
		t.Errorf("findings:\n%q\nwant:\n%q", findings, want)
	}
	if suiteFiles != 3 || otherFiles != 2 {
		t.Errorf("read %d suite files and %d others, want 3 and 2", suiteFiles, otherFiles)
	}
}

func TestScreenOf(t *testing.T) {
	tests := []struct {
		line, want string
		ok         bool
	}{
		{"time=2026-11-23T04:15:16.204Z level=DEBUG msg=screen name=dialer/online", "dialer/online", true},
		{`time=x level=DEBUG msg=screen name="dialer online" extra=1`, "dialer online", true},
		{`time=x level=DEBUG msg="signed in" issuer=http://127.0.0.1:1`, "", false},
	}
	for _, tt := range tests {
		got, ok := screenOf(tt.line)
		if got != tt.want || ok != tt.ok {
			t.Errorf("screenOf(%q) = %q, %v; want %q, %v", tt.line, got, ok, tt.want, tt.ok)
		}
	}
}
