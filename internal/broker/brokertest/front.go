package brokertest

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Front is a load balancer on loopback in front of several replicas: the
// test decides, request by request, which replica serves it, and it counts
// what each served. Replicas behind it use its URL + "/broker" as their
// issuer.
type Front struct {
	// URL is where the front listens, http://127.0.0.1:PORT.
	URL string
	// Route picks the backend URL of a request. It may block (to stop a
	// replica first, say). Nil sends everything to the first backend
	// given to SetBackends.
	Route func(r *http.Request) string
	// ModifyResponse, when not nil, may change a backend's answer before
	// the client gets it (a proxy that tampers with redirects, say).
	ModifyResponse func(*http.Response) error

	mu       sync.Mutex
	backends []string
	served   map[string][]string // backend → paths served, in order
	hs       *http.Server
}

// NewFront listens on a free 127.0.0.1 port and serves until the test
// ends. Set its backends before the first request.
func NewFront(t testing.TB) *Front {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{URL: "http://" + ln.Addr().String(), served: map[string][]string{}}
	f.hs = &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go f.hs.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.hs.Shutdown(ctx)
	})
	return f
}

// SetBackends sets the replicas' URLs.
func (f *Front) SetBackends(urls ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.backends = urls
}

// Served returns the paths backend served, in order.
func (f *Front) Served(backend string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.served[backend]...)
}

// ServeHTTP forwards r to the backend Route picks, keeping the Host
// header, as a load balancer does. A backend that is down answers 502.
func (f *Front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	to := ""
	if f.Route != nil {
		to = f.Route(r)
	}
	f.mu.Lock()
	if to == "" && len(f.backends) > 0 {
		to = f.backends[0]
	}
	f.served[to] = append(f.served[to], r.URL.Path)
	f.mu.Unlock()
	target, err := url.Parse(to)
	if err != nil || to == "" {
		http.Error(w, "no backend", http.StatusBadGateway)
		return
	}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(p *httputil.ProxyRequest) {
			p.SetURL(target)
			p.Out.Host = p.In.Host
		},
		Transport:      &http.Transport{DisableKeepAlives: true},
		ModifyResponse: f.ModifyResponse,
	}
	proxy.ServeHTTP(w, r)
}
