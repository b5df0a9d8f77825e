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
	"dialtone/dialer"
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
	{"dialer.ErrNoLine", dialer.ErrNoLine, NoLine},
	{"dialer.ErrNoLine", fmt.Errorf("%w: the directory names none", dialer.ErrNoLine), NoLine},
	// The dialer's input errors never reach Describe: the dialer screen
	// says each in its own words as the agent types (ui/dialermessages.go).
	{"dialer.ErrFull", dialer.ErrFull, Unknown},
	{"dialer.ErrPlusNotFirst", dialer.ErrPlusNotFirst, Unknown},
	{"dialer.CharError", &dialer.CharError{Char: 'x'}, Unknown},
	{"dialer.ErrEmpty", dialer.ErrEmpty, Unknown},
	{"dialer.ErrTooShort", dialer.ErrTooShort, Unknown},
	{"dialer.ErrTooLong", dialer.ErrTooLong, Unknown},
	{"dialer.ErrCountryCode", dialer.ErrCountryCode, Unknown},
	{"dialer.ErrInvalidForRegion", dialer.ErrInvalidForRegion, Unknown},
	{"dialer.ErrServiceCode", dialer.ErrServiceCode, Unknown},
	{"dialer.NumberError", &dialer.NumberError{Input: "12", Region: "AU", Err: dialer.ErrTooShort}, Unknown},
	{"dialer.CorruptHistoryError", &dialer.CorruptHistoryError{Path: "/home/a/.config/dialtone/history.json", Err: errors.New("bad")}, Unknown},
	{"line.ErrRefused", line.ErrRefused, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonForbidden, Status: 403, Phrase: "Forbidden"}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonTokenRefused, Status: 401, Phrase: "Unauthorized"}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonWrongAuthzServer, AuthzServer: "https://other.test"}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonNoBearerChallenge, Status: 401}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonRedirect, Status: 302}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonBadResponse, Status: 200}, LineRefused},
	{"line.RefusedError", &line.RefusedError{Reason: line.ReasonRejected, Status: 404, Phrase: "Not Found"}, LineRefused},
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
	for pkg, dir := range map[string]string{"auth": "../../auth", "idp": "../idp", "keyring": "../keyring", "session": "../session", "directory": "../directory", "problem": ".", "regularfile": "../regularfile", "line": "../line", "sipaddr": "../sipaddr", "dialer": "../../dialer"} {
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

// TestEveryKindIsBrief checks that every example has a few words for a
// status line, and that each reason a line is refused has words of its
// own: the presence dot says "Line refused — …" with them.
func TestEveryKindIsBrief(t *testing.T) {
	for _, v := range vocabulary {
		if v.want == Unknown {
			continue
		}
		if b := Brief(v.err); b == "" || b == "unexpected error" || len(b) > 40 {
			t.Errorf("Brief(%s) = %q, want a few words", v.name, b)
		}
	}
	seen := map[string]line.Reason{}
	for _, r := range []line.Reason{line.ReasonForbidden, line.ReasonTokenRefused, line.ReasonWrongAuthzServer,
		line.ReasonNoBearerChallenge, line.ReasonRedirect, line.ReasonBadResponse, line.ReasonRejected} {
		b := Brief(&line.RefusedError{Reason: r})
		if other, dup := seen[b]; dup || b == "refused" {
			t.Errorf("Brief of the reason %s = %q, the same as %q's: want words of its own", r, b, other)
		}
		seen[b] = r
	}
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{&line.RefusedError{Reason: line.ReasonForbidden, Status: 403}, "forbidden"},
		{&line.RefusedError{Reason: line.ReasonSignInRequired, Err: line.ErrSignInRequired}, "sign in again"},
		{&line.RefusedError{Reason: "something new"}, "refused"},
		{&sipaddr.ConfigError{Field: "line.registrar"}, "not set up correctly"},
		{errors.New("boom"), "unexpected error"},
	}
	for _, tt := range tests {
		if got := Brief(tt.err); got != tt.want {
			t.Errorf("Brief(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestChoiceNamesTheProviders: the sentence for a provider to choose lists
// the IDs the command line's --provider takes.
func TestChoiceNamesTheProviders(t *testing.T) {
	offered := []idp.Provider{{ID: "okta", Name: "Acme Okta"}, {ID: "google", Name: "google"}}
	tests := []struct {
		err  error
		want string
	}{
		{&idp.ChoiceError{Offered: offered}, "Your account offers several providers to sign in with: okta, google. Choose one."},
		{&idp.ChoiceError{ID: "azure", Offered: offered}, `Your account does not offer the provider "azure". Choose one of: okta, google.`},
	}
	for _, tt := range tests {
		if got := Describe(tt.err); got != tt.want {
			t.Errorf("Describe(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
