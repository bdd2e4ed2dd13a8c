package ticket

import (
	"strings"
	"testing"
)

func TestSanitizeFilename(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"app.log", "app.log"},
		{`C:\Users\ann\app.log`, "app.log"},
		{"/var/log/../syslog", "syslog"},
		{`logs/a\b/c.txt`, "c.txt"},
		{"  spaced name.txt  ", "spaced name.txt"},
		{"bell\x07\ttab\n.txt", "belltab.txt"},
		{"invoice\u202eexe.pdf", "invoiceexe.pdf"}, // right-to-left override
		{"zero\u200bwidth.txt", "zerowidth.txt"},
		{"résumé ✓.txt", "résumé ✓.txt"},
		{"..", ""},
		{"dir/", ""},
		{"\x00\x01", ""},
		{"", ""},
		{strings.Repeat("a", MaxFilenameBytes), strings.Repeat("a", MaxFilenameBytes)},
		{strings.Repeat("é", MaxFilenameBytes/2+1), ""}, // 256 bytes
	} {
		got, reason := SanitizeFilename(tc.in)
		if got != tc.want || (got == "") != (reason != "") {
			t.Errorf("SanitizeFilename(%q) = %q, %q; want %q", tc.in, got, reason, tc.want)
		}
	}
}

func TestNormalizeContentType(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"text/plain", "text/plain"},
		{"Text/Plain; Charset=UTF-8", "text/plain; charset=UTF-8"},
		{"application/vnd.ms-excel", "application/vnd.ms-excel"},
		{"text", ""},
		{"text/plain; charset", ""},
		{"/", ""},
		{"image/png\x00", ""},
		{"a/" + strings.Repeat("b", MaxContentTypeBytes), ""},
	} {
		got, reason := NormalizeContentType(tc.in)
		if got != tc.want || (got == "") != (reason != "") {
			t.Errorf("NormalizeContentType(%q) = %q, %q; want %q", tc.in, got, reason, tc.want)
		}
	}
}

func TestUploadRequestValidation(t *testing.T) {
	t.Parallel()
	_, err := UploadRequest{Filename: "/", ContentType: "nope", RequestID: "00000000-0000-0000-0000-000000000000"}.validate()
	want := []string{"metadata.ticket_id", "metadata.filename", "metadata.content_type", "metadata.request_id"}
	if err == nil {
		t.Fatal("an empty request is valid")
	}
	for _, f := range want {
		if !strings.Contains(err.Error(), f+":") {
			t.Errorf("%v does not name %s", err, f)
		}
	}
}
