package app_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"

	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestHTTPListenerTLS: with TLS configured, ServeHTTP speaks HTTPS only,
// with the gRPC listener's certificate and client-certificate rule, over
// HTTP/1.1 and HTTP/2; a client without a certificate is refused under
// mutual TLS.
func TestHTTPListenerTLS(t *testing.T) {
	ca := testcerts.NewCA(t, "http")
	pair := ca.Server(t, "server")
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: pair.CertFile, Key: pair.KeyFile, ClientCA: ca.File},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := testserver.Start(t, testserver.WithOptions(func(o *app.Options) { o.TLS = certs.ServerConfig() }))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- s.App.ServeHTTP(lis) }()
	t.Cleanup(func() { // before the server's own cleanup: shut down here
		s.App.Shutdown(context.Background())
		if err := <-served; err != nil {
			t.Errorf("ServeHTTP: %v", err)
		}
	})
	url := "https://" + lis.Addr().String() + "/openapi.json"
	clientCert := ca.Client(t, "browser").TLS(t)
	for _, h2 := range []bool{false, true} {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: []tls.Certificate{clientCert}}, ForceAttemptHTTP2: h2}
		resp, err := (&http.Client{Transport: tr}).Get(url)
		if err != nil {
			t.Fatalf("GET /openapi.json (h2 %v): %v", h2, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.TLS == nil || (resp.ProtoMajor == 2) != h2 {
			t.Errorf("GET /openapi.json (h2 %v): %d %s", h2, resp.StatusCode, resp.Proto)
		}
		tr.CloseIdleConnections()
	}
	noCert := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost"}}}
	if resp, err := noCert.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("GET without a client certificate: %d, want a refused handshake", resp.StatusCode)
	}
	plain := &http.Client{}
	if resp, err := plain.Get("http://" + lis.Addr().String() + "/openapi.json"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plaintext GET on the TLS listener answered 200")
		}
	}
}
