// Package interop holds cross-language checks of the supportd API. Its
// test builds supportd, runs it with --demo on a free loopback port and
// drives it from the Node.js client in node/ (grpc-js and proto-loader
// loading the repository's .proto files). The test is skipped under
// -short and when node or npm is missing.
//
// TestReadmeSnippets runs the README's snippets as written (the grpcurl
// tour, the supportctl quick start, the grpcurl cookbook and the Go client
// quick start) against `supportd serve --demo`, in a clean shell whose
// PATH holds only the system directories, go and what the README adds (it
// installs grpcurl and supportctl itself); see readme_test.go. It is
// skipped under -short.
package interop
