package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// maxTextFile bounds what --text-file reads: far above any text the
// server accepts, so its own limit is the one users meet.
const maxTextFile = 1 << 20

// longText is the one long text of a command (a note, a description, a
// justification): given inline, as an argument or as a flag, or with
// --text-file FILE (- for standard input), never both. Every command that
// takes a long text registers it through longText, so --text-file means
// the same everywhere.
type longText struct {
	cmd      *cobra.Command
	what     string // the text, for help and errors: "note", "description"
	flag     string // the flag giving it inline ("description"); "" for the argument
	arg      int    // the argument's index, when flag is ""
	required bool
	inline   string // the flag's value
	file     string // --text-file
	stdin    io.Reader
}

// textArg registers --text-file on cmd for the text that is otherwise its
// argument number arg (from 0).
func (a *app) textArg(cmd *cobra.Command, what string, arg int, required bool) *longText {
	t := &longText{cmd: cmd, what: what, arg: arg, required: required, stdin: a.stdin}
	t.registerFile()
	return t
}

// textFlag registers --flag TEXT and --text-file on cmd for the text.
func (a *app) textFlag(cmd *cobra.Command, flag, what, usage string, required bool) *longText {
	t := &longText{cmd: cmd, what: what, flag: flag, required: required, stdin: a.stdin}
	if required {
		usage += " (required: this or --text-file)"
	}
	cmd.Flags().StringVar(&t.inline, flag, "", usage)
	t.registerFile()
	return t
}

func (t *longText) registerFile() {
	t.cmd.Flags().StringVar(&t.file, "text-file", "", "read the "+t.what+" from FILE (- for standard input) instead of "+t.source())
}

// source names where the inline text goes: "--description" or "the argument".
func (t *longText) source() string {
	if t.flag != "" {
		return "--" + t.flag
	}
	return "the argument"
}

// value returns the text of the command run with args: the inline text or
// the file's content. Giving both, or neither when required, is a usage
// error; a file that cannot be read is a failure (exit 1).
func (t *longText) value(args []string) (string, error) {
	inline, given := t.inline, t.cmd.Flags().Changed(t.flag)
	if t.flag == "" {
		given = t.arg < len(args)
		if given {
			inline = args[t.arg]
		}
	}
	if t.file == "" {
		if !given && t.required {
			return "", &usageError{fmt.Errorf("give the %s as %s or with --text-file FILE (- for standard input)", t.what, t.source())}
		}
		return inline, nil
	}
	if given {
		return "", &usageError{fmt.Errorf("the %s is either %s or --text-file, not both", t.what, t.source())}
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
		return "", failed(fmt.Errorf("--text-file %s: more than %d bytes", t.file, maxTextFile))
	}
	return string(b), nil
}
