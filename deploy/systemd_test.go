package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unitSettings reads the Key=Value lines of a unit file (the last value of
// a repeated key wins, as systemd reads most of them).
func unitSettings(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "[") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		out[k] = v
	}
	return out
}

// TestSystemdUnitHardening: the unit keeps its sandbox: the settings an
// operator relies on are present with their values.
func TestSystemdUnitHardening(t *testing.T) {
	got := unitSettings(t, "supportd.service")
	for k, want := range map[string]string{
		"DynamicUser":             "yes",
		"StateDirectory":          "supportd",
		"ProtectSystem":           "strict",
		"ReadWritePaths":          "/var/lib/supportd",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"AmbientCapabilities":     "",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"SystemCallArchitectures": "native",
		"KillSignal":              "SIGTERM",
		"Environment":             "SUPPORTD_LOG_FORMAT=json",
	} {
		if v, ok := got[k]; !ok || v != want {
			t.Errorf("%s=%q (present %v), want %q", k, v, ok, want)
		}
	}
	if !strings.HasPrefix(got["ExecStart"], "/usr/local/bin/supportd serve") {
		t.Errorf("ExecStart=%q", got["ExecStart"])
	}
}

// TestSystemdUnitVerifies: systemd-analyze accepts the unit (with the
// binary it starts replaced by one that exists on this machine).
func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not on PATH")
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		t.Skip("no true(1)")
	}
	b, err := os.ReadFile("supportd.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(t.TempDir(), "supportd.service")
	text := strings.Replace(string(b), "ExecStart=/usr/local/bin/supportd", "ExecStart="+truePath, 1)
	if err := os.WriteFile(unit, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
