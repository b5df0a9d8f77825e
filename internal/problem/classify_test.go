package problem

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"dialtone/auth"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/line"
	"dialtone/internal/regularfile"
	"dialtone/internal/session"
	"dialtone/internal/sipaddr"
)

// vocabulary is every error type and sentinel the packages below export,
// with an example and the kind it must be. TestEveryErrorIsClassified
// fails when a package exports an error that is missing here, so a new
// error cannot slip past the exit codes and the problem screens.
var vocabulary = []struct {
	name string // package.Name, as exported
	err  error
	want Kind
}{
	{"auth.ErrCancelled", fmt.Errorf("%w: %w", auth.ErrCancelled, context.Canceled), Cancelled},
	{"auth.ErrTimeout", auth.ErrTimeout, TimedOut},
	{"auth.ProviderError", &auth.ProviderError{Code: "unauthorized_client"}, Refused},
	{"auth.ProviderError", &auth.ProviderError{Code: "access_denied"}, Declined},
	{"auth.ProviderError", &auth.ProviderError{Code: "temporarily_unavailable"}, Unreachable},
	{"auth.VerificationError", &auth.VerificationError{Check: "nonce", Err: errors.New("mismatch")}, Untrusted},
	{"auth.EmailError", &auth.EmailError{Problem: auth.EmailMismatch, Typed: "a@acme.test", Got: "b@acme.test"}, WrongAccount},
	{"auth.EmailError", &auth.EmailError{Problem: auth.EmailUnverified, Got: "a@acme.test"}, EmailUnconfirmed},
	{"auth.EmailError", &auth.EmailError{Problem: auth.EmailMissing, Claim: "email"}, EmailUnconfirmed},
	{"auth.PortInUseError", &auth.PortInUseError{Addr: "127.0.0.1:8400", Err: errors.New("in use")}, Local},
	{"idp.ConfigError", &idp.ConfigError{Field: "issuer", Problem: "no discovery document"}, Misconfigured},
	{"idp.NetworkError", &idp.NetworkError{Op: "ask the provider directory", URL: "https://dir.test", Err: errors.New("stalled")}, Unreachable},
	{"idp.StatusError", fmt.Errorf("%w", &idp.StatusError{Op: "x", Status: "418"}), Unknown},
	{"idp.InvalidEmailError", &idp.InvalidEmailError{Email: "agent", Problem: "it has no @"}, Usage},
	{"idp.NoProviderError", &idp.NoProviderError{Email: "a@initech.test"}, NoSSO},
	{"idp.ChoiceError", &idp.ChoiceError{Offered: []idp.Provider{{ID: "a"}, {ID: "b"}}}, Usage},
	{"idp.ErrTooLarge", idp.ErrTooLarge, Unknown},
	{"regularfile.ErrNotRegular", fmt.Errorf("%w: /tmp/p is a named pipe", regularfile.ErrNotRegular), Local},
	{"keyring.Error", &keyring.Error{Op: "read", Problem: keyring.Locked, Err: errors.New("locked")}, Keyring},
	{"keyring.ErrUnavailable", keyring.ErrUnavailable, Keyring},
	{"keyring.ErrNoSecret", fmt.Errorf("%w: %w", session.ErrLoginRequired, keyring.ErrNoSecret), SignInRequired},
	{"session.ErrLoginRequired", fmt.Errorf("%w: %w", session.ErrLoginRequired, &auth.ProviderError{Code: "invalid_grant"}), SignInRequired},
	{"session.ErrLoginRequired", fmt.Errorf("%w: %w", session.ErrLoginRequired, &keyring.Error{Op: "read", Problem: keyring.NoSession}), Keyring},
	{"session.ErrOffline", fmt.Errorf("%w: %w", session.ErrOffline, &idp.NetworkError{Op: "renew", Err: errors.New("refused")}), Unreachable},
	{"session.CorruptError", &session.CorruptError{Path: "/home/a/.config/dialtone/session.json", Err: errors.New("bad")}, Local},
	{"problem.UsageError", &UsageError{Msg: "--email is required"}, Usage},
	{"problem.ErrNoLine", ErrNoLine, NoLine},
	{"line.ErrRefused", line.ErrRefused, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonForbidden, Status: 403, Phrase: "Forbidden"}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonSignInRequired, Err: line.ErrSignInRequired}, SignInRequired},
	{"line.ErrUnreachable", line.ErrUnreachable, Unreachable},
	{"line.UnreachableError", &line.UnreachableError{Op: "register", Err: errors.New("connection refused")}, Unreachable},
	{"line.ErrSignInRequired", line.ErrSignInRequired, SignInRequired},
	{"sipaddr.ConfigError", &sipaddr.ConfigError{Field: "line.registrar", Value: "sip:pbx.test", Problem: "must use TLS"}, Misconfigured},
	{"fs.PathError", &fs.PathError{Op: "open", Path: "/ro/session.lock", Err: fs.ErrPermission}, Local},
	{"context.DeadlineExceeded", context.DeadlineExceeded, Cancelled},
}

