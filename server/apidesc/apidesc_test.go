package apidesc_test

import (
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
