package main

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/internal/testcerts"
)

func TestServeRefusesPlaintextOnTheNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:0", "--metrics-listen", ""},
		{"--listen", ":0", "--metrics-listen", ""},
		{"--listen", "127.0.0.1:0", "--metrics-listen", "0.0.0.0:0"},
	} {
		db := filepath.Join(t.TempDir(), "supportd.db")
		out, err := exec.Command(bin, append([]string{"serve", "--http-listen", "", "--db", db}, args...)...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("serve %v: %v, want exit status 1\n%s", args, err, out)
		}
		for _, want := range []string{"supportd: ", "not a loopback address", "--tls-cert FILE --tls-key FILE", "--insecure-plaintext"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("serve %v: message %q lacks %q", args, out, want)
			}
		}
		if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("serve %v created the database before refusing: %v", args, err)
		}
	}
	// --insecure-plaintext serves anyway (all interfaces, port chosen by the system).
	srv := startServer(t, bin, filepath.Join(t.TempDir(), "supportd.db"), "--listen", "0.0.0.0:0", "--insecure-plaintext")
	srv.stop(t)
}

func TestServeTLSWithClientCertificates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	ca := testcerts.NewCA(t, "test")
	server := ca.Server(t, "server")
	db := filepath.Join(t.TempDir(), "supportd.db")
	admin := createKey(t, bin, db, "--role", "admin")
	srv := startServer(t, bin, db, "--listen", "localhost:0",
		"--tls-cert", server.CertFile, "--tls-key", server.KeyFile, "--tls-client-ca", ca.File)

	mine := ca.Client(t, "provisioning")
	dir, err := client.NewDirectory(srv.addr, client.WithAPIKey(admin),
		client.WithTLS(&tls.Config{RootCAs: ca.Pool()}), client.WithClientCertificate(mine.CertFile, mine.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if _, err := supportv1.NewDirectoryServiceClient(dir.Conn()).ListPartners(ctx, &supportv1.ListPartnersRequest{}, grpc.WaitForReady(true)); err != nil {
		t.Fatalf("ListPartners over mutual TLS: %v", err)
	}
	// No client certificate: refused; plaintext: refused.
	bare, err := grpc.NewClient(srv.addr, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: ca.Pool()})))
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	if _, err := healthpb.NewHealthClient(bare).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
		t.Fatal("health check without a client certificate succeeded")
	}
	if _, err := healthpb.NewHealthClient(dial(t, srv.addr)).Check(ctx, &healthpb.HealthCheckRequest{}); err == nil {
		t.Fatal("plaintext health check on a TLS server succeeded")
	}
	// supportd health over mutual TLS (the probe of a container or unit).
	probe := func(args ...string) (string, error) {
		out, err := exec.Command(bin, append([]string{"health", "--addr", srv.addr, "--ca", ca.File}, args...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := probe("--cert", mine.CertFile, "--cert-key", mine.KeyFile, "--service", "supportd.storage"); err != nil || !strings.Contains(out, "SERVING") {
		t.Fatalf("supportd health with a client certificate: %v\n%s", err, out)
	}
	if out, err := probe(); err == nil {
		t.Fatalf("supportd health without a client certificate succeeded:\n%s", out)
	}
	srv.stop(t)
}
