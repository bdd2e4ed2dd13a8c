package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBuildWithoutCgo: `CGO_ENABLED=0 go build` succeeds, and the binary
// says at start why it cannot serve (SQLite is C code) instead of failing
// on an obscure driver error; `version` still works.
func TestBuildWithoutCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds supportd without cgo")
	}
	bin := filepath.Join(t.TempDir(), "supportd")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	const want = "this binary was built without cgo; SQLite needs cgo: rebuild with CGO_ENABLED=1 and a C compiler"
	dir := t.TempDir()
	for _, args := range [][]string{
		{"serve", "--http-listen", "", "--listen", "127.0.0.1:0", "--metrics-listen", "", "--db", filepath.Join(dir, "a.db")},
		{"keys", "create", "--role", "admin", "--db", filepath.Join(dir, "b.db")},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("supportd %s without cgo: %v, want exit status 1\n%s", args[0], err, out)
		}
		if !strings.Contains(string(out), want) {
			t.Errorf("supportd %s without cgo says %q, want %q", args[0], out, want)
		}
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil {
		t.Errorf("supportd version without cgo: %v\n%s", err, out)
	}
}
