package app_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"

	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/internal/testserver"
)

func TestCheckPlaintextRefusesNonLoopbackAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr    string
		allowed bool
		ok      bool
	}{
		{"127.0.0.1:8443", false, true},
		{"127.0.0.2:8443", false, true},
		{"[::1]:8443", false, true},
		{"localhost:8443", false, true},
		{"LOCALHOST:0", false, true},
		{"0.0.0.0:8443", false, false},
		{":8443", false, false},
		{"[::]:8443", false, false},
		{"10.0.0.5:8443", false, false},
		{"support.example.com:443", false, false},
		{"0.0.0.0:8443", true, true},
		{":8443", true, true},
	} {
		err := app.CheckPlaintext("--listen", tc.addr, tc.allowed)
		if (err == nil) != tc.ok {
			t.Errorf("CheckPlaintext(%q, allowed=%v) = %v, want ok=%v", tc.addr, tc.allowed, err, tc.ok)
			continue
		}
		if err != nil {
			for _, want := range []string{"--listen " + tc.addr, "--tls-cert", "--tls-key", "--insecure-plaintext"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q does not mention %q", err, want)
				}
			}
		}
	}
}

// syncLog collects log output written from handshake goroutines.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// tlsServer starts a server with the reloader of files; the reloader
// checks the files at every handshake.
func tlsServer(t *testing.T, files app.TLSFiles) (*testserver.Server, *app.CertReloader, *syncLog) {
	t.Helper()
	logs := &syncLog{}
	certs, err := app.NewCertReloader(files, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	certs.CheckInterval = 0
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) { o.TLS = certs.ServerConfig() }))
	return s, certs, logs
}

// handshake opens a new TLS connection with cfg, makes a health check and
// returns the serial number of the server's certificate, or the error.
func handshake(t *testing.T, s *testserver.Server, cfg *tls.Config) (*big.Int, error) {
	t.Helper()
	conn := s.Dial(t, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	defer conn.Close()
	var p peer.Peer
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.Peer(&p))
	if err != nil {
		return nil, err
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok {
		t.Fatalf("peer auth info %T, want TLS", p.AuthInfo)
	}
	return info.State.PeerCertificates[0].SerialNumber, nil
}

func clientTLS(ca *testcerts.CA, certs ...tls.Certificate) *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: ca.Pool(), ServerName: "localhost", Certificates: certs}
}

func TestTLSServesAndRefusesPlaintextClients(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	srvCert := ca.Server(t, "server")
	s, _, _ := tlsServer(t, app.TLSFiles{Cert: srvCert.CertFile, Key: srvCert.KeyFile})

	serial, err := handshake(t, s, clientTLS(ca))
	if err != nil {
		t.Fatalf("TLS health check: %v", err)
	}
	if serial.Cmp(srvCert.Serial) != 0 {
		t.Fatalf("server certificate serial %v, want %v", serial, srvCert.Serial)
	}
	// A plaintext client gets no answer from a TLS server.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.Health().Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
		t.Fatal("plaintext health check on a TLS server succeeded")
	}
	// A client that does not trust the server's CA refuses it.
	other := testcerts.NewCA(t, "other")
	if _, err := handshake(t, s, clientTLS(other)); err == nil {
		t.Fatal("a client trusting another CA accepted the server")
	}
}

func TestMutualTLSRequiresAClientCertificateOfTheClientCA(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	srvCert := ca.Server(t, "server")
	s, _, _ := tlsServer(t, app.TLSFiles{Cert: srvCert.CertFile, Key: srvCert.KeyFile, ClientCA: ca.File})

	if _, err := handshake(t, s, clientTLS(ca, ca.Client(t, "billing-service").TLS(t))); err != nil {
		t.Fatalf("client with a certificate of the client CA: %v", err)
	}
	if _, err := handshake(t, s, clientTLS(ca)); err == nil {
		t.Fatal("client without a certificate was accepted")
	}
	rogue := testcerts.NewCA(t, "rogue")
	if _, err := handshake(t, s, clientTLS(ca, rogue.Client(t, "billing-service").TLS(t))); err == nil {
		t.Fatal("client with a certificate of another CA was accepted")
	}
}

