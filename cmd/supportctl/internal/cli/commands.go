package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// notesView shows a ticket's notes.
func notesView(resp proto.Message) view {
	var notes []*supportv1.Note
	switch r := resp.(type) {
	case *supportv1.ListTicketNotesResponse:
		notes = r.GetNotes()
	case *supportv1.ListAgentTicketNotesResponse:
		notes = r.GetNotes()
	}
	v := view{msg: resp, list: true, table: func(w io.Writer) error { return printNotes(w, notes) }}
	for _, n := range notes {
		v.names = append(v.names, n.GetId())
	}
	return v
}

// ticketsView shows tickets, one per row.
func ticketsView(tickets []*supportv1.Ticket, msg proto.Message) view {
	v := view{msg: msg, list: true, table: func(w io.Writer) error { return printTickets(w, tickets) }}
	for _, t := range tickets {
		v.names = append(v.names, t.GetId())
	}
	return v
}

// printEvent prints one watch event as it arrives: a table row, one JSON
// object per line, one YAML document, or the ticket id.
func (a *app) printEvent(ev *supportv1.TicketEvent) error {
	switch a.output {
	case "yaml":
		if _, err := fmt.Fprintln(a.stdout, "---"); err != nil {
			return err
		}
		return printYAML(a.stdout, ev)
	case "name":
		_, err := fmt.Fprintln(a.stdout, printable(ev.GetTicketId()))
		return err
	}
	return printEvent(a.stdout, a.output == "json", ev)
}

// group is a command that only holds subcommands: alone it prints its
// help; with an unknown subcommand it is a usage error.
func group(use, short string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

func (a *app) topicsCommand() *cobra.Command {
	cmd := group("topics", "Support topics")
	var service string
	list := &cobra.Command{
		Use:   "list --service SERVICE",
		Short: "List the support topics of a service, featured first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := parseService(service)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			topics, err := c.ListSupportTopics(cmd.Context(), svc)
			if err != nil {
				return failed(err)
			}
			v := view{msg: &supportv1.ListSupportTopicsResponse{Topics: topics}, list: true,
				table: func(w io.Writer) error { return printTopics(w, topics) }}
			for _, t := range topics {
				v.names = append(v.names, t.GetId())
			}
			return a.emit(v)
		},
	}
	enumFlag[supportv1.Service](list, &service, "service", "", "service")
	list.MarkFlagRequired("service")
	cmd.AddCommand(list)
	return cmd
}

// filingFlags are the flags shared by entitlement check and tickets create.
type filingFlags struct {
	customer, service, topic, severity, language, proofKind, proofRef string
}

func (f *filingFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.customer, "customer", "", "customer id (your own tenant for own-subscription tickets)")
	enumFlag[supportv1.Service](cmd, &f.service, "service", "", "service")
	fl.StringVar(&f.topic, "topic", "", "support topic id (see topics list)")
	enumFlag[supportv1.Severity](cmd, &f.severity, "severity", "", "severity")
	fl.StringVar(&f.language, "language", "en-US", "BCP 47 language tag")
	enumFlag[supportv1.ProofKind](cmd, &f.proofKind, "proof-kind", "", "entitlement proof kind")
	fl.StringVar(&f.proofRef, "proof-ref", "", "entitlement proof reference (contract reference)")
	for _, n := range []string{"customer", "service", "topic", "severity"} {
		cmd.MarkFlagRequired(n)
	}
}

func (f *filingFlags) parse() (supportv1.Service, supportv1.Severity, *supportv1.EntitlementProof, error) {
	svc, err := parseService(f.service)
	if err != nil {
		return 0, 0, nil, err
	}
	sev, err := parseSeverity("--severity", f.severity)
	if err != nil {
		return 0, 0, nil, err
	}
	var proof *supportv1.EntitlementProof
	if f.proofKind != "" || f.proofRef != "" {
		if f.proofKind == "" || f.proofRef == "" {
			return 0, 0, nil, errors.New("--proof-kind and --proof-ref go together")
		}
		kind, err := parseProofKind(f.proofKind)
		if err != nil {
			return 0, 0, nil, err
		}
		proof = &supportv1.EntitlementProof{Kind: kind, Reference: f.proofRef}
	}
	return svc, sev, proof, nil
}

