package interop

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHealthProbe runs grpc-health-probe, the standard Kubernetes probe,
// against a real supportd: overall and for each support.v1 service.
func TestHealthProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs supportd")
	}
	probe, err := exec.LookPath("grpc-health-probe")
	if err != nil {
		t.Skip("grpc-health-probe not on PATH (.ci/run installs it)")
	}
	addr, _ := startSupportd(t)
	for _, service := range []string{"", "support.v1.SupportService", "support.v1.AgentService", "support.v1.DirectoryService"} {
		args := []string{"-addr=" + addr}
		if service != "" {
			args = append(args, "-service="+service)
		}
		out, err := exec.Command(probe, args...).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "status: SERVING") {
			t.Errorf("grpc-health-probe %v: %v\n%s", args, err, out)
		}
	}
	out, err := exec.Command(probe, "-addr="+addr, "-service=support.v1.Nope").CombinedOutput()
	if err == nil {
		t.Errorf("probe of an unknown service succeeded: %s", out)
	}
}

// TestGrpcurlListsServices checks that server reflection shows the three
// support.v1 services to grpcurl without any .proto file.
func TestGrpcurlListsServices(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs supportd")
	}
	grpcurl, err := exec.LookPath("grpcurl")
	if err != nil {
		t.Skip("grpcurl not on PATH (.ci/run installs it)")
	}
	addr, _ := startSupportd(t)
	out, err := exec.Command(grpcurl, "-plaintext", addr, "list").CombinedOutput()
	if err != nil {
		t.Fatalf("grpcurl list: %v\n%s", err, out)
	}
	for _, service := range []string{"support.v1.SupportService", "support.v1.AgentService", "support.v1.DirectoryService",
		"grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} {
		if !strings.Contains(string(out), service+"\n") {
			t.Errorf("grpcurl list does not show %s:\n%s", service, out)
		}
	}
}
