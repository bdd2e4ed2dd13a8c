package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "-compiler", Value: "gc"},
		{Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-11-29T23:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	tests := []struct {
		name    string
		bi      debug.BuildInfo
		release string
		want    Info
		line    string
	}{
		{
			name: "local build from a dirty checkout",
			bi:   debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			want: Info{Version: "(devel)", Revision: "0123abcd", Time: "2026-11-29T23:00:00Z", Modified: true, GoVersion: "go1.26.0"},
			line: "(devel) (revision 0123abcd, 2026-11-29T23:00:00Z, modified) go1.26.0",
		},
		{
			name:    "release version set by ldflags wins over the module version",
			bi:      debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-2026"}, Settings: vcs[:3]},
			release: "v1.2.3",
			want:    Info{Version: "v1.2.3", Revision: "0123abcd", Time: "2026-11-29T23:00:00Z", GoVersion: "go1.26.0"},
			line:    "v1.2.3 (revision 0123abcd, 2026-11-29T23:00:00Z) go1.26.0",
		},
		{
			name: "go install of a tagged module, no VCS settings",
			bi:   debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.0.0"}},
			want: Info{Version: "v1.0.0", GoVersion: "go1.26.0"},
			line: "v1.0.0 go1.26.0",
		},
		{
			name: "nothing known",
			want: Info{Version: "(unknown)"},
			line: "(unknown)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fromBuildInfo(&tt.bi, tt.release)
			if got != tt.want {
				t.Errorf("fromBuildInfo = %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.line {
				t.Errorf("String = %q, want %q", s, tt.line)
			}
		})
	}
}