func TestClassify(t *testing.T) {
	for _, v := range vocabulary {
		t.Run(v.name, func(t *testing.T) {
			if got := Classify(v.err); got != v.want {
				t.Errorf("Classify(%v) = %s, want %s", v.err, got, v.want)
			}
			if got := Classify(fmt.Errorf("wrapped: %w", v.err)); got != v.want {
				t.Errorf("Classify of the wrapped error = %s, want %s", got, v.want)
			}
		})
	}
}

// TestEveryErrorIsClassified reads the sources of every package whose
// errors reach the agent and checks that each exported error type and
// sentinel has a row in vocabulary.
func TestEveryErrorIsClassified(t *testing.T) {
	named := map[string]bool{}
	for _, v := range vocabulary {
		named[v.name] = true
	}
	for pkg, dir := range map[string]string{"auth": "../../auth", "idp": "../idp", "keyring": "../keyring", "session": "../session", "directory": "../directory", "problem": ".", "regularfile": "../regularfile", "line": "../line", "sipaddr": "../sipaddr"} {
		for _, name := range exportedErrors(t, dir) {
			if !named[pkg+"."+name] {
				t.Errorf("%s.%s is not in the vocabulary: classify it and add a row", pkg, name)
			}
		}
	}
}

// exportedErrors lists the exported types named …Error and variables named
// Err… declared in dir's non-test files.
func exportedErrors(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			names = append(names, errorNames(d)...)
		}
	}
	if len(names) == 0 && dir != "../directory" {
		t.Fatalf("found no errors in %s: is the path right?", dir)
	}
	return names
}

func errorNames(d ast.Decl) []string {
	g, ok := d.(*ast.GenDecl)
	if !ok {
		return nil
	}
	var names []string
	for _, spec := range g.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.IsExported() && strings.HasSuffix(s.Name.Name, "Error") {
				names = append(names, s.Name.Name)
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
					names = append(names, n.Name)
				}
			}
		}
	}
	return names
}

// TestExitCodesAreDocumented checks that every kind's exit code is a row of
// the README's exit-code table.
func TestExitCodesAreDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var documented []int
	for _, m := range regexp.MustCompile(`(?m)^\| ([0-9]) \|`).FindAllStringSubmatch(string(readme), -1) {
		n, _ := strconv.Atoi(m[1])
		documented = append(documented, n)
	}
	for _, k := range Kinds() {
		if !slices.Contains(documented, k.ExitCode()) {
			t.Errorf("kind %s exits %d, which the README's exit-code table does not list (it lists %v)", k, k.ExitCode(), documented)
		}
	}
}

// TestEveryKindSpeaks checks that every example gets a sentence of its
// own, and every kind a title.
func TestEveryKindSpeaks(t *testing.T) {
	for _, v := range vocabulary {
		if v.want == Unknown {
			continue
		}
		if d := Describe(v.err); d == "" || strings.HasPrefix(d, "Sign-in failed:") {
			t.Errorf("Describe(%s) = %q, want a sentence for the agent", v.name, d)
		}
	}
	for _, k := range Kinds() {
		if k != Unknown && k.Title() == "Sign-in failed" {
			t.Errorf("kind %s has no title of its own", k)
		}
	}
}
