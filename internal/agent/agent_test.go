package agent

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/dialer"
	"dialtone/internal/keyring"
	"dialtone/internal/problem"
	"dialtone/internal/session"
)

var (
	t0        = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	errLocked = &keyring.Error{Op: "save", Problem: keyring.Locked, Err: errors.New("locked")}
	errDown   = fmt.Errorf("refresh: %w", session.ErrOffline)
	errEnded  = fmt.Errorf("%w: refresh token revoked", session.ErrLoginRequired)
)

func sessionWith(keyringErr error) *session.Session {
	return &session.Session{Session: &auth.Session{Email: "priya@acme.example"}, KeyringErr: keyringErr}
}

func TestBeginSaysHowTheAgentStands(t *testing.T) {
	tests := []struct {
		name string
		s    *session.Session
		want Update
	}{
		{"signed in", sessionWith(nil), Update{Presence: dialer.Presence{State: dialer.Online}}},
		{"kept for this run only", sessionWith(errLocked), Update{Presence: dialer.Presence{State: dialer.Online}, KeyringErr: errLocked}},
		{"provider out of reach", nil, Update{Presence: dialer.Presence{State: dialer.Reconnecting}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSessions()
			a := New(f, nil, &fakeBrowser{}, nil)
			got := a.Begin(tt.s, reports(make(chan Update, 1)).report)
			defer a.End()
			if got != tt.want {
				t.Errorf("Begin = %+v, want %+v", got, tt.want)
			}
			f.next(t)
		})
	}
}

func TestUpdatesFollowKeepAlive(t *testing.T) {
	online := dialer.Presence{State: dialer.Online}
	steps := []struct {
		name   string
		status session.Status
		want   Update
	}{
		{"offline", session.Status{NextRetry: t0, Err: errDown},
			Update{Presence: dialer.Presence{State: dialer.Reconnecting, NextRetry: t0, Advice: problem.Describe(errDown)}, KeyringErr: errLocked}},
		{"renewed, still in memory", session.Status{Session: sessionWith(errLocked)}, Update{Presence: online, KeyringErr: errLocked}},
		{"renewed, saved at last", session.Status{Session: sessionWith(nil)}, Update{Presence: online}},
		{"renewed without a session", session.Status{}, Update{Presence: online}},
		{"ended", session.Status{Err: errEnded}, Update{Presence: dialer.Presence{State: dialer.SignedOut}, Ended: errEnded}},
	}
	f := newFakeSessions()
	a := New(f, nil, &fakeBrowser{}, nil)
	got := make(reports, 1)
	a.Begin(sessionWith(errLocked), got.report)
	defer a.End()
	keep := f.next(t)
	for _, step := range steps {
		keep.report(step.status)
		if u := got.next(t); u != step.want {
			t.Errorf("%s: reported %+v, want %+v", step.name, u, step.want)
		}
	}
}

func TestEndStopsKeepAliveAndReports(t *testing.T) {
	f := newFakeSessions()
	a := New(f, nil, &fakeBrowser{}, nil)
	got := make(reports, 1)
	a.Begin(sessionWith(nil), got.report)
	keep := f.next(t)

	a.End()
	if keep.ctx.Err() == nil {
		t.Error("End did not stop KeepAlive")
	}
	keep.report(session.Status{NextRetry: t0, Err: errDown}) // a report already on its way
	got.none(t)
	a.End() // twice is harmless
}

func TestBeginEndsTheRunBefore(t *testing.T) {
	f := newFakeSessions()
	a := New(f, nil, &fakeBrowser{}, nil)
	first, second := make(reports, 1), make(reports, 1)
	a.Begin(sessionWith(nil), first.report)
	old := f.next(t)
	a.Begin(sessionWith(nil), second.report)
	defer a.End()
	keep := f.next(t)

	if old.ctx.Err() == nil {
		t.Error("the first KeepAlive still runs")
	}
	old.report(session.Status{})
	first.none(t)
	keep.report(session.Status{NextRetry: t0, Err: errDown})
	if u := second.next(t); u.Presence.State != dialer.Reconnecting {
		t.Errorf("the second run reported %+v, want Reconnecting", u)
	}
}

func TestSignOut(t *testing.T) {
	const endURL = "https://acme.okta.example/logout?client_id=dialtone"
	errNoBrowser := errors.New("no browser")
	tests := []struct {
		name       string
		everywhere bool
		result     session.LogoutResult
		err        error
		browserErr error
		wantOpened bool
		wantOpen   error
	}{
		{name: "here", result: session.LogoutResult{Revoked: true}},
		{name: "everywhere", everywhere: true, result: session.LogoutResult{Revoked: true, EndSessionURL: endURL}, wantOpened: true},
		{name: "everywhere, no page", everywhere: true, result: session.LogoutResult{Revoked: true}},
		{name: "everywhere, no browser", everywhere: true, result: session.LogoutResult{EndSessionURL: endURL},
			browserErr: errNoBrowser, wantOpened: true, wantOpen: errNoBrowser},
		{name: "failed", everywhere: true, result: session.LogoutResult{EndSessionURL: endURL}, err: errLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSessions()
			f.result, f.err = tt.result, tt.err
			b := &fakeBrowser{err: tt.browserErr}
			a := New(f, nil, b, nil)
			a.Begin(sessionWith(nil), reports(make(chan Update, 1)).report)
			keep := f.next(t)

			r, err := a.SignOut(t.Context(), tt.everywhere)
			if !errors.Is(err, tt.err) || r.LogoutResult != tt.result || !errors.Is(r.OpenErr, tt.wantOpen) {
				t.Errorf("SignOut = %+v, %v; want %+v, %v", r, err, SignOutResult{tt.result, tt.wantOpen}, tt.err)
			}
			if keep.ctx.Err() == nil {
				t.Error("the keep-alive still runs after SignOut")
			}
			if len(f.logouts) != 1 || f.logouts[0] != tt.everywhere {
				t.Errorf("Logout calls (everywhere) = %v, want [%v]", f.logouts, tt.everywhere)
			}
			if opened := len(b.opened) == 1 && b.opened[0] == endURL; opened != tt.wantOpened || len(b.opened) > 1 {
				t.Errorf("opened %q, want the end-session page opened: %v", b.opened, tt.wantOpened)
			}
		})
	}
}
