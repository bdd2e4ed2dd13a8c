package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0010_later.sql": {Data: []byte("B")},
		"m/0002_first.sql": {Data: []byte("A")},
	}
	ms, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	want := []Migration{{2, "0002_first.sql", "A"}, {10, "0010_later.sql", "B"}}
	if len(ms) != 2 || ms[0] != want[0] || ms[1] != want[1] || Latest(ms) != 10 {
		t.Fatalf("Load = %+v, want %+v (latest 10)", ms, want)
	}
	if Latest(nil) != 0 {
		t.Fatal("Latest(nil) != 0")
	}
	for _, bad := range []string{"m/notes.sql", "m/x_notes.sql"} {
		_, err := Load(fstest.MapFS{bad: {}}, "m")
		if err == nil || !strings.Contains(err.Error(), "must start with a version number") {
			t.Errorf("Load with %s: %v, want a version number error", bad, err)
		}
	}
}
