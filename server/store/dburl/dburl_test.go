package dburl

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		db     string
		kind   Kind
		target string
		bad    bool
	}{
		{db: "supportd.db", kind: SQLite, target: "supportd.db"},
		{db: "/var/lib/supportd/supportd.db", kind: SQLite, target: "/var/lib/supportd/supportd.db"},
		{db: "sqlite:data/s.db", kind: SQLite, target: "data/s.db"},
		{db: "sqlite:///var/s.db", kind: SQLite, target: "/var/s.db"},
		{db: "postgres://u:p@h:5432/d?sslmode=disable", kind: PostgreSQL, target: "postgres://u:p@h:5432/d?sslmode=disable"},
		{db: "postgresql://h/d", kind: PostgreSQL, target: "postgresql://h/d"},
		{db: "mysql://h/d", bad: true},
		{db: "", bad: true},
	} {
		kind, target, err := Parse(tc.db)
		if tc.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %s %q, want an error", tc.db, kind, target)
			}
			continue
		}
		if err != nil || kind != tc.kind || target != tc.target {
			t.Errorf("Parse(%q) = %s %q %v, want %s %q", tc.db, kind, target, err, tc.kind, tc.target)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:secret@h/d": "postgres://u:xxxxx@h/d",
		"postgres://u@h/d":        "postgres://u@h/d",
		"supportd.db":             "supportd.db",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}
