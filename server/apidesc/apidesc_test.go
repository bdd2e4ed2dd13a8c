package apidesc_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/apidesc"
)

// TestEmbeddedMatchesGenerated: the embedded descriptors describe exactly
// the API compiled into gen/ (a proto change without rebuilding
// support.binpb fails here, not only in CI), with source info added.
func TestEmbeddedMatchesGenerated(t *testing.T) {
	files, err := apidesc.Files()
	if err != nil {
		t.Fatal(err)
	}
	_ = supportv1.File_support_v1_support_proto // link gen/ into GlobalFiles
	n := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("support.v1", func(gen protoreflect.FileDescriptor) bool {
		n++
		emb, err := files.FindFileByPath(gen.Path())
		if err != nil {
			t.Errorf("%s is not embedded: rebuild support.binpb", gen.Path())
			return true
		}
		want := protodesc.ToFileDescriptorProto(gen)
		got := protodesc.ToFileDescriptorProto(emb)
		if len(got.GetSourceCodeInfo().GetLocation()) == 0 {
			t.Errorf("%s: embedded without source info", gen.Path())
		}
		got.SourceCodeInfo, want.SourceCodeInfo = nil, nil
		if !proto.Equal(got, want) {
			t.Errorf("%s: the embedded descriptor differs from gen/: rebuild support.binpb (see the package documentation)", gen.Path())
		}
		return true
	})
	if n == 0 {
		t.Fatal("no support.v1 file in the generated registry")
	}
}

// TestResolverServesComments: a message of the API resolves with its
// comment; a descriptor outside the set (health) falls back.
func TestResolverServesComments(t *testing.T) {
	r, err := apidesc.Resolver(protoregistry.GlobalFiles)
	if err != nil {
		t.Fatal(err)
	}
	d, err := r.FindDescriptorByName("support.v1.CreateTicketRequest")
	if err != nil {
		t.Fatal(err)
	}
	if c := d.ParentFile().SourceLocations().ByDescriptor(d).LeadingComments; c == "" {
		t.Error("support.v1.CreateTicketRequest has no leading comment")
	}
	_ = supportv1.File_support_v1_support_proto
	if _, err := r.FindFileByPath("google/protobuf/timestamp.proto"); err != nil {
		t.Errorf("timestamp.proto: %v", err)
	}
}

// TestEmbeddedIsReproducible: support.binpb is what buf builds from
// proto/ now, comments included (a comment-only change to a .proto file
// is invisible to TestEmbeddedMatchesGenerated). The command is the one
// in the package documentation and in CI.
func TestEmbeddedIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs buf")
	}
	out := filepath.Join(t.TempDir(), "support.binpb")
	cmd := exec.Command("go", "tool", "-modfile=tools/go.mod", "buf", "build", "--as-file-descriptor-set", "-o", out)
	cmd.Dir = filepath.Join("..", "..")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("buf is not available here (%v): CI checks the file\n%s", err, msg)
	}
	built, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := os.ReadFile("support.binpb")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(built, embedded) {
		t.Fatal("server/apidesc/support.binpb is stale (a .proto file changed): run " +
			"'go tool -modfile=tools/go.mod buf build --as-file-descriptor-set -o server/apidesc/support.binpb' and commit it")
	}
}
