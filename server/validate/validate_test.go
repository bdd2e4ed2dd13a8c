package validate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/supportd/supportd/server/validate"
)

func TestText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		text string
		ok   bool
	}{
		{"text", "name", true},
		{"empty", "", false},
		{"blank", " \t\n", false},
		{"at the bound in characters", strings.Repeat("é", 4), true},
		{"past the bound", strings.Repeat("e", 5), false},
	}
	for _, c := range cases {
		var v validate.Violations
		v.Text("name", c.text, 4)
		if got := fields(t, v.Err()); (got == nil) != c.ok {
			t.Errorf("%s: fields %v, want ok %v", c.name, got, c.ok)
		}
	}
}

func TestID(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id string
		ok bool
	}{
		{"adatum", true},
		{"a", true},
		{"A.b_c-9", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{".a", false},
		{"-a", false},
		{"a b", false},
		{"a/b", false},
		{"é", false},
	}
	for _, c := range cases {
		var v validate.Violations
		v.ID("id", c.id)
		if got := fields(t, v.Err()); (got == nil) != c.ok {
			t.Errorf("ID(%q): fields %v, want ok %v", c.id, got, c.ok)
		}
	}
}

func TestRequestIDProblem(t *testing.T) {
	t.Parallel()
	cases := []struct {
		id   string
		want string // substring of the problem; "" for none
	}{
		{"3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b", ""},
		{"3F2B8C1E-9D4A-4E7B-8A6F-1C2D3E4F5A6B", ""},
		{"", "required: a UUID chosen by the client, so that a retry does no harm"},
		{"req-1", "not a UUID"},
		{"3f2b8c1e9d4a4e7b8a6f1c2d3e4f5a6b", "not a UUID"},
		{"urn:uuid:3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b", "not a UUID"},
		{"{3f2b8c1e-9d4a-4e7b-8a6f-1c2d3e4f5a6b}", "not a UUID"},
		{"00000000-0000-0000-0000-000000000000", "nil UUID"},
	}
	for _, c := range cases {
		got := validate.RequestIDProblem(c.id, "a retry does no harm")
		if c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("RequestIDProblem(%q) = %q, want %q", c.id, got, c.want)
		}
	}
}

func TestViolationsKeepRequestOrder(t *testing.T) {
	t.Parallel()
	var v validate.Violations
	if v.Err() != nil {
		t.Fatal("no violations is not an error")
	}
	v.Required("b", false)
	v.Required("a", false)
	v.Required("c", true)
	if got := fields(t, v.Err()); !slices.Equal(got, []string{"b", "a"}) {
		t.Fatalf("fields %v, want [b a]", got)
	}
}
