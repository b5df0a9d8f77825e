package main

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/idp"
	"dialtone/internal/keyring"
	"dialtone/internal/keyring/keyringtest"
	"dialtone/internal/session"
)

func TestResumeEarlyHandsItsResultToTheWindow(t *testing.T) {
	op := authtest.NewFakeOP(t)
	client := auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
	keys := &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}
	folder := &session.Folder{Dir: t.TempDir()}
	if _, err := session.NewStore(client, keys, folder).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	before := op.Count("/token")
	starter := resumeEarly(t.Context(), session.NewStore(client, keys, folder), nil)
	s, err := starter.Resume(t.Context())
	if err != nil || s.AccessToken() == "" {
		t.Fatalf("first Resume = %v, %v; want the early sign-in's session", s, err)
	}
	if got := op.Count("/token") - before; got != 1 {
		t.Errorf("token requests = %d, want exactly the early one", got)
	}
	if _, ok := starter.(*earlyResume); !ok {
		t.Errorf("with a stored session, resumeEarly = %T, want *earlyResume", starter)
	}
}

func TestResumeEarlyIsCancelledByTheWindow(t *testing.T) {
	op := authtest.NewFakeOP(t)
	client := auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
	keys := &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}
	folder := &session.Folder{Dir: t.TempDir()}
	if _, err := session.NewStore(client, keys, folder).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	defer close(release)
	op.Token = func(w http.ResponseWriter, r *http.Request) { // the provider hangs
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}
	starter := resumeEarly(t.Context(), session.NewStore(client, keys, folder), nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // the agent pressed Cancel
	if _, err := starter.Resume(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Resume after Cancel = %v, want context.Canceled", err)
	}
}

// TestResumeEarlyKeepsWhoWasStored: when the early sign-in is refused (the
// session was revoked), the window still learns whom it tried to sign in,
// to fill in the email screen and say that the session ended.
func TestResumeEarlyKeepsWhoWasStored(t *testing.T) {
	op := authtest.NewFakeOP(t)
	client := auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second, HTTPClient: idp.NewHTTPClient(0)})
	keys := &keyring.Store{Service: "dialtone-test", Backend: &keyringtest.Memory{}}
	folder := &session.Folder{Dir: t.TempDir()}
	if _, err := session.NewStore(client, keys, folder).Login(t.Context(), session.LoginRequest{LoginRequest: auth.LoginRequest{Provider: op.Provider(), Email: "agent@acme.test"}}); err != nil {
		t.Fatal(err)
	}
	op.RevokeAll()
	starter := resumeEarly(t.Context(), session.NewStore(client, keys, folder), nil)
	<-starter.(*earlyResume).done // refused, and the record forgotten
	if rec := starter.Stored(); rec == nil || rec.Email != "agent@acme.test" {
		t.Fatalf("Stored before the window took the result = %v, want the agent's record", rec)
	}
	if _, err := starter.Resume(t.Context()); !errors.Is(err, session.ErrLoginRequired) {
		t.Fatalf("Resume = %v, want ErrLoginRequired", err)
	}
	if rec := starter.Stored(); rec != nil {
		t.Errorf("Stored after the window took the result = %v, want nothing stored", rec)
	}
}
