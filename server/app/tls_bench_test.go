package app_test

import (
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
)

// BenchmarkTLSHandshake compares a full TLS handshake served by the
// CertReloader (checking the files at every handshake, the worst case:
// CheckInterval 0; the server's default checks at most once a second)
// with one served by a static configuration holding the same certificate.
//
//	go test -run '^$' -bench TLSHandshake ./server/app/
func BenchmarkTLSHandshake(b *testing.B) {
	ca := testcerts.NewCA(b, "bench")
	pair := ca.Server(b, "server")
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	certs.CheckInterval = 0
	static := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{pair.TLS(b)}, NextProtos: []string{"h2"}}
	client := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", NextProtos: []string{"h2"}}
	for _, bc := range []struct {
		name string
		cfg  *tls.Config
	}{{"static", static}, {"reloader", certs.ServerConfig()}} {
		b.Run(bc.name, func(b *testing.B) {
			lis, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan error)
			go func() {
				for {
					raw, err := lis.Accept()
					if err != nil {
						return
					}
					srv := tls.Server(raw, bc.cfg)
					done <- srv.Handshake()
					raw.Close()
				}
			}()
			defer lis.Close()
			for b.Loop() {
				raw, err := net.Dial("tcp", lis.Addr().String())
				if err != nil {
					b.Fatal(err)
				}
				if err := tls.Client(raw, client).Handshake(); err != nil {
					b.Fatal(err)
				}
				if err := <-done; err != nil {
					b.Fatal(err)
				}
				raw.Close()
			}
		})
	}
}

// BenchmarkCertReloaderCheck is what the reloader adds to a handshake:
// the check of the files (stat of certificate and key) when the check
// interval elapsed ("every"), and nothing but a clock read when it did
// not ("cached", the default interval of a second).
func BenchmarkCertReloaderCheck(b *testing.B) {
	ca := testcerts.NewCA(b, "bench")
	pair := ca.Server(b, "server")
	for _, bc := range []struct {
		name     string
		interval time.Duration
	}{{"every", 0}, {"cached", app.DefaultTLSCheckInterval}} {
		b.Run(bc.name, func(b *testing.B) {
			certs, err := app.NewCertReloader(app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			certs.CheckInterval = bc.interval
			hello := &tls.ClientHelloInfo{}
			for b.Loop() {
				if _, err := certs.GetConfigForClient(hello); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
