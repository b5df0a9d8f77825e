package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"net"
	"net/netip"
)

// LocateHops runs locate for the external tests and returns each hop as
// "address transport" with " SRV" when an SRV record chose it.
func LocateHops(ctx context.Context, r *net.Resolver, reg sipaddr.Registrar) ([]string, error) {
	hops, err := locate(ctx, r, reg)
	var s []string
	for _, h := range hops {
		v := h.addr.String() + " " + h.transport
		if h.srv {
			v += " SRV"
		}
		s = append(s, v)
	}
	return s, err
}

// SetRoute replaces how the line's network watch finds this machine's
// address toward the registrar, to play a network that changes.
func SetRoute(l *Line, f func(netip.Addr) (string, error)) { l.watch.route = f }
