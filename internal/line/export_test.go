package line

import (
	"context"
	"dialtone/internal/sipaddr"
	"net"
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
