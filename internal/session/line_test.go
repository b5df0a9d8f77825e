package session

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/internal/sipaddr"
)

var acmeLine = &sipaddr.Config{Registrar: "sips:pbx.acme.test", Resource: "https://pbx.acme.test"}

// TestLineIsKeptAndAskedFor: the line of the provider list is stored with
// the session, its resource is asked for at sign-in and at every refresh,
// and a silent sign-in in another process knows it.
func TestLineIsKeptAndAskedFor(t *testing.T) {
	f := newSessionsFixture(t)
	var mu sync.Mutex
	var refreshResources []string
	f.op.Token = func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") == "refresh_token" {
			mu.Lock()
			refreshResources = append(refreshResources, r.PostForm["resource"]...)
			mu.Unlock()
		}
		f.op.DefaultToken(w, r)
	}
	req := LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}, Line: acmeLine}
	if _, err := f.sessions.Login(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if got := f.op.LastReq["resource"]; len(got) != 1 || got[0] != acmeLine.Resource {
		t.Errorf("the authorization request asked for resources %v, want [%s]", got, acmeLine.Resource)
	}
	next := f.newSessions()
	if _, err := next.Resume(t.Context()); err != nil {
		t.Fatal(err)
	}
	line, issuer := next.Line()
	if line == nil || *line != *acmeLine || issuer != f.op.Issuer {
		t.Errorf("Line after a silent sign-in = %+v at %q, want %+v at %s", line, issuer, acmeLine, f.op.Issuer)
	}
	if len(refreshResources) != 1 || refreshResources[0] != acmeLine.Resource {
		t.Errorf("the refresh asked for resources %v, want [%s]", refreshResources, acmeLine.Resource)
	}
}

// TestEditedLineIsNotTrusted: a registrar edited in the session file is not
// used — the access token would go to it — until the directory says so.
func TestEditedLineIsNotTrusted(t *testing.T) {
	f := newSessionsFixture(t)
	req := LoginRequest{LoginRequest: auth.LoginRequest{Provider: f.op.Provider(), Email: "agent@acme.test"}, Line: acmeLine}
	if _, err := f.sessions.Login(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	folder := &Folder{Dir: f.dir}
	meta, _ := folder.Load()
	meta.Session.Line = &sipaddr.Config{Registrar: "sips:thief.example"}
	if err := folder.Save(meta); err != nil {
		t.Fatal(err)
	}
	next := f.newSessions()
	if _, err := next.Resume(t.Context()); err != nil {
		t.Fatalf("Resume after the edit: %v", err)
	}
	if line, _ := next.Line(); line != nil {
		t.Errorf("Line after the registrar was edited = %+v, want none", line)
	}
	if meta, _ := folder.Load(); meta.Session.Line != nil {
		t.Errorf("the edited line was sealed again: %+v", meta.Session.Line)
	}
}

// TestAccessTokenRenewsWhenTooShort: the line's token source refreshes when
// the token would expire before the registrar checks it, and always when
// told to renew.
func TestAccessTokenRenewsWhenTooShort(t *testing.T) {
	f := newSessionsFixture(t)
	s := f.login(t)
	before := f.op.Count("/token")
	tok, err := f.sessions.AccessToken(t.Context(), time.Minute)
	if err != nil || tok != s.AccessToken() {
		t.Fatalf("AccessToken with an hour left = %v, want the current token", err)
	}
	if _, err := f.sessions.AccessToken(t.Context(), 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sessions.RenewAccessToken(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := f.op.Count("/token") - before; got != 2 {
		t.Errorf("token requests = %d, want 2 (too short, then renew)", got)
	}
}

// TestAdoptLine: a line the directory names after the sign-in is kept with
// the session and asked for at the next refresh.
func TestAdoptLine(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	if err := f.sessions.AdoptLine(t.Context(), acmeLine); err != nil {
		t.Fatal(err)
	}
	next := f.newSessions()
	if _, err := next.Resume(t.Context()); err != nil {
		t.Fatal(err)
	}
	if line, _ := next.Line(); line == nil || *line != *acmeLine {
		t.Errorf("Line after AdoptLine and a silent sign-in = %+v, want %+v", line, acmeLine)
	}
}

// TestAdoptNoLine: when the directory no longer names a line, AdoptLine(nil)
// forgets it, and the next silent sign-in has none.
func TestAdoptNoLine(t *testing.T) {
	f := newSessionsFixture(t)
	f.login(t)
	if err := f.sessions.AdoptLine(t.Context(), acmeLine); err != nil {
		t.Fatal(err)
	}
	if err := f.sessions.AdoptLine(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if line, _ := f.sessions.Line(); line != nil {
		t.Errorf("Line after AdoptLine(nil) = %+v, want none", line)
	}
	next := f.newSessions()
	if _, err := next.Resume(t.Context()); err != nil {
		t.Fatal(err)
	}
	if line, _ := next.Line(); line != nil {
		t.Errorf("Line after AdoptLine(nil) and a silent sign-in = %+v, want none", line)
	}
}
