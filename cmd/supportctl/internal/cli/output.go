package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

var (
	jsonIndented = protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true}
	jsonLine     = protojson.MarshalOptions{UseProtoNames: true}
)

// printJSON prints m as indented protojson (terminal-safe: jsonSafe).
func printJSON(w io.Writer, m proto.Message) error {
	b, err := jsonIndented.Marshal(m)
	if err != nil {
		return failed(err)
	}
	_, err = fmt.Fprintf(w, "%s\n", jsonSafe(b))
	return err
}

func table(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

func ts(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().UTC().Format(time.RFC3339)
}

func dur(d *durationpb.Duration) string {
	if d == nil {
		return "-"
	}
	return humane(d.AsDuration())
}

// sev prints a severity as the letter (A, B, C).
func sev(s supportv1.Severity) string { return strings.ToUpper(enumName(s)) }

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func printTopics(w io.Writer, topics []*supportv1.SupportTopic) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tNAME\tCATEGORY\tFEATURED")
	for _, t := range topics {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(t.GetId()), printable(t.GetName()), enumName(t.GetCategory()), yesNo(t.GetFeatured()))
	}
	return tw.Flush()
}

func printEntitlement(w io.Writer, r *supportv1.CheckEntitlementResponse) error {
	tw := table(w)
	fmt.Fprintf(tw, "ENTITLED\t%s\n", yesNo(r.GetEntitled()))
	for _, v := range r.GetViolations() {
		fmt.Fprintf(tw, "VIOLATION\t%s: %s\n", printable(v.GetReason()), printable(v.GetMessage()))
	}
	fmt.Fprintf(tw, "SUPPORT PLAN\t%s\n", enumName(r.GetSupportPlan()))
	fmt.Fprintf(tw, "FEE\t%s\n", enumName(r.GetFee()))
	fmt.Fprintf(tw, "CATEGORY\t%s\n", enumName(r.GetCategory()))
	fmt.Fprintf(tw, "QUEUE\t%s\n", enumName(r.GetQueue()))
	fmt.Fprintf(tw, "PRIORITY\t%s\n", yesNo(r.GetPriority()))
	fmt.Fprintf(tw, "RESPONSE TARGET\t%s\n", dur(r.GetResponseTarget()))
	fmt.Fprintf(tw, "BUSINESS HOURS\t%s\n", yesNo(r.GetBusinessHours()))
	fmt.Fprintf(tw, "RESPONSE DUE\t%s\n", ts(r.GetResponseDueTime()))
	return tw.Flush()
}

func printTicket(w io.Writer, t *supportv1.Ticket) error {
	tw := table(w)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, printable(v)) } // every value
	row("ID", t.GetId())
	row("TITLE", printable(t.GetTitle()))
	row("CUSTOMER", t.GetCustomerId())
	row("SERVICE", enumName(t.GetService()))
	row("TOPIC", t.GetSupportTopicId())
	row("CATEGORY", enumName(t.GetCategory()))
	row("SEVERITY", sev(t.GetSeverity()))
	row("STATUS", enumName(t.GetStatus()))
	row("LANGUAGE", t.GetLanguage())
	row("CONTACT", fmt.Sprintf("%s <%s>", t.GetContact().GetName(), t.GetContact().GetEmail()))
	row("SUPPORT PLAN", enumName(t.GetSupportPlan()))
	row("FEE", enumName(t.GetFee()))
	row("QUEUE", enumName(t.GetQueue()))
	row("PRIORITY", yesNo(t.GetPriority()))
	row("ESCALATION LEVEL", fmt.Sprint(t.GetEscalationLevel()))
	row("SLA", enumName(t.GetSlaState()))
	row("RESPONSE DUE", ts(t.GetResponseDueTime()))
	row("FIRST RESPONSE", ts(t.GetFirstResponseTime()))
	row("CREATED", ts(t.GetCreateTime()))
	row("UPDATED", ts(t.GetUpdateTime()))
	row("ETAG", t.GetEtag())
	row("DESCRIPTION", printable(t.GetDescription()))
	row("NOTES", fmt.Sprint(t.GetNoteCount()))
	row("ATTACHMENTS", fmt.Sprint(t.GetAttachmentCount()))
	return tw.Flush()
}

func printTickets(w io.Writer, tickets []*supportv1.Ticket) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tCUSTOMER\tSERVICE\tSEV\tSTATUS\tSLA\tQUEUE\tAGE\tTITLE")
	for _, t := range tickets {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(t.GetId()), printable(t.GetCustomerId()), enumName(t.GetService()),
			sev(t.GetSeverity()), enumName(t.GetStatus()), enumName(t.GetSlaState()), enumName(t.GetQueue()),
			age(t.GetCreateTime()), printable(t.GetTitle()))
	}
	return tw.Flush()
}

// printEvent prints one watch event on one line, as it arrives: the
// detail column shows the note's text on an event that added a note.
func printEvent(w io.Writer, json bool, ev *supportv1.TicketEvent) error {
	if json {
		b, err := jsonLine.Marshal(ev)
		if err != nil {
			return failed(err)
		}
		_, err = fmt.Fprintf(w, "%s\n", jsonSafe(b))
		return err
	}
	detail := ev.GetMessage()
	if n := ev.GetNote(); n != nil {
		if ev.GetType() == supportv1.TicketEventType_TICKET_EVENT_TYPE_NOTE_ADDED {
			detail = n.GetText()
		} else {
			detail += ": " + n.GetText()
		}
	}
	if at := ev.GetAttachment(); at != nil {
		detail = fmt.Sprintf("%s (%s, %d bytes)", at.GetFilename(), at.GetContentType(), at.GetSizeBytes())
	}
	_, err := fmt.Fprintf(w, "%s  %-8d  %-36s  %-18s  %-16s  %-20s  %s\n", ts(ev.GetEventTime()), ev.GetSequence(), printable(ev.GetTicketId()),
		enumName(ev.GetType()), enumName(ev.GetTicket().GetStatus()), printable(ev.GetActor()), printable(detail))
	return err
}

// printAttachments prints attachments' metadata, one per row.
func printAttachments(w io.Writer, atts []*supportv1.Attachment) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tCREATED\tAUTHOR\tSIZE\tTYPE\tSHA256\tFILENAME")
	for _, a := range atts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", printable(a.GetId()), ts(a.GetCreateTime()), printable(a.GetAuthor()),
			a.GetSizeBytes(), printable(a.GetContentType()), printable(a.GetSha256()), printable(a.GetFilename()))
	}
	return tw.Flush()
}

// printNotes prints a ticket's notes, oldest first, one per row.
func printNotes(w io.Writer, notes []*supportv1.Note) error {
	tw := table(w)
	fmt.Fprintln(tw, "ID\tTIME\tAUTHOR\tTEXT")
	for _, n := range notes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(n.GetId()), ts(n.GetCreateTime()), printable(n.GetAuthor()), printable(n.GetText()))
	}
	return tw.Flush()
}
