package cli_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
	"github.com/supportd/supportd/internal/livetest"
	"github.com/supportd/supportd/internal/testcerts"
	"github.com/supportd/supportd/server/app"
)

func TestMutualTLSWithClientCertificate(t *testing.T) {
	ca := testcerts.NewCA(t, "test")
	server := ca.Server(t, "server")
	certs, err := app.NewCertReloader(app.TLSFiles{Cert: server.CertFile, Key: server.KeyFile, ClientCA: ca.File},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s := livetest.StartTLS(t, certs.ServerConfig())
	c := &ctl{t: t, s: s, env: map[string]string{"SUPPORT_KEY": s.Keys.Partner}}
	mine := ca.Client(t, "partner-cli")

	// --ca and --cert imply TLS even on the loopback default address.
	out := c.ok("--ca", ca.File, "--cert", mine.CertFile, "--cert-key", mine.KeyFile, "topics", "list", "--service", "azure")
	if !strings.Contains(out, "azure-vm-connectivity") {
		t.Fatalf("topics over mutual TLS: %q", out)
	}
	// Without a client certificate the server refuses the connection: the
	// handshake fails, so the server is unreachable (exit 3), not refusing.
	code, _, errs := c.run("--ca", ca.File, "--timeout", "2s", "topics", "list", "--service", "azure")
	if code != cli.ExitUnreachable {
		t.Fatalf("without a client certificate: exit %d, stderr %q", code, errs)
	}
	// Usage errors: a certificate without its key, or with --insecure.
	for _, args := range [][]string{
		{"--cert", mine.CertFile, "topics", "list", "--service", "azure"},
		{"--insecure", "--cert", mine.CertFile, "--cert-key", mine.KeyFile, "topics", "list", "--service", "azure"},
		{"--insecure", "--ca", ca.File, "topics", "list", "--service", "azure"},
	} {
		if code, _, errs := c.run(args...); code != cli.ExitUsage {
			t.Errorf("%v: exit %d, stderr %q; want %d", args, code, errs, cli.ExitUsage)
		}
	}
}
