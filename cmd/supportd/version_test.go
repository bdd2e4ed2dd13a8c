package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestVersionFromLdflags: a release build sets the version with -ldflags
// -X, and `supportd version` prints it with the Go version.
func TestVersionFromLdflags(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the supportd binary")
	}
	bin := filepath.Join(t.TempDir(), "supportd")
	build := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X github.com/supportd/supportd/internal/buildinfo.version=v9.8.7-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("supportd version: %v\n%s", err, out)
	}
	line := strings.TrimSpace(string(out))
	if !strings.HasPrefix(line, "supportd v9.8.7-test ") || !strings.HasSuffix(line, runtime.Version()) {
		t.Errorf("supportd version printed %q, want \"supportd v9.8.7-test ... %s\"", line, runtime.Version())
	}
}
