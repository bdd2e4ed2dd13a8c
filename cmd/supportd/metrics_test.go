package main

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMetricsPortInUseStopsTheServer: a metrics address that cannot be
// bound (here given through SUPPORTD_METRICS_LISTEN) stops supportd at
// start with a message naming the flag and the address, like a busy gRPC
// address does, instead of serving without metrics.
func TestMetricsPortInUseStopsTheServer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()

	cmd := exec.Command(bin, "serve", "--http-listen", "", "--listen", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"), "--demo")
	cmd.Env = append(os.Environ(), "SUPPORTD_METRICS_LISTEN="+addr)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("serve with a busy metrics port: %v, want a non-zero exit\n%s", err, out)
	}
	if want := "--metrics-listen " + addr; !strings.Contains(string(out), want) {
		t.Errorf("message does not name %q:\n%s", want, out)
	}
	for _, never := range []string{"supportd serving", "sk_"} {
		if strings.Contains(string(out), never) {
			t.Errorf("output has %q: the server got further than binding its listeners:\n%s", never, out)
		}
	}
}
