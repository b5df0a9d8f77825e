package session

import (
	"errors"
	"testing"
	"time"

	"dialtone/auth"
	"dialtone/auth/authtest"
	"dialtone/internal/idp"
)

// TestRealEditedRefreshedAtDoesNotHideARevocation: a refreshed_at moved ten
// years ahead in session.json must not make a fresh process believe another
// one has just refreshed. With the session revoked at a real provider, the
// silent sign-in asks the provider and reports that a sign-in is required.
func TestRealEditedRefreshedAtDoesNotHideARevocation(t *testing.T) {
	forEachOP(t, func(t *testing.T, op realOP) {
		w := newWorld(t, op)
		if _, err := w.login(t, agent.Email, agent); err != nil {
			t.Fatalf("Login: %v", err)
		}
		if _, err := w.sessions(nil).Resume(t.Context()); err != nil {
			t.Fatalf("Resume: %v", err) // a real refresh, so the record holds a sealed time
		}
		setRefreshedAt(t, &Folder{Dir: w.dir}, time.Now().AddDate(10, 0, 0))
		w.idp.RevokeAll(t)
		w.idp.ResetRequests()
		_, err := w.sessions(nil).Resume(t.Context())
		if !errors.Is(err, ErrLoginRequired) {
			t.Errorf("Resume with refreshed_at ten years ahead and the session revoked = %v, want ErrLoginRequired", err)
		}
		if got := w.idp.Requests(w.idp.TokenEndpointPath()); got != 1 {
			t.Errorf("token requests = %d, want 1: the edited time must not stand for a refresh", got)
		}
	})
}

// setRefreshedAt edits the stored record's RefreshedAt, keeping its seal.
func setRefreshedAt(t *testing.T, folder *Folder, at time.Time) {
	t.Helper()
	meta, err := folder.Load()
	if err != nil || meta.Session == nil {
		t.Fatalf("Load = %+v, %v; want a session", meta, err)
	}
	meta.Session.RefreshedAt = at
	if err := folder.Save(meta); err != nil {
		t.Fatal(err)
	}
}

// TestRefreshedAtIsTrustedOnlyWhenSealedAndRecent: another process's
// refresh saves this one a grant only when the keyring's token vouches for
// its time, and that time is neither stale nor ahead of the clock.
func TestRefreshedAtIsTrustedOnlyWhenSealedAndRecent(t *testing.T) {
	cases := []struct {
		name       string
		edit       func(t *testing.T, f *Folder)
		clock      time.Duration // the second process's clock, against the first's
		wantGrants int
	}{
		{"a genuine refresh just now", nil, 0, 0},
		{"the time moved ahead", func(t *testing.T, f *Folder) { setRefreshedAt(t, f, time.Now().AddDate(10, 0, 0)) }, 0, 1},
		{"the time moved a little", func(t *testing.T, f *Folder) { setRefreshedAt(t, f, time.Now().Add(time.Second)) }, 0, 1},
		{"the seal removed", func(t *testing.T, f *Folder) { setSeal(t, f, "") }, 0, 1},
		{"the clock stepped back an hour", nil, -time.Hour, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newSessionsFixture(t)
			f.login(t)
			first := f.newSessions()
			first.born = time.Now().Add(-time.Minute)
			second := f.newSessions()
			second.born = first.born
			if _, err := first.Resume(t.Context()); err != nil {
				t.Fatalf("first process: Resume = %v", err)
			}
			if c.edit != nil {
				c.edit(t, &Folder{Dir: f.dir})
			}
			if c.clock != 0 {
				second.client = auth.NewClient(auth.Config{Browser: &authtest.FollowBrowser{}, Timeout: 10 * time.Second,
					HTTPClient: idp.NewHTTPClient(0), Now: func() time.Time { return time.Now().Add(c.clock) }})
				second.born = second.born.Add(c.clock)
			}
			before := f.op.Count("/token")
			_, _ = second.Resume(t.Context()) // a clock an hour behind may well refuse the ID token: only the grant counts
			if got := f.op.Count("/token") - before; got != c.wantGrants {
				t.Errorf("refresh grants of the second process = %d, want %d", got, c.wantGrants)
			}
		})
	}
}

// setSeal replaces the stored record's RefreshedAtSeal.
func setSeal(t *testing.T, folder *Folder, seal string) {
	t.Helper()
	meta, err := folder.Load()
	if err != nil || meta.Session == nil {
		t.Fatalf("Load = %+v, %v; want a session", meta, err)
	}
	meta.Session.RefreshedAtSeal = seal
	if err := folder.Save(meta); err != nil {
		t.Fatal(err)
	}
}
