package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
)

// TestContextsHoldCredentials: set-context writes a private file under
// XDG_CONFIG_HOME, the current context is used without --key, --context
// picks another, flags and environment win over it, and a file others
// can read is refused.
func TestContextsHoldCredentials(t *testing.T) {
	c := newCtl(t)
	delete(c.env, "SUPPORT_KEY")
	dir := c.env["XDG_CONFIG_HOME"]
	keyFile := filepath.Join(t.TempDir(), "agent.key")
	if err := os.WriteFile(keyFile, []byte(c.s.Keys.Agent+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.ok("config", "set-context", "partner", "--addr", "127.0.0.1:8443", "--key", c.s.Keys.Partner)
	c.ok("config", "set-context", "agent", "--addr", "127.0.0.1:8443", "--key-file", keyFile)
	path := filepath.Join(dir, "supportctl", "config.yaml")
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v mode %v", err, info.Mode())
	}
	out := c.ok("config", "get-contexts")
	if !strings.Contains(out, "key-file "+keyFile) || !regexpCurrent.MatchString(out) {
		t.Errorf("get-contexts (partner current):\n%s", out)
	}
	if strings.Contains(out, c.s.Keys.Partner) {
		t.Errorf("get-contexts prints a secret:\n%s", out)
	}

	// The first context is current: partner calls work without --key.
	c.ok("tickets", "list")
	// --context picks the agent's (its key from the key file).
	c.ok("--context", "agent", "agent", "queue", "azure")
	c.ok("config", "use-context", "agent")
	c.ok("agent", "queue", "azure")
	// The environment wins over the context, and a flag over both.
	c.env["SUPPORT_KEY"] = "sk_wrong"
	if code, _, errs := c.run("agent", "queue", "azure"); code != cli.ExitError || !strings.Contains(errs, "UNAUTHENTICATED") {
		t.Errorf("SUPPORT_KEY over the context: exit %d %q", code, errs)
	}
	c.ok("--key", c.s.Keys.Agent, "agent", "queue", "azure")
	delete(c.env, "SUPPORT_KEY")

	// An unknown context, and a file others may read: refused, clearly.
	if code, _, errs := c.run("--context", "nope", "tickets", "list"); code == 0 || !strings.Contains(errs, `context "nope"`) {
		t.Errorf("unknown context: exit %d %q", code, errs)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := c.run("tickets", "list")
	if code == 0 || !strings.Contains(errs, "readable by others") || !strings.Contains(errs, "chmod 600") {
		t.Errorf("group-readable file: exit %d %q", code, errs)
	}
}

var regexpCurrent = regexp.MustCompile(`(?m)^\*\s+partner\s`)

// TestConfigFileFromEnvironment: SUPPORTCTL_CONFIG names the credentials
// file, over XDG_CONFIG_HOME; set-context and use-context say where they
// wrote.
func TestConfigFileFromEnvironment(t *testing.T) {
	c := newCtl(t)
	delete(c.env, "SUPPORT_KEY")
	path := filepath.Join(t.TempDir(), "ops", "supportctl.yaml")
	c.env["SUPPORTCTL_CONFIG"] = path
	out := c.ok("config", "set-context", "local", "--addr", "127.0.0.1:8443", "--key", c.s.Keys.Partner)
	if !strings.Contains(out, "context local saved in "+path) {
		t.Errorf("set-context says %q", out)
	}
	if out := c.ok("config", "use-context", "local"); !strings.Contains(out, "current context: local") {
		t.Errorf("use-context says %q", out)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file at SUPPORTCTL_CONFIG: %v", err)
	}
	if _, err := os.Stat(filepath.Join(c.env["XDG_CONFIG_HOME"], "supportctl", "config.yaml")); err == nil {
		t.Error("the file under XDG_CONFIG_HOME was written despite SUPPORTCTL_CONFIG")
	}
	c.ok("tickets", "list") // the key from the file SUPPORTCTL_CONFIG names
}