func (a *app) entitlementCommand() *cobra.Command {
	cmd := group("entitlement", "Entitlement checks")
	var f filingFlags
	var submit string
	check := &cobra.Command{
		Use:   "check --customer ID --service SERVICE --topic TOPIC --severity A|B|C [--language TAG] [--proof-kind KIND --proof-ref REF] [--submit-time RFC3339]",
		Short: "Preview whether a ticket would be accepted, under which plan, fee, queue and deadline",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, sev, proof, err := f.parse()
			if err != nil {
				return err
			}
			req := &supportv1.CheckEntitlementRequest{CustomerId: f.customer, Service: svc, SupportTopicId: f.topic,
				Severity: sev, Language: f.language, EntitlementProof: proof}
			if submit != "" {
				t, err := time.Parse(time.RFC3339, submit)
				if err != nil {
					return fmt.Errorf("--submit-time: %v", err)
				}
				req.SubmitTime = timestamppb.New(t)
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp, err := c.CheckEntitlement(cmd.Context(), req)
			if err != nil {
				return failed(err)
			}
			if err := a.emit(view{msg: resp, table: func(w io.Writer) error { return printEntitlement(w, resp) }}); err != nil {
				return err
			}
			if !resp.GetEntitled() {
				// A "no" is the answer scripts test for: exit 1 with the
				// violations (printed above, and here in one line).
				var reasons []string
				for _, v := range resp.GetViolations() {
					reasons = append(reasons, v.GetReason())
				}
				return &exitError{code: ExitError, err: fmt.Errorf("not entitled: %s", strings.Join(reasons, ", "))}
			}
			return nil
		},
	}
	f.register(check)
	check.Flags().StringVar(&submit, "submit-time", "", "hypothetical submission time, RFC 3339 (default now)")
	cmd.AddCommand(check)
	return cmd
}

func (a *app) printTicket(t *supportv1.Ticket) error {
	return a.emit(view{msg: t, names: []string{t.GetId()}, table: func(w io.Writer) error { return printTicket(w, t) }})
}

// ticketAction is a command taking a ticket id (and maybe more) that
// prints the ticket it gets back.
func (a *app) ticketAction(use, short string, args cobra.PositionalArgs, do func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error)) *cobra.Command {
	return &cobra.Command{
		Use:               use,
		Short:             short,
		Args:              args,
		ValidArgsFunction: a.completeTicketThen(nil),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			t, err := do(cmd.Context(), c, args)
			if err != nil {
				var usage *usageError
				if errors.As(err, &usage) {
					return err
				}
				return failed(err)
			}
			return a.printTicket(t)
		},
	}
}

type usageError struct{ error }

