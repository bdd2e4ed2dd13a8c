package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// agentCommand is the AgentService side: the support organisation's
// services working tickets of every partner (agent key).
func (a *app) agentCommand() *cobra.Command {
	cmd := group("agent", "Work tickets of every partner: queues, acknowledgements, replies, status, reassignment (agent key)")
	var etag string
	upd := func() []client.UpdateOption {
		if etag == "" {
			return nil
		}
		return []client.UpdateOption{client.IfMatch(etag)}
	}
	withEtag := func(c *cobra.Command) *cobra.Command {
		c.Flags().StringVar(&etag, "etag", "", "fail with ABORTED unless the ticket's etag is still this one")
		return c
	}
	get := a.agentAction("get ID", "Show any partner's ticket", cobra.ExactArgs(1), func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error) {
		return c.GetAgentTicket(ctx, args[0])
	})
	var ackText, replyText, statusText *longText
	ack := withEtag(a.agentAction("ack ID [MESSAGE | --text-file FILE]", "Acknowledge a ticket: the first response, with a message to the partner",
		cobra.RangeArgs(1, 2), func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error) {
			msg, err := ackText.value(args)
			if err != nil {
				return nil, err
			}
			return c.AcknowledgeTicket(ctx, args[0], msg, upd()...)
		}))
	ackText = a.textArg(ack, "message", 1, true)
	reply := withEtag(a.agentAction("reply ID [TEXT | --text-file FILE]", "Add an agent note (the partner sees it; a reply to one waiting on you)",
		cobra.RangeArgs(1, 2), func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error) {
			t, err := replyText.value(args)
			if err != nil {
				return nil, err
			}
			return c.AddAgentNote(ctx, args[0], t, upd()...)
		}))
	replyText = a.textArg(reply, "note", 1, true)
	status := withEtag(a.agentAction("status ID STATUS [--message TEXT | --text-file FILE]", "Move a ticket to a status (in-progress, waiting-on-partner, resolved, ...)",
		cobra.ExactArgs(2), func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error) {
			st, err := parseStatus(args[1])
			if err != nil {
				return nil, err
			}
			msg, err := statusText.value(args)
			if err != nil {
				return nil, err
			}
			return c.SetTicketStatus(ctx, args[0], st, msg, upd()...)
		}))
	statusText = a.textFlag(status, "message", "message", "message to the partner", false)
	status.ValidArgsFunction = a.completeTicketThen(choices[supportv1.TicketStatus]())
	reassign := withEtag(a.agentAction("reassign ID QUEUE", "Move a ticket to another queue", cobra.ExactArgs(2),
		func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error) {
			q, err := parseAs[supportv1.Queue]("queue", args[1])
			if err != nil {
				return nil, err
			}
			return c.ReassignTicket(ctx, args[0], q, upd()...)
		}))
	reassign.ValidArgsFunction = a.completeTicketThen(choices[supportv1.Queue]())
	for _, c := range []*cobra.Command{get, ack, reply} {
		c.ValidArgsFunction = a.completeTicketThen(nil)
	}
	cmd.AddCommand(a.queueCommand(), get, a.agentNotesCommand(), ack, reply, status, reassign, a.agentWatchCommand(),
		a.attachCommand(a.agentAttachments), a.attachmentsCommand(a.agentAttachments), a.downloadCommand(a.agentAttachments))
	return cmd
}

func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// agentAction is a command on one ticket that prints the ticket it gets
// back. Errors of do that are not from the call are usage errors.
func (a *app) agentAction(use, short string, args cobra.PositionalArgs, do func(ctx context.Context, c *client.Agent, args []string) (*supportv1.Ticket, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.agent()
			if err != nil {
				return err
			}
			t, err := do(cmd.Context(), c, args)
			if err != nil {
				var ce *client.Error
				var ee *exitError
				if errors.As(err, &ce) || errors.As(err, &ee) {
					return failed(err)
				}
				return err
			}
			return a.printTicket(t)
		},
	}
}

func (a *app) queueCommand() *cobra.Command {
	var lf listFlags
	cmd := &cobra.Command{
		Use:       "queue QUEUE [--all]",
		Short:     "List a queue's open tickets (azure, office-365, billing)",
		Args:      cobra.ExactArgs(1),
		ValidArgs: choices[supportv1.Queue](),
		RunE: func(cmd *cobra.Command, args []string) error {
			q, err := parseAs[supportv1.Queue]("queue", args[0])
			if err != nil {
				return err
			}
			c, err := a.agent()
			if err != nil {
				return err
			}
			ts, err := collect(a, &lf, func(size int32, token string) ([]*supportv1.Ticket, string, error) {
				r, err := c.ListQueueTickets(cmd.Context(), &supportv1.ListQueueTicketsRequest{Queue: q, PageSize: size, PageToken: token})
				return r.GetTickets(), r.GetNextPageToken(), err
			})
			if err != nil {
				return err
			}
			return a.emit(ticketsView(ts, &supportv1.ListQueueTicketsResponse{Tickets: ts}))
		},
	}
	lf.register(cmd)
	return cmd
}

func (a *app) agentNotesCommand() *cobra.Command {
	return &cobra.Command{
		Use:               "notes ID",
		Short:             "List any ticket's notes, oldest first (every page)",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeTicketThen(nil),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.agent()
			if err != nil {
				return err
			}
			resp := &supportv1.ListAgentTicketNotesResponse{}
			for n, err := range c.AllAgentTicketNotes(cmd.Context(), args[0]) {
				if err != nil {
					return failed(err)
				}
				resp.Notes = append(resp.Notes, n)
			}
			return a.emit(notesView(resp))
		},
	}
}

func (a *app) agentWatchCommand() *cobra.Command {
	var from, queue string
	cmd := &cobra.Command{
		Use:   "watch [--queue QUEUE] [--from TOKEN]",
		Short: "Follow every ticket (or one queue's) live; resumes by itself after a dropped connection",
		Long: `Follow the changes of every partner's tickets, or of one queue's, from
now on (or exactly after --from TOKEN). Each event is printed as it arrives
(-o json: one JSON object per line). The watch reconnects with backoff after
a dropped connection or a server restart and resumes after the last event,
so nothing is missed or repeated. On interruption the resume token is
printed on standard error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var q supportv1.Queue
			if queue != "" {
				var err error
				if q, err = parseAs[supportv1.Queue]("--queue", queue); err != nil {
					return err
				}
			}
			c, err := a.agent()
			if err != nil {
				return err
			}
			return a.follow(cmd.Context(), c.WatchQueueTickets(cmd.Context(), q, from, a.reconnectNotice()), false)
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "resume token: continue exactly after it")
	enumFlag[supportv1.Queue](cmd, &queue, "queue", "", "only this queue's tickets")
	return cmd
}

// reconnectNotice reports a watch's reconnections on standard error.
func (a *app) reconnectNotice() client.WatchOption {
	return client.OnReconnect(func(attempt int, delay time.Duration, err error) {
		fmt.Fprintf(a.stderr, "supportctl: watch interrupted (%s); reconnecting in %v (attempt %d)\n", printable(err.Error()), delay.Round(time.Millisecond), attempt)
	})
}
