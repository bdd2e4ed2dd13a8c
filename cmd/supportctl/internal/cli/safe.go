package cli

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// printable is how every text that comes from the server (titles,
// descriptions, note text, names, actors, error messages: anything a user
// may have typed) is printed in tables and messages. It keeps the value
// on one line (a run of white space, newlines included, becomes one
// space) and shows escaped (\x1b, \u202e, \xff) every other control
// character (C0, DEL, C1), bidirectional formatting character and invalid
// UTF-8 byte, so that a title holding an ANSI escape sequence cannot
// recolour the terminal, move the cursor or reorder what follows.
func printable(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			flushSpace(&b, &space)
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unsafeRune(r):
			flushSpace(&b, &space)
			b.WriteString(escapeRune(r))
		default:
			flushSpace(&b, &space)
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func flushSpace(b *strings.Builder, space *bool) {
	if *space {
		b.WriteByte(' ')
		*space = false
	}
}

// unsafeRune reports whether r changes a terminal's state or the order in
// which it shows text: control characters and bidirectional marks,
// embeddings, overrides and isolates.
func unsafeRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func escapeRune(r rune) string {
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// jsonSafe escapes, in JSON the protojson encoder wrote, the runes that
// printable escapes and that JSON strings may hold raw (DEL, C1 controls,
// bidirectional formatting). Below 0x20 the encoder escapes them in
// strings already; raw ones are its layout (newlines of indented output).
// The JSON stays equivalent: \u escapes decode to the same runes.
func jsonSafe(b []byte) []byte {
	s := string(b)
	if !strings.ContainsFunc(s, jsonUnsafe) {
		return b
	}
	var out strings.Builder
	for _, r := range s {
		if jsonUnsafe(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	return []byte(out.String())
}

// jsonUnsafe is unsafeRune for the runes a JSON string may hold raw.
func jsonUnsafe(r rune) bool { return r >= 0x7f && unsafeRune(r) }
