package ticket

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/validate"
)

// Bounds of an attachment's metadata, in UTF-8 bytes.
const (
	MaxFilenameBytes    = 255
	MaxContentTypeBytes = 255
)

// SniffBytes is how much of the content decides a sniffed content type
// (what net/http.DetectContentType considers).
const SniffBytes = 512

// SanitizeFilename keeps the base name of a path (after the last / or \,
// whichever the client's system uses), without control or invisible
// formatting characters (such as a right-to-left override) and
// surrounding spaces. When nothing usable remains or the name is longer
// than MaxFilenameBytes, reason says so (and clean is empty).
func SanitizeFilename(name string) (clean string, reason string) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	switch {
	case name == "" || name == "." || name == "..":
		return "", "required: the file's name (directories and control characters are removed, leaving nothing)"
	case len(name) > MaxFilenameBytes:
		return "", fmt.Sprintf("must be at most %d bytes long (it has %d)", MaxFilenameBytes, len(name))
	}
	return name, ""
}

// NormalizeContentType checks a MIME type given by the client and returns
// it in canonical form (lower-case type, quoted parameters as needed), or
// the reason it is not one.
func NormalizeContentType(ct string) (string, string) {
	if len(ct) > MaxContentTypeBytes {
		return "", fmt.Sprintf("must be at most %d bytes long", MaxContentTypeBytes)
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") {
		return "", fmt.Sprintf("%q is not a MIME type such as text/plain or image/png (leave it empty to have it detected)", ct)
	}
	out := mime.FormatMediaType(mt, params)
	if out == "" {
		return "", fmt.Sprintf("%q is not a MIME type such as text/plain or image/png (leave it empty to have it detected)", ct)
	}
	return out, ""
}

// SniffContentType is the content type of content whose first bytes are
// head (at most SniffBytes are considered).
func SniffContentType(head []byte) string {
	return http.DetectContentType(head)
}

// UploadRequest is the metadata that opens an upload.
type UploadRequest struct {
	TicketID    string
	Filename    string
	ContentType string // empty: sniffed from the content
	RequestID   string
}

// validate checks every field at once and returns the request with its
// filename sanitised and its content type normalised.
func (r UploadRequest) validate() (UploadRequest, error) {
	var v []domain.FieldViolation
	add := func(field, desc string) {
		v = append(v, domain.FieldViolation{Field: "metadata." + field, Description: desc})
	}
	if r.TicketID == "" {
		add("ticket_id", "required")
	}
	var reason string
	if r.Filename, reason = SanitizeFilename(r.Filename); reason != "" {
		add("filename", reason)
	}
	if r.ContentType != "" {
		if r.ContentType, reason = NormalizeContentType(r.ContentType); reason != "" {
			add("content_type", reason)
		}
	}
	if reason := validate.RequestIDProblem(r.RequestID, "a retried upload does not attach the file twice"); reason != "" {
		add("request_id", reason)
	}
	return r, domain.Invalid(v...)
}
