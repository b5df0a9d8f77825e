package authtest

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// front is the Go listener in front of a provider, on the address its issuer
// URL names. It counts requests by path, and it can go down (connection
// refused) and come back up on the same address while the provider behind it
// keeps its state.
type front struct {
	addr    string
	handler http.Handler

	mu       sync.Mutex
	pending  net.Listener  // listening but not yet served
	srv      *http.Server  // nil while down
	served   chan struct{} // closed when srv.Serve has returned
	reserved io.Closer     // holds the port while down; nil if up or not held
	counted  map[string]int
}

// listenFront listens on a free loopback port. The caller builds its handler,
// which usually needs the issuer URL, then calls serve, and calls close in
// the end.
func listenFront() (*front, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	return &front{addr: l.Addr().String(), pending: l, counted: map[string]int{}}, nil
}

// url is the front's base URL, http://127.0.0.1:PORT.
func (f *front) url() string {
	return "http://" + f.addr
}

// serve starts serving h in the background.
func (f *front) serve(h http.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
	f.start(f.pending)
	f.pending = nil
}

// start serves on l; f.mu must be held. Keep-alives are off: a client that
// kept a connection open would otherwise get EOF on it after down, not a
// refused connection.
func (f *front) start(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(f.count), ReadHeaderTimeout: 10 * time.Second}
	srv.SetKeepAlivesEnabled(false)
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l) // returns http.ErrServerClosed after Close
	}()
	f.srv, f.served = srv, served
}

// count counts r and hands it to the provider.
func (f *front) count(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.counted[r.URL.Path]++
	f.mu.Unlock()
	f.handler.ServeHTTP(w, r)
}

func (f *front) requests(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counted[path]
}

func (f *front) resetRequests() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.counted)
}

// down closes the listener and every open connection, waits until the
// server has stopped, and holds on to the port. It does nothing if the front
// is already down.
func (f *front) down() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv == nil {
		return
	}
	f.srv.Close()
	<-f.served
	f.srv = nil
	// Best effort: without the reservation Up still works unless another
	// listener is handed the port in the meantime, which Up then reports.
	f.reserved, _ = reservePort(f.addr)
}

// close stops the front for good and lets go of its port.
func (f *front) close() {
	f.down()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending != nil {
		f.pending.Close()
		f.pending = nil
	}
	if f.reserved != nil {
		f.reserved.Close()
		f.reserved = nil
	}
}

// up listens again on the same address. It does nothing if the front is up.
func (f *front) up() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.srv != nil {
		return nil
	}
	if f.handler == nil {
		return errors.New("authtest: front has no handler")
	}
	l, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	if f.reserved != nil {
		f.reserved.Close()
		f.reserved = nil
	}
	f.start(l)
	return nil
}
