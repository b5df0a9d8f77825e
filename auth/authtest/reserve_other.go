//go:build !linux

package authtest

import "io"

// reservePort does nothing outside Linux: while a provider is down, another
// listener could in principle be handed its port.
func reservePort(string) (io.Closer, error) {
	return nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }
