package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/supportd/supportd/cmd/supportctl/internal/cli"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// runInput runs a command line with stdin as standard input.
func (c *ctl) runInput(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb syncBuffer
	code := cli.RunWithInput(c.t.Context(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return c.env[k] }, dialer(c)...)
	return code, out.String(), errb.String()
}

// TestLongTextFromFileOrStdin: every partner command taking a long text
// (note, create --description, severity --reason, escalate
// --justification) reads it from --text-file FILE or standard input (-),
// exactly as given, and refuses the text twice or not at all.
func TestLongTextFromFileOrStdin(t *testing.T) {
	c := newCtl(t)
	file := filepath.Join(t.TempDir(), "long.txt")
	const long = "RDP times out since 10:00.\n\nSteps tried:\n- restart\n- resize\n"
	if err := os.WriteFile(file, []byte(long), 0o600); err != nil {
		t.Fatal(err)
	}

	// create: the description from the file.
	args := slices.Clone(createArgs)
	i := slices.Index(args, "--description")
	args = slices.Replace(args, i, i+2, "--text-file", file)
	out := c.ok(append([]string{"-o", "json"}, args...)...)
	var tk supportv1.Ticket
	if err := protojson.Unmarshal([]byte(out), &tk); err != nil {
		t.Fatalf("create --text-file: %q: %v", out, err)
	}
	if tk.GetDescription() != long {
		t.Errorf("description %q, want the file's %q", tk.GetDescription(), long)
	}
	id := tk.GetId()

	// note: from the file, then from standard input.
	c.ok("tickets", "note", id, "--text-file", file)
	if code, _, errs := c.runInput("from stdin\nsecond line", "tickets", "note", id, "--text-file", "-"); code != 0 {
		t.Fatalf("note --text-file -: exit %d %s", code, errs)
	}
	// severity --reason and escalate --justification from standard input.
	if code, _, errs := c.runInput("production down", "tickets", "severity", id, "A", "--text-file", "-"); code != 0 {
		t.Fatalf("severity --text-file -: exit %d %s", code, errs)
	}
	if code, _, errs := c.runInput("all users blocked", "tickets", "escalate", id, "--reason", "business-impact", "--text-file", "-"); code != 0 {
		t.Fatalf("escalate --text-file -: exit %d %s", code, errs)
	}
	var notes supportv1.ListTicketNotesResponse
	if err := protojson.Unmarshal([]byte(c.ok("-o", "json", "tickets", "notes", id)), &notes); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, n := range notes.GetNotes() {
		texts = append(texts, n.GetText())
	}
	for _, want := range []string{long, "from stdin\nsecond line"} {
		if !slices.Contains(texts, want) {
			t.Errorf("notes %q lack %q", texts, want)
		}
	}
	var got supportv1.Ticket
	if err := protojson.Unmarshal([]byte(c.ok("-o", "json", "tickets", "get", id)), &got); err != nil {
		t.Fatal(err)
	}
	if got.GetSeverity() != supportv1.Severity_SEVERITY_A || got.GetEscalationLevel() != 1 {
		t.Errorf("severity %v escalation %d, want A and 1", got.GetSeverity(), got.GetEscalationLevel())
	}

	// Usage errors (exit 2): the text twice, or missing where required.
	for _, args := range [][]string{
		{"tickets", "note", id, "inline", "--text-file", file},
		{"tickets", "note", id},
		{"tickets", "severity", id, "B"},
		{"tickets", "severity", id, "B", "--reason", "x", "--text-file", file},
		{"tickets", "escalate", id, "--reason", "business-impact"},
		{"tickets", "escalate", id, "--reason", "business-impact", "--justification", "x", "--text-file", file},
		append(slices.Clone(createArgs), "--text-file", file),
	} {
		if code, _, errs := c.run(args...); code != cli.ExitUsage || !strings.Contains(errs, "--text-file") {
			t.Errorf("%v: exit %d %q; want 2 naming --text-file", args, code, errs)
		}
	}
	// A file that cannot be read is a failure, not a usage error.
	if code, _, errs := c.run("tickets", "note", id, "--text-file", filepath.Join(t.TempDir(), "missing")); code != cli.ExitError {
		t.Errorf("missing --text-file: exit %d %q; want 1", code, errs)
	}
}