func (a *app) ticketsCommand() *cobra.Command {
	cmd := group("tickets", "File, list, follow and update tickets")
	var etag string
	withEtag := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&etag, "etag", "", "fail with ABORTED unless the ticket's etag is still this one")
		return c
	}
	upd := func() []client.UpdateOption {
		if etag == "" {
			return nil
		}
		return []client.UpdateOption{client.IfMatch(etag)}
	}

	get := a.ticketAction("get ID", "Show a ticket", cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		return c.GetTicket(ctx, args[0])
	})
	var noteText, sevReason, justification *longText
	note := withEtag(a.ticketAction("note ID [TEXT | --text-file FILE]", "Add a note to a ticket", cobra.RangeArgs(1, 2), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		text, err := noteText.value(args)
		if err != nil {
			return nil, err
		}
		return c.AddTicketNote(ctx, args[0], text, upd()...)
	}))
	noteText = a.textArg(note, "note", 1, true)
	severity := withEtag(a.ticketAction("severity ID A|B|C --reason TEXT", "Change a ticket's severity", cobra.ExactArgs(2), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		sev, err := parseSeverity("severity", args[1])
		if err != nil {
			return nil, &usageError{err}
		}
		reason, err := sevReason.value(args)
		if err != nil {
			return nil, err
		}
		return c.ChangeTicketSeverity(ctx, args[0], sev, reason, upd()...)
	}))
	severity.ValidArgsFunction = a.completeTicketThen([]string{"A", "B", "C"})
	sevReason = a.textFlag(severity, "reason", "reason", "why the business impact changed", true)
	var escReason string
	escalate := withEtag(a.ticketAction("escalate ID --reason REASON --justification TEXT", "Escalate a ticket", cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		r, err := parseEscalationReason(escReason)
		if err != nil {
			return nil, &usageError{err}
		}
		text, err := justification.value(args)
		if err != nil {
			return nil, err
		}
		return c.EscalateTicket(ctx, args[0], r, text, upd()...)
	}))
	enumFlag[supportv1.EscalationReason](escalate, &escReason, "reason", "", "why (required)")
	escalate.MarkFlagRequired("reason")
	justification = a.textFlag(escalate, "justification", "justification", "why", true)
	closeCmd := withEtag(a.ticketAction("close ID", "Close a ticket", cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		return c.CloseTicket(ctx, args[0], upd()...)
	}))
	reopen := withEtag(a.ticketAction("reopen ID", "Reopen a resolved ticket", cobra.ExactArgs(1), func(ctx context.Context, c *client.Client, args []string) (*supportv1.Ticket, error) {
		return c.ReopenTicket(ctx, args[0], upd()...)
	}))

	cmd.AddCommand(a.createCommand(), a.listCommand(), get, note, a.notesCommand(), severity, escalate, closeCmd, reopen, a.watchCommand(),
		a.attachCommand(a.partnerAttachments), a.attachmentsCommand(a.partnerAttachments), a.downloadCommand(a.partnerAttachments))
	return cmd
}

func (a *app) notesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "notes ID",
		Short: "List a ticket's notes, oldest first (every page)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client()
			if err != nil {
				return err
			}
			resp := &supportv1.ListTicketNotesResponse{}
			for n, err := range c.AllTicketNotes(cmd.Context(), args[0]) {
				if err != nil {
					return failed(err)
				}
				resp.Notes = append(resp.Notes, n)
			}
			return a.emit(notesView(resp))
		},
	}
}

func (a *app) createCommand() *cobra.Command {
	var f filingFlags
	var title, name, email, phone, method, requestID string
	var desc *longText
	cmd := &cobra.Command{
		Use:   "create --customer ID --service SERVICE --topic TOPIC --severity A|B|C --title TEXT (--description TEXT | --text-file FILE) --contact-name NAME --contact-email EMAIL",
		Short: "File a ticket (idempotent: one request id per invocation, reused by the retries)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, sev, proof, err := f.parse()
			if err != nil {
				return err
			}
			var cm supportv1.ContactMethod
			if method != "" {
				if cm, err = parseContactMethod(method); err != nil {
					return err
				}
			}
			description, err := desc.value(nil)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			t, err := c.CreateTicket(cmd.Context(), &supportv1.CreateTicketRequest{
				RequestId: requestID, CustomerId: f.customer, Service: svc, SupportTopicId: f.topic, Severity: sev,
				Title: title, Description: description, Language: f.language,
				Contact:                &supportv1.Contact{Name: name, Email: email, Phone: phone},
				PreferredContactMethod: cm, EntitlementProof: proof,
			})
			if err != nil {
				return failed(err)
			}
			return a.printTicket(t)
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "short summary (1-200 characters)")
	desc = a.textFlag(cmd, "description", "description", "full description", false)
	fl.StringVar(&name, "contact-name", "", "your contact's name")
	fl.StringVar(&email, "contact-email", "", "your contact's e-mail (a verified domain of yours)")
	fl.StringVar(&phone, "contact-phone", "", "your contact's phone (for reference)")
	enumFlag[supportv1.ContactMethod](cmd, &method, "contact-method", "email", "preferred contact method")
	fl.StringVar(&requestID, "request-id", "", "idempotency key (default: a new UUID); reuse it to retry a create safely")
	return cmd
}

