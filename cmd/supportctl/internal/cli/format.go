package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
)

// outputFormats are the values of -o.
var outputFormats = []string{"table", "json", "yaml", "name"}

// view is what a command prints: the API message (json, yaml), the
// resource ids (name) and the table.
type view struct {
	msg   proto.Message
	names []string
	table func(w io.Writer) error
	// list says the table starts with a header row (--no-headers drops it).
	list bool
}

// emit prints v in the format of -o.
func (a *app) emit(v view) error {
	switch a.output {
	case "json":
		return printJSON(a.stdout, v.msg)
	case "yaml":
		return printYAML(a.stdout, v.msg)
	case "name":
		for _, n := range v.names {
			if _, err := fmt.Fprintln(a.stdout, printable(n)); err != nil {
				return err
			}
		}
		return nil
	}
	w := a.stdout
	if v.list && a.noHeaders {
		w = &skipFirstLine{w: w}
	}
	return v.table(w)
}

// printYAML prints m as YAML converted from its protojson form (so field
// names, enum names, timestamps and durations read as in -o json). The
// JSON is decoded into a node tree, which keeps the field order.
func printYAML(w io.Writer, m proto.Message) error {
	b, err := jsonIndented.Marshal(m)
	if err != nil {
		return failed(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return failed(err)
	}
	clearStyle(&doc)
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return failed(err)
	}
	if err := enc.Close(); err != nil {
		return failed(err)
	}
	_, err = w.Write(out.Bytes())
	return err
}

// clearStyle drops the flow and quoting style the JSON input gave every
// node, so the YAML is block style with quotes only where needed.
func clearStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		clearStyle(c)
	}
}

// skipFirstLine drops everything up to and including the first newline.
type skipFirstLine struct {
	w       io.Writer
	skipped bool
}

func (s *skipFirstLine) Write(p []byte) (int, error) {
	n := len(p)
	if !s.skipped {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			return n, nil
		}
		s.skipped = true
		p = p[i+1:]
	}
	if _, err := s.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// rowsView is the view of a list of items: msg for -o json and yaml, each
// item's id for -o name, and a table of header (tab-separated column
// names) and one row of cells per item.
func rowsView[T any](msg proto.Message, items []T, id func(T) string, header string, row func(T) []string) view {
	v := view{msg: msg, list: true, table: func(w io.Writer) error {
		tw := table(w)
		fmt.Fprintln(tw, header)
		for _, it := range items {
			fmt.Fprintln(tw, strings.Join(row(it), "\t"))
		}
		return tw.Flush()
	}}
	for _, it := range items {
		v.names = append(v.names, id(it))
	}
	return v
}
