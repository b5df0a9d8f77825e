package ui

import (
	"testing"

	"dialtone/dialer"
	"dialtone/internal/agent"
	"dialtone/internal/line"
	"dialtone/internal/problem"
)

// refusedUpdate is how the agent stands when the phone system answered 403 to the line, as internal/agent
// reports it: the dot's words and the sentence under it from the vocabulary.
func refusedUpdate() agent.Update {
	err := &line.RefusedError{Reason: line.ReasonForbidden, Registrar: "sips:pbx.acme.example", Status: 403, Phrase: "Forbidden"}
	return agent.Update{Line: true, Presence: dialer.Presence{State: dialer.Refused, Reason: problem.Brief(err), Advice: problem.Describe(err)}}
}

// TestDialerSaysWhatToDoWhenTheLineIsRefused: under the red dot the dialer says why the line was refused and what
// to do, in the words the command line uses; once the line is back, the advice goes.
func TestDialerSaysWhatToDoWhenTheLineIsRefused(t *testing.T) {
	h := newHarness(t)
	h.signedIn()
	d := h.frame().dialer
	if d.advice.Visible() {
		t.Fatalf("advice %q shows while the agent is online", d.advice.Text)
	}
	u := refusedUpdate()
	h.a.follow(u)
	if got, want := d.presence.Text(), "Line refused — forbidden"; got != want {
		t.Errorf("dot = %q, want %q", got, want)
	}
	if !d.advice.Visible() || d.advice.Text != u.Presence.Advice || d.advice.Text == "" {
		t.Errorf("advice = %q (shown: %v), want %q", d.advice.Text, d.advice.Visible(), u.Presence.Advice)
	}
	h.a.follow(agent.Update{Line: true, Presence: dialer.Presence{State: dialer.Online}})
	if d.advice.Visible() {
		t.Errorf("advice %q still shows once the line is online", d.advice.Text)
	}
}
