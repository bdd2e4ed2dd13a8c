// Package buildinfo says which build of supportd is running: the release
// version (set at link time), else the module version, plus the VCS
// revision, commit time and dirty flag that the go command records in the
// binary. Both supportd and supportctl print it (`version` subcommands), so
// it lives outside server/ and client/.
package buildinfo

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version is the release version, set for releases with
//
//	go build -ldflags "-X github.com/supportd/supportd/internal/buildinfo.version=v1.2.3"
//
// Empty in ordinary builds: the module version from the build info is used.
var version string

// Info describes a build. Empty fields are unknown (a test binary, a build
// outside a VCS checkout or with -buildvcs=false).
type Info struct {
	Version   string // release version, else the main module's version ("(devel)" for a local build)
	Revision  string // VCS commit (vcs.revision)
	Time      string // commit time, RFC 3339 (vcs.time)
	Modified  bool   // the work tree had uncommitted changes (vcs.modified)
	GoVersion string // the Go toolchain that built the binary
}

// Read returns the Info of the running binary.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{Version: orUnknown(version)}
	}
	return fromBuildInfo(bi, version)
}

// fromBuildInfo builds an Info from bi; release, when set, wins over the
// module version.
func fromBuildInfo(bi *debug.BuildInfo, release string) Info {
	info := Info{Version: release, GoVersion: bi.GoVersion}
	if info.Version == "" {
		info.Version = orUnknown(bi.Main.Version)
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			info.Revision = s.Value
		case "vcs.time":
			info.Time = s.Value
		case "vcs.modified":
			info.Modified = s.Value == "true"
		}
	}
	return info
}

func orUnknown(v string) string {
	if v == "" {
		return "(unknown)"
	}
	return v
}

// String is the one-line form printed by `version`:
// "v1.2.3 (revision 0123abc..., 2026-11-29T23:00:00Z, modified) go1.26.0".
func (i Info) String() string {
	var vcs []string
	if i.Revision != "" {
		vcs = append(vcs, "revision "+i.Revision)
	}
	if i.Time != "" {
		vcs = append(vcs, i.Time)
	}
	if i.Modified {
		vcs = append(vcs, "modified")
	}
	s := i.Version
	if len(vcs) > 0 {
		s += " (" + strings.Join(vcs, ", ") + ")"
	}
	if i.GoVersion != "" {
		s += " " + i.GoVersion
	}
	return s
}

// Print writes "<program> <Info>" as one line.
func Print(w io.Writer, program string) error {
	_, err := fmt.Fprintf(w, "%s %s\n", program, Read())
	return err
}
