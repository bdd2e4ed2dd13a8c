package interop

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestTypeScriptClient runs the tests of the TypeScript client
// (clients/typescript, `node --test`) against a freshly built supportd:
// create, get, list with paging, a typed error and a watch that resumes,
// over gRPC and over Connect on the HTTP listener.
func TestTypeScriptClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds supportd and runs npm ci: not under -short")
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not found", tool)
		}
	}
	dir, err := filepath.Abs(filepath.Join("..", "clients", "typescript"))
	if err != nil {
		t.Fatal(err)
	}
	npmCI(t, dir)
	addr, httpAddr, key := startSupportdHTTP(t)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	node := exec.CommandContext(ctx, "node", "--test", "test/")
	node.Dir = dir
	node.Env = append(os.Environ(), "SUPPORTD_ADDR="+addr, "SUPPORTD_HTTP="+httpAddr, "SUPPORTD_KEY="+key)
	out, err := node.CombinedOutput()
	t.Logf("node --test:\n%s", out)
	if err != nil {
		t.Fatalf("node --test: %v", err)
	}
}
