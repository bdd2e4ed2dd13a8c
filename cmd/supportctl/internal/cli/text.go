package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// maxTextFile bounds what --text-file reads: far above any text the
// server accepts, so its own limit is the one users meet.
const maxTextFile = 1 << 20

// textFlag is a text given as an argument or, for long texts, with
// --text-file FILE (- for standard input).
type textFlag struct {
	file  string
	stdin io.Reader
}

func (t *textFlag) register(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&t.file, "text-file", "", "read the "+what+" from FILE (- for standard input) instead of the argument")
}

// value returns the text: the argument, or the file's content. Giving
// both, or neither when required, is a usage error.
func (t *textFlag) value(arg string, hasArg, required bool) (string, error) {
	if t.file == "" {
		if !hasArg && required {
			return "", errors.New("give the text as an argument or with --text-file FILE (- for standard input)")
		}
		return arg, nil
	}
	if hasArg {
		return "", errors.New("the text is either an argument or --text-file, not both")
	}
	r := t.stdin
	if t.file != "-" {
		f, err := os.Open(t.file)
		if err != nil {
			return "", failed(err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxTextFile+1))
	if err != nil {
		return "", failed(err)
	}
	if len(b) > maxTextFile {
		return "", fmt.Errorf("--text-file %s: more than %d bytes", t.file, maxTextFile)
	}
	return string(b), nil
}
