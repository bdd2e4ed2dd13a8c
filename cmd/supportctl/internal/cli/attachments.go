package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// progress returns a progress bar of total bytes on standard error when
// it is a terminal, and nil otherwise (plain output: nothing drawn).
func (a *app) progress(total int64, what string) *progressbar.ProgressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(total, progressbar.OptionSetWriter(f), progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription(printable(what)), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100e6))
}

// attachmentCalls are the attachment calls of one side of the API
// (partner or agent): the commands are the same on both.
type attachmentCalls struct {
	upload   func(ctx context.Context, ticketID, filename, contentType string, r io.Reader, opts ...client.UploadOption) (*supportv1.Attachment, error)
	download func(ctx context.Context, ticketID, attachmentID string, w io.Writer, opts ...client.DownloadOption) (*supportv1.Attachment, error)
	list     func(ctx context.Context, ticketID string) iter.Seq2[*supportv1.Attachment, error]
}

// partnerAttachments are the SupportService's attachment calls.
func (a *app) partnerAttachments() (attachmentCalls, error) {
	c, err := a.client()
	if err != nil {
		return attachmentCalls{}, err
	}
	return attachmentCalls{upload: c.UploadAttachment, download: c.DownloadAttachment, list: c.AllAttachments}, nil
}

// agentAttachments are the AgentService's attachment calls.
func (a *app) agentAttachments() (attachmentCalls, error) {
	c, err := a.agent()
	if err != nil {
		return attachmentCalls{}, err
	}
	return attachmentCalls{upload: c.UploadAgentAttachment, download: c.DownloadAgentAttachment, list: c.AllAgentAttachments}, nil
}

func (a *app) attachCommand(calls func() (attachmentCalls, error)) *cobra.Command {
	var contentType string
	cmd := &cobra.Command{
		Use:               "attach ID FILE... [--content-type TYPE]",
		ValidArgsFunction: a.completeTicketThenFiles(),
		Short:             "Attach files to a ticket (logs, screenshots, traces)",
		Long: `Attach one or more files to a ticket that is not closed, one after the
other; each is streamed, never read whole into memory. The server keeps the
file's base name and detects its content type unless --content-type is
given. A progress bar is drawn on standard error when it is a terminal. An
upload interrupted by a dropped connection is retried with the same request
id, so a file is never attached twice. The attachments stored are printed
(-o json: as a ListAttachmentsResponse).`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := calls()
			if err != nil {
				return err
			}
			resp := &supportv1.ListAttachmentsResponse{}
			var uploadErr error
			for _, path := range args[1:] {
				att, err := a.attachFile(cmd, c, args[0], path, contentType)
				if err != nil {
					uploadErr = fmt.Errorf("%s: %w", path, err)
					break
				}
				resp.Attachments = append(resp.Attachments, att)
			}
			if len(resp.GetAttachments()) > 0 || uploadErr == nil {
				if err := a.printAttachments(resp); err != nil {
					return err
				}
			}
			return failed(uploadErr)
		},
	}
	cmd.Flags().StringVar(&contentType, "content-type", "", "MIME type of every file (default: detected by the server)")
	return cmd
}

func (a *app) attachFile(cmd *cobra.Command, c attachmentCalls, ticketID, path, contentType string) (*supportv1.Attachment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return nil, errors.New("is a directory")
	}
	var opts []client.UploadOption
	if bar := a.progress(info.Size(), filepath.Base(path)); bar != nil {
		defer bar.Close()
		opts = append(opts, client.OnUploadProgress(func(sent int64) { _ = bar.Set64(sent) }))
	}
	return c.upload(cmd.Context(), ticketID, filepath.Base(path), contentType, f, opts...)
}

func (a *app) attachmentsCommand(calls func() (attachmentCalls, error)) *cobra.Command {
	return &cobra.Command{
		Use:               "attachments ID",
		ValidArgsFunction: a.completeTicketThen(nil),
		Short:             "List a ticket's attachments, oldest first (every page)",
		Args:              cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := calls()
			if err != nil {
				return err
			}
			resp := &supportv1.ListAttachmentsResponse{}
			for att, err := range c.list(cmd.Context(), args[0]) {
				if err != nil {
					return failed(err)
				}
				resp.Attachments = append(resp.Attachments, att)
			}
			return a.printAttachments(resp)
		},
	}
}

func (a *app) printAttachments(resp *supportv1.ListAttachmentsResponse) error {
	v := view{msg: resp, list: true, table: func(w io.Writer) error { return printAttachments(w, resp.GetAttachments()) }}
	for _, at := range resp.GetAttachments() {
		v.names = append(v.names, at.GetId())
	}
	return a.emit(v)
}

func (a *app) downloadCommand(calls func() (attachmentCalls, error)) *cobra.Command {
	var outFile string
	var force bool
	cmd := &cobra.Command{
		Use:               "download ID ATTACHMENT_ID [-f FILE|-] [--force]",
		ValidArgsFunction: a.completeTicketAttachment(calls),
		Short:             "Save an attachment's content to a file",
		Long: `Save an attachment's content, checked against its size and SHA-256.
By default it goes to the attachment's file name in the current directory
(only its base name, with control characters removed); -f FILE (or
--output-file FILE) chooses another file, and -f - writes the content to
standard output. An existing file is not overwritten unless --force is
given. A download that fails leaves no file behind. The attachment's
metadata is printed on standard output (unless the content goes there).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := calls()
			if err != nil {
				return err
			}
			if outFile == "-" {
				_, err := c.download(cmd.Context(), args[0], args[1], a.stdout)
				return failed(err)
			}
			dst := &lazyFile{explicit: outFile, force: force}
			var bar *progressbar.ProgressBar
			att, err := c.download(cmd.Context(), args[0], args[1], dst, client.BeforeContent(func(att *supportv1.Attachment) error {
				if err := dst.open(att.GetFilename()); err != nil {
					return err
				}
				if bar = a.progress(att.GetSizeBytes(), dst.path); bar != nil {
					dst.bar = bar
				}
				return nil
			}))
			if bar != nil {
				_ = bar.Close()
			}
			if err := dst.finish(err); err != nil {
				return failed(err)
			}
			return a.printAttachments(&supportv1.ListAttachmentsResponse{Attachments: []*supportv1.Attachment{att}})
		},
	}
	cmd.Flags().StringVarP(&outFile, "output-file", "f", "", "file to write (default: the attachment's name in the current directory; - for standard output)")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}

// lazyFile is the destination of a download, created once the metadata
// (and so the default file name) is known.
type lazyFile struct {
	explicit string
	force    bool
	path     string
	f        *os.File
	bar      io.Writer
}

func (l *lazyFile) open(name string) error {
	l.path = l.explicit
	if l.path == "" {
		clean, ok := localName(name)
		if !ok {
			return fmt.Errorf("the attachment's name %q is not usable as a file name: pass -f FILE", printable(name))
		}
		l.path = clean
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if l.force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(l.path, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists: pass --force to overwrite it, or -f FILE", l.path)
	}
	l.f = f
	return err
}

func (l *lazyFile) Write(p []byte) (int, error) {
	if l.bar != nil {
		_, _ = l.bar.Write(p)
	}
	return l.f.Write(p)
}

// finish closes the file, and removes it when the download failed.
func (l *lazyFile) finish(err error) error {
	if l.f == nil {
		return err
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(l.path)
	}
	return err
}

// localName is the base name of a server-given file name, without
// control or formatting characters; ok is false when nothing usable
// remains.
func localName(name string) (string, bool) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name))
	return name, name != "" && name != "." && name != ".."
}
