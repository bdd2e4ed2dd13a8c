package interop

import (
	"strings"
	"testing"

	"github.com/supportd/supportd/server/config"
)

// TestReadmeConfigurationParses: the README's YAML configuration snippets
// are valid configuration files (the strict parser of `supportd serve
// --config` accepts them), and its example of a rejected file is rejected
// with the message it shows.
func TestReadmeConfigurationParses(t *testing.T) {
	blocks := readmeBlocks(t)
	var n int
	for _, b := range blocks {
		if b.lang != "yaml" {
			continue
		}
		n++
		if _, err := config.Parse([]byte(b.text)); err != nil {
			t.Errorf("README.md:%d: the %q section's configuration does not parse: %v", b.line, b.section, err)
		}
	}
	if n < 2 {
		t.Fatalf("README.md has %d yaml blocks, want the configuration and the CORS example", n)
	}

	// The README's rejected example: overlapping ranges on Monday.
	bad := "calendars:\n  - id: fr\n    hours:\n      mon: [\"09:00-12:00\", \"11:00-13:00\"]\n"
	_, err := config.Parse([]byte(bad))
	if err == nil || !strings.Contains(err.Error(), "line 4: calendars[0].hours.mon: ranges 09:00-12:00 and 11:00-13:00 overlap") {
		t.Errorf("overlapping ranges: %v, want the README's message", err)
	}
}
