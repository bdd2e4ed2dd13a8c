// Package apidesc holds the descriptors of the support.v1 API with their
// source info (the comments of the .proto files), for server reflection.
// protoc-gen-go strips comments from the descriptors it compiles into gen/,
// so reflection served from those shows none; this package embeds a
// FileDescriptorSet built by buf with source info instead.
//
// support.binpb is generated output, like gen/; rebuild it after changing
// proto/ with (from the repository root)
//
//	go tool -modfile=tools/go.mod buf build --as-file-descriptor-set -o server/apidesc/support.binpb
//
// CI checks that this command reproduces the committed file.
package apidesc

import (
	_ "embed"
	"fmt"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
)

//go:embed support.binpb
var descriptorSet []byte

var (
	loadOnce sync.Once
	files    *protoregistry.Files
	loadErr  error
)

// Files returns the API's files (and the google/protobuf files they
// import) with their source info, parsed once.
func Files() (*protoregistry.Files, error) {
	loadOnce.Do(func() {
		var set descriptorpb.FileDescriptorSet
		if err := proto.Unmarshal(descriptorSet, &set); err != nil {
			loadErr = fmt.Errorf("apidesc: embedded descriptor set: %w", err)
			return
		}
		files, loadErr = protodesc.NewFiles(&set)
		if loadErr != nil {
			loadErr = fmt.Errorf("apidesc: embedded descriptor set: %w", loadErr)
		}
	})
	return files, loadErr
}

// Resolver returns a resolver that finds the API's descriptors, comments
// included, and everything else (health, reflection itself) in fallback,
// usually protoregistry.GlobalFiles.
func Resolver(fallback *protoregistry.Files) (protodesc.Resolver, error) {
	f, err := Files()
	if err != nil {
		return nil, err
	}
	return layered{first: f, then: fallback}, nil
}

// layered looks a descriptor up in first, then in then.
type layered struct{ first, then *protoregistry.Files }

func (l layered) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if fd, err := l.first.FindFileByPath(path); err == nil {
		return fd, nil
	}
	return l.then.FindFileByPath(path)
}

func (l layered) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := l.first.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	return l.then.FindDescriptorByName(name)
}