func TestCertificateRotationWithoutRestart(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	first := ca.Server(t, "server")
	s, certs, logs := tlsServer(t, app.TLSFiles{Cert: first.CertFile, Key: first.KeyFile})

	got, err := handshake(t, s, clientTLS(ca))
	if err != nil || got.Cmp(first.Serial) != 0 {
		t.Fatalf("first handshake: serial %v, %v; want %v", got, err, first.Serial)
	}
	// Rotation: the new pair is renamed over the served files; the next
	// handshake (which checks the files) sees the new certificate.
	second := ca.Server(t, "server-next")
	second.ReplaceFiles(t, first)
	got, err = handshake(t, s, clientTLS(ca))
	if err != nil || got.Cmp(second.Serial) != 0 {
		t.Fatalf("after rotation: serial %v, %v; want %v", got, err, second.Serial)
	}
	if !strings.Contains(logs.String(), "TLS certificate reloaded") {
		t.Fatalf("no reload log:\n%s", logs)
	}

	// A broken certificate file keeps the previous certificate, with an error logged.
	if err := os.WriteFile(first.CertFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = handshake(t, s, clientTLS(ca))
	if err != nil || got.Cmp(second.Serial) != 0 {
		t.Fatalf("after a bad file: serial %v, %v; want the previous %v", got, err, second.Serial)
	}
	if !strings.Contains(logs.String(), "TLS reload failed") {
		t.Fatalf("no error logged for the bad file:\n%s", logs)
	}
	if err := certs.Reload(); err == nil {
		t.Fatal("Reload of a bad file succeeded")
	}
	// Vanished files: the previous certificate stays, logged once.
	if err := os.Remove(first.CertFile); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err = handshake(t, s, clientTLS(ca))
		if err != nil || got.Cmp(second.Serial) != 0 {
			t.Fatalf("with the certificate file gone: serial %v, %v; want the previous %v", got, err, second.Serial)
		}
	}
	if n := strings.Count(logs.String(), "TLS files unreadable"); n != 1 {
		t.Fatalf("%d logs of the missing file, want 1:\n%s", n, logs)
	}
	// Fixed files are picked up again.
	third := ca.Server(t, "server-third")
	third.ReplaceFiles(t, first)
	got, err = handshake(t, s, clientTLS(ca))
	if err != nil || got.Cmp(third.Serial) != 0 {
		t.Fatalf("after fixing the files: serial %v, %v; want %v", got, err, third.Serial)
	}
}

func TestCertificateCheckIntervalDefersReload(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	first := ca.Server(t, "server")
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: first.CertFile, Key: first.KeyFile}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	clock := testserver.NewClock(testserver.DefaultStart)
	certs.Now, certs.CheckInterval = clock.Now, time.Minute
	serial := func() *big.Int {
		c, err := certs.GetCertificate(&tls.ClientHelloInfo{})
		if err != nil {
			t.Fatal(err)
		}
		return c.Leaf.SerialNumber
	}
	if got := serial(); got.Cmp(first.Serial) != 0 { // the first check
		t.Fatalf("serial %v, want %v", got, first.Serial)
	}
	ca.Server(t, "server-next").ReplaceFiles(t, first)
	if got := serial(); got.Cmp(first.Serial) != 0 {
		t.Fatalf("reloaded before the check interval: serial %v", got)
	}
	clock.Advance(time.Minute)
	if got := serial(); got.Cmp(first.Serial) == 0 {
		t.Fatal("not reloaded after the check interval")
	}
}

func TestNewCertReloaderRejectsBadFiles(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	pair := ca.Server(t, "server")
	other := ca.Server(t, "other")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for name, files := range map[string]app.TLSFiles{
		"missing key":        {Cert: pair.CertFile},
		"missing file":       {Cert: pair.CertFile + ".nope", Key: pair.KeyFile},
		"mismatched key":     {Cert: pair.CertFile, Key: other.KeyFile},
		"client CA not PEM":  {Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: pair.KeyFile},
		"client CA missing":  {Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: ca.File + ".nope"},
		"key as certificate": {Cert: pair.KeyFile, Key: pair.KeyFile},
	} {
		if _, err := app.NewCertReloader(files, log); err == nil {
			t.Errorf("%s: NewCertReloader succeeded", name)
		}
	}
}

func TestMetricsOverTLS(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	pair := ca.Server(t, "server")
	s, certs, _ := tlsServer(t, app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: ca.File})
	lis, err := app.ListenMetrics("127.0.0.1:0", certs.MetricsConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.App.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(lis) }()
	defer func() {
		srv.Close()
		<-served
	}()
	// Scrapers and probes need no client certificate, but TLS.
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("https://" + lis.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/healthz over TLS: %s %s", resp.Status, body)
	}
	if resp.TLS == nil || resp.TLS.PeerCertificates[0].SerialNumber.Cmp(pair.Serial) != 0 {
		t.Fatal("metrics not served with the server certificate")
	}
	// Plain HTTP gets no metrics.
	plain := &http.Client{Transport: &http.Transport{}}
	defer plain.CloseIdleConnections()
	if resp, err := plain.Get("http://" + lis.Addr().String() + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP served by the TLS metrics listener")
		}
	}
}
