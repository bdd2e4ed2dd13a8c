package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeRefusesInvalidConfig: `supportd serve --config FILE` with an
// invalid file exits non-zero before serving, with a message naming the
// file, the line and the key of each problem; a valid file is accepted.
func TestServeRefusesInvalidConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the supportd binary")
	}
	bin := buildSupportd(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte(`escalation:
  warn_at: 1.5
calendars:
  - id: fr
    time_zone: Europe/Nowhere
    hours:
      mon: ["09:00-12:00", "11:00-13:00"]
watch:
  bogus: 1
`), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", "--http-listen", "", "--listen", "127.0.0.1:0", "--db", filepath.Join(dir, "x.db"), "--metrics-listen", "", "--config", bad)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 {
		t.Fatalf("serve with an invalid config: %v\n%s", err, out)
	}
	for _, want := range []string{
		bad + ": line 2: escalation.warn_at",
		"line 5: calendars[0].time_zone",
		"line 7: calendars[0].hours.mon",
		"line 9: watch.bogus: unknown key",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("message does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "supportd serving") {
		t.Errorf("the server started anyway:\n%s", out)
	}
	if strings.Contains(string(out), "panic") || strings.Contains(string(out), "goroutine ") {
		t.Errorf("a stack trace instead of a message:\n%s", out)
	}

	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("response_targets:\n  A: 1h\ncalendars:\n  - id: de\n    holidays: [{date: \"01-01\"}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, bin, filepath.Join(dir, "good.db"), "--config", good)
	srv.stop(t)
}
