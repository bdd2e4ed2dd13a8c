package main

import (
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHealthCommand: `supportd health` (the image's HEALTHCHECK) exits 0
// and prints SERVING for a running server, and exits 1 for an address
// nobody serves or a service the server does not have.
func TestHealthCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	srv := startServer(t, bin, filepath.Join(t.TempDir(), "h.db"))

	out, err := exec.Command(bin, "health", "--addr", srv.addr).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "SERVING" {
		t.Errorf("health of a running server: %v, output %q, want exit 0 and SERVING", err, out)
	}
	out, err = exec.Command(bin, "health", "--addr", srv.addr, "--wait", "--service", "support.v1.SupportService").CombinedOutput()
	if err != nil {
		t.Errorf("health --wait --service support.v1.SupportService: %v\n%s", err, out)
	}
	wantExit1 := func(what string, args ...string) {
		t.Helper()
		out, err := exec.Command(bin, append([]string{"health"}, args...)...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("health of %s: %v, want exit status 1\n%s", what, err, out)
		}
	}
	wantExit1("an unknown service", "--addr", srv.addr, "--service", "support.v1.NoSuchService")

	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	wantExit1("an address nobody serves", "--addr", addr)
	srv.stop(t)
}
