package app_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/internal/testserver"
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

// BenchmarkCallOverTLS compares one unary call (a health check) on an
// established connection in plaintext, over TLS and over mutual TLS, in
// the same run, over the in-process listener: what encryption costs a call
// once the handshake is done.
//
//	go test -run '^$' -bench CallOverTLS ./server/app/
func BenchmarkCallOverTLS(b *testing.B) {
	ca := testcerts.NewCA(b, "bench")
	pair := ca.Server(b, "server")
	clientCert := ca.Client(b, "bench-client").TLS(b)
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, bc := range []struct {
		name  string
		files *app.TLSFiles
	}{
		{"plaintext", nil},
		{"tls", &app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile}},
		{"mtls", &app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: ca.File}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var opts []testserver.Option
			creds := insecure.NewCredentials()
			if bc.files != nil {
				certs, err := app.NewCertReloader(*bc.files, discard)
				if err != nil {
					b.Fatal(err)
				}
				opts = append(opts, testserver.WithOptions(func(o *app.Options) { o.TLS = certs.ServerConfig() }))
				creds = credentials.NewTLS(&tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: []tls.Certificate{clientCert}})
			}
			s := testserver.Start(b, append(opts, testserver.WithLogger(discard))...)
			conn := s.Dial(b, grpc.WithTransportCredentials(creds))
			defer conn.Close()
			health := healthpb.NewHealthClient(conn)
			ctx := context.Background()
			for b.Loop() {
				if _, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
