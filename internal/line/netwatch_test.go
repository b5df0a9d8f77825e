package line_test

import (
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"dialtone/internal/line"
	"dialtone/internal/line/linetest"
)

// fakeRoute plays the machine's route toward the registrar: no route
// (""), or the local address given.
type fakeRoute struct{ local atomic.Value }

func (f *fakeRoute) set(local string) { f.local.Store(local) }

func (f *fakeRoute) route(netip.Addr) (string, error) {
	if s, _ := f.local.Load().(string); s != "" {
		return s, nil
	}
	return "", errors.New("network is unreachable")
}

// When the network comes back, a line waiting out a long backoff registers
// at once; when the machine's address changes, a registered line registers
// again at once. Neither waits for its timer: the test's clock never moves.
func TestRunRegistersAgainWhenTheNetworkChanges(t *testing.T) {
	r := newRig(t)
	port := linetest.FreePort(t)
	r.start(t, fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), line.Options{
		Expires: 100 * time.Second, MinBackoff: time.Hour, MaxBackoff: time.Hour, NetworkCheck: 5 * time.Millisecond})
	var net fakeRoute
	net.set("") // the network is down
	line.SetRoute(r.line, net.route)
	stop, _ := r.run(t)
	defer stop()
	r.states.WaitFor(t, line.StatusConnecting, settle)

	reg, _ := r.registrar(t, port) // the registrar is there, but the line waits an hour
	net.set("192.0.2.10")          // until the network is back
	r.states.WaitFor(t, line.StatusRegistered, settle)
	if got := contacts(reg); len(got) != 1 {
		t.Fatalf("contacts = %v, want one", got)
	}

	before, _ := r.tokens.Calls()
	net.set("192.0.2.11") // the machine moved to another network
	r.states.WaitFor(t, line.StatusRegistered, settle)
	if after, _ := r.tokens.Calls(); after <= before {
		t.Errorf("token asked %d times before the change and %d after; want a new REGISTER with a token", before, after)
	}
	if got := contacts(reg); len(got) != 1 {
		t.Errorf("contacts after re-registering = %v, want one", got)
	}
}
