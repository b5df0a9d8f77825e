package linetest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLSPair makes a certificate for 127.0.0.1 and ::1, signed by itself, and
// returns the server's configuration and a client configuration that
// trusts it.
func TLSPair(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	return tlsPair(t, []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, nil)
}

// TLSPairForNames is TLSPair with a certificate for the DNS names given,
// and no IP address.
func TLSPairForNames(t testing.TB, names ...string) (server, client *tls.Config) {
	t.Helper()
	return tlsPair(t, nil, names)
}

// TLSFiles are a certificate and its key in PEM files, for servers
// configured by file, like Kamailio.
type TLSFiles struct {
	Cert, Key string // paths
}

// TLSFilesForNames is TLSPairForNames with the certificate and key also
// written to PEM files in a temporary folder.
func TLSFilesForNames(t testing.TB, names ...string) (*TLSFiles, *tls.Config) {
	t.Helper()
	server, client := tlsPair(t, nil, names)
	cert := server.Certificates[0]
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	f := &TLSFiles{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	for path, block := range map[string]*pem.Block{
		f.Cert: {Type: "CERTIFICATE", Bytes: cert.Certificate[0]},
		f.Key:  {Type: "PRIVATE KEY", Bytes: keyDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return f, client
}

func tlsPair(t testing.TB, ips []net.IP, names []string) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test registrar"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: ips, DNSNames: names,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
	return server, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
}
