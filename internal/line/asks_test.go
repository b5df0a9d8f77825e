package line_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
)

// Registrars that ask for something the line can give: time (503 with
// Retry-After), a longer registration (423) or another registrar (3xx).

func TestRetryAfterIsHonoured(t *testing.T) {
	s := startSipp(t, "retry_after.xml", "u1", map[string]string{"issuer": sippIssuer})
	clock := linetest.NewClock(time.Now())
	l, _, states := sippLine(t, s.registrar("u1"), line.Options{Clock: clock})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	defer func() { cancel(); <-done }()

	st := states.WaitFor(t, line.StatusConnecting, settle)
	wait := clock.NextTimer(t, settle)
	var ue *line.UnreachableError
	if !errors.As(st.Err, &ue) || ue.Status != 503 || ue.RetryAfter != 30*time.Second {
		t.Fatalf("state error = %v; want 503 with Retry-After 30s", st.Err)
	}
	if wait != 30*time.Second || !st.NextTry.Equal(clock.Now().Add(30*time.Second)) {
		t.Errorf("next try in %v at %v; want 30s, at now + 30s", wait, st.NextTry)
	}
	clock.Advance(wait)
	st = states.WaitFor(t, line.StatusRegistered, settle)
	if want := clock.Now().Add(60 * time.Second); !st.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v (the 200's expires=60)", st.ExpiresAt, want)
	}
	if got := len(s.requests(t)); got != 3 {
		t.Errorf("sipp received %d REGISTERs, want 3", got)
	}
}

func TestIntervalTooBriefAsksForMinExpires(t *testing.T) {
	s := startSipp(t, "interval_too_brief.xml", "u1", map[string]string{"issuer": sippIssuer})
	clock := linetest.NewClock(time.Now())
	l, _, _ := sippLine(t, s.registrar("u1"), line.Options{Clock: clock})

	st, err := l.Register(withTimeout(t))
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if want := clock.Now().Add(2 * time.Hour); !st.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want %v", st.ExpiresAt, want)
	}
	var got []string
	for _, req := range s.requests(t) {
		got = append(got, header(req, "Expires"))
	}
	if want := []string{"3600", "3600", "7200"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Expires sent = %v, want %v", got, want)
	}
}

func TestRedirects(t *testing.T) {
	t.Run("same domain is followed", func(t *testing.T) {
		r := newRig(t)
		reg, port := r.registrar(t, 0)
		s := startSipp(t, "redirect.xml", "u1", map[string]string{"target": fmt.Sprintf("sip:127.0.0.1:%d", port)})
		r.start(t, s.registrar("u1"), line.Options{})

		if _, err := r.line.Register(withTimeout(t)); err != nil {
			t.Fatalf("Register: %v", err)
		}
		if got := contacts(reg); len(got) != 1 {
			t.Errorf("the registrar redirected to holds %v, want one contact", got)
		}
		if auth := header(s.requests(t)[0], "Authorization"); auth != "" {
			t.Errorf("the redirecting registrar got Authorization %q, want none", auth)
		}
	})
	t.Run("another domain is refused", func(t *testing.T) {
		s := startSipp(t, "redirect.xml", "u1", map[string]string{"target": "sips:pbx.elsewhere.test"})
		l, tokens, _ := sippLine(t, s.registrar("u1"), line.Options{})

		_, err := l.Register(withTimeout(t))
		var re *line.RefusedError
		if !errors.As(err, &re) || re.Reason != line.ReasonRedirect || re.Status != 302 {
			t.Fatalf("Register error = %v; want a 302 refusal with reason %q", err, line.ReasonRedirect)
		}
		if access, refresh := tokens.Calls(); access+refresh != 0 {
			t.Errorf("the token source was asked %d times, want never", access+refresh)
		}
	})
}
