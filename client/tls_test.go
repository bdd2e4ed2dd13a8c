package client_test

import (
	"crypto/tls"
	"io"
	"log/slog"
	"testing"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/livetest"
	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
)

func TestClientCertificateForMutualTLS(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	server := ca.Server(t, "server")
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: server.CertFile, Key: server.KeyFile, ClientCA: ca.File},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := livetest.StartTLS(t, certs.ServerConfig())
	roots := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: ca.Pool()}
	mine := ca.Client(t, "billing-service")

	agent, err := client.NewAgent("localhost:443", client.WithContextDialer(s.Dial), client.WithAPIKey(s.Keys.Agent),
		client.WithTLS(roots), client.WithClientCertificate(mine.CertFile, mine.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer agent.Close()
	if _, err := agent.ListQueueTickets(t.Context(), &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE}); err != nil {
		t.Fatalf("call with a client certificate: %v", err)
	}
	if len(roots.Certificates) != 0 {
		t.Fatal("WithClientCertificate changed the caller's tls.Config")
	}

	// Without the certificate the server refuses the connection.
	bare, err := client.NewAgent("localhost:443", client.WithContextDialer(s.Dial), client.WithAPIKey(s.Keys.Agent),
		client.WithTLS(roots), client.WithRetry(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if _, err := bare.ListQueueTickets(t.Context(), &supportv1.ListQueueTicketsRequest{Queue: supportv1.Queue_QUEUE_AZURE}); err == nil {
		t.Fatal("call without a client certificate succeeded")
	}

	// Misuse fails at New.
	for name, opts := range map[string][]client.Option{
		"insecure":     {client.WithInsecure(), client.WithClientCertificate(mine.CertFile, mine.KeyFile)},
		"missing file": {client.WithTLS(roots), client.WithClientCertificate(mine.CertFile+".nope", mine.KeyFile)},
		"wrong key":    {client.WithTLS(roots), client.WithClientCertificate(mine.CertFile, server.KeyFile)},
	} {
		if c, err := client.New("localhost:443", opts...); err == nil {
			c.Close()
			t.Errorf("%s: New succeeded", name)
		}
	}
}