func (a *app) listCommand() *cobra.Command {
	var customer, service, status, pageToken string
	var all bool
	var pageSize int32
	cmd := &cobra.Command{
		Use:   "list [--customer ID] [--service SERVICE] [--status STATUS] [--all]",
		Short: "List tickets, newest first (one page, or every page with --all)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req := &supportv1.ListTicketsRequest{CustomerId: customer, PageSize: pageSize, PageToken: pageToken}
			var err error
			if service != "" {
				if req.Service, err = parseService(service); err != nil {
					return err
				}
			}
			if status != "" {
				if req.Status, err = parseStatus(status); err != nil {
					return err
				}
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			resp := &supportv1.ListTicketsResponse{}
			if all {
				for t, err := range c.AllTickets(cmd.Context(), req) {
					if err != nil {
						return failed(err)
					}
					resp.Tickets = append(resp.Tickets, t)
				}
			} else if resp, err = c.ListTickets(cmd.Context(), req); err != nil {
				return failed(err)
			}
			if err := a.emit(ticketsView(resp.GetTickets(), resp)); err != nil {
				return err
			}
			if resp.GetNextPageToken() != "" {
				fmt.Fprintf(a.stderr, "more: --page-token %s (or --all)\n", printable(resp.GetNextPageToken()))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&customer, "customer", "", "only this customer's tickets")
	enumFlag[supportv1.Service](cmd, &service, "service", "", "only tickets about this service")
	enumFlag[supportv1.TicketStatus](cmd, &status, "status", "", "only tickets in this status")
	fl.BoolVar(&all, "all", false, "follow every page")
	fl.Int32Var(&pageSize, "page-size", 0, "tickets per page (server default 50)")
	fl.StringVar(&pageToken, "page-token", "", "continue from a previous page")
	return cmd
}

func (a *app) watchCommand() *cobra.Command {
	var from, customer string
	var follow bool
	cmd := &cobra.Command{
		Use:   "watch [ID] [--from TOKEN] [--customer ID] [--follow]",
		Short: "Follow a ticket (history first) or all your tickets live; resumes by itself after a dropped connection",
		Long: `Follow one ticket (its whole history first, then live) or, without an
ID, every ticket of yours (or of --customer) from now on. Each event is
printed as it arrives (-o json: one JSON object per line). The watch survives
dropped connections and server restarts: it reconnects with backoff and
resumes exactly after the last event, so nothing is missed or repeated.
On interruption the resume token is printed on standard error: pass it to
--from to continue later. The watch of one ticket ends (exit 0) once the
ticket is closed, unless --follow is given.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && customer != "" {
				return errors.New("--customer filters the watch of all tickets: not with a ticket ID")
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			var w *client.Watch
			if len(args) == 1 {
				w = c.WatchTicket(ctx, args[0], from, a.reconnectNotice())
			} else {
				w = c.WatchTickets(ctx, customer, from, a.reconnectNotice())
			}
			return a.follow(ctx, w, len(args) == 1 && !follow)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "resume token: continue exactly after it")
	cmd.Flags().StringVar(&customer, "customer", "", "without ID: only this customer's tickets")
	cmd.Flags().BoolVar(&follow, "follow", false, "with ID: keep watching after the ticket is closed")
	cmd.ValidArgsFunction = a.completeTicketThen(nil)
	return cmd
}

// follow prints a watch's events as they arrive until the context ends
// (or, with untilClosed, until an event shows the ticket closed), then the
// resume token on standard error.
func (a *app) follow(ctx context.Context, w *client.Watch, untilClosed bool) error {
	if a.output == "table" && !a.noHeaders {
		fmt.Fprintf(a.stdout, "%-20s  %-8s  %-36s  %-18s  %-16s  %-20s  %s\n", "TIME", "SEQ", "TICKET", "EVENT", "STATUS", "ACTOR", "DETAIL")
	}
	for ev, err := range w.Events() {
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return failed(err)
		}
		if err := a.printEvent(ev); err != nil {
			return err
		}
		if untilClosed && ev.GetTicket().GetStatus() == supportv1.TicketStatus_TICKET_STATUS_CLOSED {
			return nil
		}
	}
	if tok := w.ResumeToken(); tok != "" {
		fmt.Fprintf(a.stderr, "resume with: --from %s\n", printable(tok))
	}
	return nil
}
