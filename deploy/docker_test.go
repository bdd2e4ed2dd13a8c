// Package deploy holds the release files (Dockerfile steps, systemd unit);
// its test runs the Dockerfile natively through docker-steps.sh.
package deploy

import (
	"net"
	"os/exec"
	"strconv"
	"testing"
)

// freePort returns a loopback port free at the time of the call.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestDockerSteps runs deploy/docker-steps.sh: the Dockerfile's build
// stage, then its runtime stage (ENV, ENTRYPOINT, CMD), its HEALTHCHECK and
// a graceful stop, natively (docker build is not available everywhere).
func TestDockerSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binaries and runs the image's steps")
	}
	for _, tool := range []string{"bash", "openssl", "timeout", "tail"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH", tool)
		}
	}
	cmd := exec.Command("bash", "docker-steps.sh")
	cmd.Env = append(cmd.Environ(), "WORK="+t.TempDir(), "GRPC_PORT="+freePort(t), "METRICS_PORT="+freePort(t), "HTTP_PORT="+freePort(t), "VERSION=v0.0.0-dockersteps")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker-steps.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
