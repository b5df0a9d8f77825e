package line

import (
	"context"
	"net/netip"
	"time"
)

// route finds this machine's address toward an address (findLocalIP);
// tests replace it to play a network that changes.
type route func(netip.Addr) (string, error)

// netWatch notices when the network under the line changes: the address
// this machine would use toward the registrar's server is another one, or
// there was no route to it and now there is. It looks at the routing table
// only (a UDP "dial" sends nothing).
type netWatch struct {
	route route
	to    netip.Addr // the server last used; invalid until one was
	seen  string     // the local address seen last; "" for no route
}

// look records the current route and reports whether it changed since the
// last look.
func (w *netWatch) look() bool {
	if !w.to.IsValid() {
		return false
	}
	local, err := w.route(w.to)
	if err != nil {
		local = ""
	}
	changed := local != w.seen
	w.seen = local
	return changed
}

// sleepOrWake waits d on the line's clock, and, when wake is set, returns
// early (true) as soon as the network changes: a registered line
// re-registers from its new address at once, a line waiting out a network
// failure tries again when the network returns instead of at the end of
// its backoff. Options.NetworkCheck spaces the looks.
func (l *Line) sleepOrWake(ctx context.Context, d time.Duration, wake bool) (bool, error) {
	var tick <-chan time.Time
	if wake && l.opts.NetworkCheck > 0 && l.watch.to.IsValid() {
		t := time.NewTicker(l.opts.NetworkCheck)
		defer t.Stop()
		tick = t.C
		l.watch.look()
	}
	timer := l.clock.After(d)
	for {
		select {
		case <-ctx.Done():
			return false, l.stopped(ctx)
		case <-timer:
			return false, nil
		case <-tick:
			if l.watch.look() {
				l.opts.Logger.Info("line: the network changed; registering again now", "aor", l.aor.String())
				return true, nil
			}
		}
	}
}
