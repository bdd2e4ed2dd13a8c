package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/supportd/supportd/client"
	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// adminCommand is the DirectoryService side: everything an operator needs
// to set up a server and keep its directory (admin key).
func (a *app) adminCommand() *cobra.Command {
	cmd := group("admin", "Set up and keep the directory: partners, customers, subscriptions, contracts, topics, keys, audit (admin key)")
	cmd.AddCommand(a.partnersCommand(), a.customersCommand(), a.subscriptionsCommand(), a.contractsCommand(),
		a.adminTopicsCommand(), a.keysCommand(), a.auditCommand())
	a.completeAdminIDs(cmd)
	return cmd
}

// dirAction is a command that calls the directory and prints what run
// returns. run wraps the errors of calls with failed; any other error is
// a usage error.
func (a *app) dirAction(use, short string, args cobra.PositionalArgs, run func(ctx context.Context, d *client.Directory, cmd *cobra.Command, args []string) (view, error)) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  args,
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.directory()
			if err != nil {
				return err
			}
			v, err := run(cmd.Context(), d, cmd, args)
			if err != nil {
				return err
			}
			return a.emit(v)
		},
	}
}

// enumFlag declares a string flag holding a value of E, completed by the shell.
func enumFlag[E protoEnum](cmd *cobra.Command, p *string, name, value, usage string) {
	cmd.Flags().StringVar(p, name, value, usage+": "+strings.Join(choices[E](), ", "))
	completeWith(cmd, name, choices[E]())
}

// enumsFlag declares a repeatable flag of values of E.
func enumsFlag[E protoEnum](cmd *cobra.Command, p *[]string, name, usage string) {
	cmd.Flags().StringSliceVar(p, name, nil, usage+" (repeat or comma-separate): "+strings.Join(choices[E](), ", "))
	completeWith(cmd, name, choices[E]())
}

func completeWith(cmd *cobra.Command, flag string, values []string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// mask names the fields whose flags were given (flag name → field path).
func mask(cmd *cobra.Command, fields map[string]string) (*fieldmaskpb.FieldMask, error) {
	m := &fieldmaskpb.FieldMask{}
	for flag, path := range fields {
		if cmd.Flags().Changed(flag) {
			m.Paths = append(m.Paths, path)
		}
	}
	if len(m.Paths) == 0 {
		names := make([]string, 0, len(fields))
		for f := range fields {
			names = append(names, "--"+f)
		}
		return nil, fmt.Errorf("nothing to change: give at least one of %s", strings.Join(sortedStrings(names), ", "))
	}
	m.Paths = sortedStrings(m.Paths)
	return m, nil
}

// listFlags are the paging flags of a list command.
type listFlags struct {
	all      bool
	size     int32
	token    string
	nextNote io.Writer
}

func (l *listFlags) register(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&l.all, "all", false, "follow every page")
	cmd.Flags().Int32Var(&l.size, "page-size", 0, "results per page (server default 50)")
	cmd.Flags().StringVar(&l.token, "page-token", "", "continue from a previous page")
}

// collect calls fetch for one page (or every page with --all) and returns
// the items; a token left over is reported on standard error.
func collect[T any](a *app, l *listFlags, fetch func(size int32, token string) ([]T, string, error)) ([]T, error) {
	var out []T
	token := l.token
	for {
		items, next, err := fetch(l.size, token)
		if err != nil {
			return nil, failed(err)
		}
		out = append(out, items...)
		if next == "" {
			return out, nil
		}
		if !l.all {
			fmt.Fprintf(a.stderr, "more: --page-token %s (or --all)\n", printable(next))
			return out, nil
		}
		token = next
	}
}

func (a *app) partnersCommand() *cobra.Command {
	cmd := group("partners", "Partner organisations (tenants)")
	var name, status string
	var domains, benefits []string
	partner := func(id string) (*supportv1.Partner, error) {
		p := &supportv1.Partner{Id: id, DisplayName: name, VerifiedDomains: domains}
		var err error
		if status != "" {
			if p.Status, err = parseAs[supportv1.PartnerStatus]("--status", status); err != nil {
				return nil, err
			}
		}
		p.Benefits, err = parseAllAs[supportv1.Benefit]("--benefit", benefits)
		return p, err
	}
	create := a.dirAction("create ID --name NAME [--status active|trial] [--domain DOMAIN]... [--benefit BENEFIT]...", "Register a partner",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			p, err := partner(args[0])
			if err != nil {
				return view{}, err
			}
			if p, err = d.CreatePartner(ctx, p); err != nil {
				return view{}, failed(err)
			}
			return partnersView([]*supportv1.Partner{p}, p), nil
		})
	update := a.dirAction("update ID [--name NAME] [--status active|trial|suspended] [--domain DOMAIN]... [--benefit BENEFIT]...",
		"Change a partner (--status suspended suspends it; --status active reinstates it)",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, cmd *cobra.Command, args []string) (view, error) {
			m, err := mask(cmd, map[string]string{"name": "display_name", "status": "status", "domain": "verified_domains", "benefit": "benefits"})
			if err != nil {
				return view{}, err
			}
			p, err := partner(args[0])
			if err != nil {
				return view{}, err
			}
			if p, err = d.UpdatePartner(ctx, &supportv1.UpdatePartnerRequest{Partner: p, UpdateMask: m}); err != nil {
				return view{}, failed(err)
			}
			return partnersView([]*supportv1.Partner{p}, p), nil
		})
	for _, c := range []*cobra.Command{create, update} {
		c.Flags().StringVar(&name, "name", "", "display name (1-200 characters)")
		c.Flags().StringSliceVar(&domains, "domain", nil, "verified e-mail domain of ticket contacts (repeat or comma-separate)")
		enumsFlag[supportv1.Benefit](c, &benefits, "benefit", "support benefit")
	}
	enumFlag[supportv1.PartnerStatus](create, &status, "status", "active", "program status")
	// update declares its own default: one variable with two defaults
	// would take the one declared last.
	var newStatus string
	enumFlag[supportv1.PartnerStatus](update, &newStatus, "status", "", "program status")
	update.PreRun = func(*cobra.Command, []string) { status = newStatus }
	create.MarkFlagRequired("name")
	get := a.dirAction("get ID", "Show a partner", cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
		p, err := d.GetPartner(ctx, args[0])
		if err != nil {
			return view{}, failed(err)
		}
		return partnersView([]*supportv1.Partner{p}, p), nil
	})
	var lf listFlags
	list := a.dirAction("list [--all]", "List partners in id order", cobra.NoArgs, func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
		ps, err := collect(a, &lf, func(size int32, token string) ([]*supportv1.Partner, string, error) {
			r, err := d.ListPartners(ctx, &supportv1.ListPartnersRequest{PageSize: size, PageToken: token})
			return r.GetPartners(), r.GetNextPageToken(), err
		})
		if err != nil {
			return view{}, err
		}
		return partnersView(ps, &supportv1.ListPartnersResponse{Partners: ps}), nil
	})
	lf.register(list)
	cmd.AddCommand(create, get, list, update)
	return cmd
}

func partnersView(ps []*supportv1.Partner, msg proto.Message) view {
	return rowsView(msg, ps, (*supportv1.Partner).GetId, "ID\tNAME\tSTATUS\tDOMAINS\tBENEFITS\tAGE", func(p *supportv1.Partner) []string {
		var bs []string
		for _, b := range p.GetBenefits() {
			bs = append(bs, enumName(b))
		}
		return []string{printable(p.GetId()), printable(p.GetDisplayName()), enumName(p.GetStatus()),
			orDash(printable(strings.Join(p.GetVerifiedDomains(), ","))), orDash(strings.Join(bs, ",")), age(p.GetCreateTime())}
	})
}

func (a *app) customersCommand() *cobra.Command {
	cmd := group("customers", "Customers of partners (and partners' own tenants)")
	var partner, name, kind string
	var domains []string
	create := a.dirAction("create ID --partner ID --name NAME --kind end-customer|partner|partner-self [--domain DOMAIN]...", "Register a customer under its partner of record",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			k, err := parseAs[supportv1.CustomerKind]("--kind", kind)
			if err != nil {
				return view{}, err
			}
			c, err := d.CreateCustomer(ctx, &supportv1.Customer{Id: args[0], PartnerId: partner, DisplayName: name, Kind: k, Domains: domains})
			if err != nil {
				return view{}, failed(err)
			}
			return customersView([]*supportv1.Customer{c}, c), nil
		})
	create.Flags().StringVar(&partner, "partner", "", "partner of record (required)")
	create.Flags().StringVar(&name, "name", "", "display name (required)")
	create.Flags().StringSliceVar(&domains, "domain", nil, "the customer's own e-mail domains (repeat or comma-separate)")
	enumFlag[supportv1.CustomerKind](create, &kind, "kind", "end-customer", "whom the record stands for")
	create.MarkFlagRequired("partner")
	create.MarkFlagRequired("name")
	get := a.dirAction("get ID", "Show a customer", cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
		c, err := d.GetCustomer(ctx, args[0])
		if err != nil {
			return view{}, failed(err)
		}
		return customersView([]*supportv1.Customer{c}, c), nil
	})
	var lf listFlags
	var listPartner string
	list := a.dirAction("list --partner ID [--all]", "List a partner's customers in id order", cobra.NoArgs, func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
		cs, err := collect(a, &lf, func(size int32, token string) ([]*supportv1.Customer, string, error) {
			r, err := d.ListCustomers(ctx, &supportv1.ListCustomersRequest{PartnerId: listPartner, PageSize: size, PageToken: token})
			return r.GetCustomers(), r.GetNextPageToken(), err
		})
		if err != nil {
			return view{}, err
		}
		return customersView(cs, &supportv1.ListCustomersResponse{Customers: cs}), nil
	})
	list.Flags().StringVar(&listPartner, "partner", "", "the partner (required)")
	list.MarkFlagRequired("partner")
	lf.register(list)
	cmd.AddCommand(create, get, list)
	return cmd
}

func customersView(cs []*supportv1.Customer, msg proto.Message) view {
	return rowsView(msg, cs, (*supportv1.Customer).GetId, "ID\tPARTNER\tNAME\tKIND\tDOMAINS\tAGE", func(c *supportv1.Customer) []string {
		return []string{printable(c.GetId()), printable(c.GetPartnerId()), printable(c.GetDisplayName()),
			enumName(c.GetKind()), orDash(printable(strings.Join(c.GetDomains(), ","))), age(c.GetCreateTime())}
	})
}

func (a *app) subscriptionsCommand() *cobra.Command {
	cmd := group("subscriptions", "Customers' subscriptions to services")
	var customer, service, state string
	create := a.dirAction("create ID --customer ID --service SERVICE [--state active|suspended]", "Register a customer's subscription to a service",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			svc, err := parseService(service)
			if err != nil {
				return view{}, err
			}
			st, err := parseAs[supportv1.SubscriptionState]("--state", state)
			if err != nil {
				return view{}, err
			}
			s, err := d.CreateSubscription(ctx, &supportv1.Subscription{Id: args[0], CustomerId: customer, Service: svc, State: st})
			if err != nil {
				return view{}, failed(err)
			}
			return subscriptionsView([]*supportv1.Subscription{s}, s), nil
		})
	create.Flags().StringVar(&customer, "customer", "", "the subscribing customer (required)")
	enumFlag[supportv1.Service](create, &service, "service", "", "service (required)")
	enumFlag[supportv1.SubscriptionState](create, &state, "state", "active", "state")
	create.MarkFlagRequired("customer")
	create.MarkFlagRequired("service")
	var newState string
	update := a.dirAction("update ID --state active|suspended", "Change a subscription's state",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			st, err := parseAs[supportv1.SubscriptionState]("--state", newState)
			if err != nil {
				return view{}, err
			}
			s, err := d.UpdateSubscription(ctx, &supportv1.UpdateSubscriptionRequest{
				Subscription: &supportv1.Subscription{Id: args[0], State: st}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}}})
			if err != nil {
				return view{}, failed(err)
			}
			return subscriptionsView([]*supportv1.Subscription{s}, s), nil
		})
	enumFlag[supportv1.SubscriptionState](update, &newState, "state", "", "new state (required)")
	update.MarkFlagRequired("state")
	var listCustomer string
	list := a.dirAction("list --customer ID", "List a customer's subscriptions in id order", cobra.NoArgs,
		func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			r, err := d.ListSubscriptions(ctx, &supportv1.ListSubscriptionsRequest{CustomerId: listCustomer})
			if err != nil {
				return view{}, failed(err)
			}
			return subscriptionsView(r.GetSubscriptions(), r), nil
		})
	list.Flags().StringVar(&listCustomer, "customer", "", "the customer (required)")
	list.MarkFlagRequired("customer")
	cmd.AddCommand(create, list, update)
	return cmd
}

func subscriptionsView(ss []*supportv1.Subscription, msg proto.Message) view {
	return rowsView(msg, ss, (*supportv1.Subscription).GetId, "ID\tCUSTOMER\tSERVICE\tSTATE\tAGE", func(s *supportv1.Subscription) []string {
		return []string{printable(s.GetId()), printable(s.GetCustomerId()), enumName(s.GetService()),
			enumName(s.GetState()), age(s.GetCreateTime())}
	})
}

func (a *app) contractsCommand() *cobra.Command {
	cmd := group("contracts", "Support contracts partners hold for their own subscriptions")
	var partner, kind, reference string
	register := a.dirAction("register ID --partner ID --kind KIND --reference REF", "Record a partner's support contract (what a proof of entitlement must match)",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			k, err := parseProofKind(kind)
			if err != nil {
				return view{}, err
			}
			c, err := d.RegisterContract(ctx, &supportv1.Contract{Id: args[0], PartnerId: partner, Kind: k, Reference: reference})
			if err != nil {
				return view{}, failed(err)
			}
			return contractsView([]*supportv1.Contract{c}, c), nil
		})
	register.Flags().StringVar(&partner, "partner", "", "the partner holding it (required)")
	enumFlag[supportv1.ProofKind](register, &kind, "kind", "", "kind of contract (required)")
	register.Flags().StringVar(&reference, "reference", "", "the contract's reference (required)")
	for _, f := range []string{"partner", "kind", "reference"} {
		register.MarkFlagRequired(f)
	}
	var listPartner string
	list := a.dirAction("list --partner ID", "List a partner's contracts in id order", cobra.NoArgs,
		func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			r, err := d.ListContracts(ctx, &supportv1.ListContractsRequest{PartnerId: listPartner})
			if err != nil {
				return view{}, failed(err)
			}
			return contractsView(r.GetContracts(), r), nil
		})
	list.Flags().StringVar(&listPartner, "partner", "", "the partner (required)")
	list.MarkFlagRequired("partner")
	cmd.AddCommand(register, list)
	return cmd
}

func contractsView(cs []*supportv1.Contract, msg proto.Message) view {
	return rowsView(msg, cs, (*supportv1.Contract).GetId, "ID\tPARTNER\tKIND\tREFERENCE\tAGE", func(c *supportv1.Contract) []string {
		return []string{printable(c.GetId()), printable(c.GetPartnerId()), enumName(c.GetKind()),
			printable(c.GetReference()), age(c.GetCreateTime())}
	})
}

func (a *app) adminTopicsCommand() *cobra.Command {
	cmd := group("topics", "The support topic catalogue: list, create, update (partners list it with `supportctl topics list`)")
	var service, name, category string
	var featured bool
	topic := func(id string) (*supportv1.SupportTopic, error) {
		t := &supportv1.SupportTopic{Id: id, Name: name, Featured: featured}
		var err error
		if service != "" {
			if t.Service, err = parseService(service); err != nil {
				return nil, err
			}
		}
		if category != "" {
			t.Category, err = parseAs[supportv1.TopicCategory]("--category", category)
		}
		return t, err
	}
	create := a.dirAction("create ID --service SERVICE --name NAME --category CATEGORY [--featured]", "Add a topic to a service's catalogue",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, _ *cobra.Command, args []string) (view, error) {
			t, err := topic(args[0])
			if err != nil {
				return view{}, err
			}
			if t, err = d.CreateSupportTopic(ctx, t); err != nil {
				return view{}, failed(err)
			}
			return topicView(t), nil
		})
	update := a.dirAction("update ID [--name NAME] [--category CATEGORY] [--featured=true|false]", "Change a catalogue topic (its service cannot change)",
		cobra.ExactArgs(1), func(ctx context.Context, d *client.Directory, cmd *cobra.Command, args []string) (view, error) {
			m, err := mask(cmd, map[string]string{"name": "name", "category": "category", "featured": "featured"})
			if err != nil {
				return view{}, err
			}
			t, err := topic(args[0])
			if err != nil {
				return view{}, err
			}
			if t, err = d.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{Topic: t, UpdateMask: m}); err != nil {
				return view{}, failed(err)
			}
			return topicView(t), nil
		})
	enumFlag[supportv1.Service](create, &service, "service", "", "service (required)")
	create.MarkFlagRequired("service")
	for _, c := range []*cobra.Command{create, update} {
		c.Flags().StringVar(&name, "name", "", "name shown to partners")
		enumFlag[supportv1.TopicCategory](c, &category, "category", "", "category")
		c.Flags().BoolVar(&featured, "featured", false, "listed among the featured topics (else under \"More...\")")
	}
	create.MarkFlagRequired("name")
	create.MarkFlagRequired("category")
	var listService string
	list := a.dirAction("list --service SERVICE", "List a service's catalogue as partners see it, featured first",
		cobra.NoArgs, func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			svc, err := parseService(listService)
			if err != nil {
				return view{}, err
			}
			topics, err := d.ListCatalogTopics(ctx, svc)
			if err != nil {
				return view{}, failed(err)
			}
			return topicsView(topics), nil
		})
	enumFlag[supportv1.Service](list, &listService, "service", "", "service (required)")
	list.MarkFlagRequired("service")
	cmd.AddCommand(create, list, update)
	return cmd
}

func topicView(t *supportv1.SupportTopic) view {
	return view{msg: t, names: []string{t.GetId()}, list: true, table: func(w io.Writer) error {
		return printTopics(w, []*supportv1.SupportTopic{t})
	}}
}

func topicsView(ts []*supportv1.SupportTopic) view {
	v := view{msg: &supportv1.ListCatalogTopicsResponse{Topics: ts}, list: true, table: func(w io.Writer) error {
		return printTopics(w, ts)
	}}
	for _, t := range ts {
		v.names = append(v.names, t.GetId())
	}
	return v
}

func (a *app) keysCommand() *cobra.Command {
	cmd := group("keys", "API keys")
	var role, partner, expireIn string
	create := a.dirAction("create --role admin|agent|partner [--partner ID] [--expire-in 90d]", "Create an API key; its secret is printed once, alone on the last line",
		cobra.NoArgs, func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			r, err := parseAs[supportv1.Role]("--role", role)
			if err != nil {
				return view{}, err
			}
			var opts []client.KeyOption
			if expireIn != "" {
				ttl, err := parseHumane(expireIn)
				if err != nil {
					return view{}, fmt.Errorf("--expire-in: %v", err)
				}
				opts = append(opts, client.ExpiresAt(time.Now().Add(ttl)))
			}
			resp, err := d.CreateAPIKey(ctx, r, partner, opts...)
			if err != nil {
				return view{}, failed(err)
			}
			v := keysView([]*supportv1.ApiKey{resp.GetApiKey()}, resp)
			v.table = func(w io.Writer) error {
				if err := keysView([]*supportv1.ApiKey{resp.GetApiKey()}, nil).table(w); err != nil {
					return err
				}
				_, err := fmt.Fprintln(w, resp.GetSecret())
				return err
			}
			v.list = false
			return v, nil
		})
	enumFlag[supportv1.Role](create, &role, "role", "", "role (required)")
	create.Flags().StringVar(&partner, "partner", "", "the partner a partner key acts for (required with --role partner)")
	create.Flags().StringVar(&expireIn, "expire-in", "", "lifetime, e.g. 90d, 12h (default: no expiry)")
	create.MarkFlagRequired("role")
	var listPartner string
	list := a.dirAction("list [--partner ID]", "List keys (never their secrets), revoked ones included", cobra.NoArgs,
		func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			r, err := d.ListAPIKeys(ctx, &supportv1.ListApiKeysRequest{PartnerId: listPartner})
			if err != nil {
				return view{}, failed(err)
			}
			return keysView(r.GetApiKeys(), r), nil
		})
	list.Flags().StringVar(&listPartner, "partner", "", "only this partner's keys")
	revoke := &cobra.Command{
		Use:   "revoke KEY_ID",
		Short: "Revoke a key: calls with it fail from now on, its watches end",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := a.directory()
			if err != nil {
				return err
			}
			if err := d.RevokeAPIKey(cmd.Context(), args[0]); err != nil {
				return failed(err)
			}
			fmt.Fprintf(a.stderr, "revoked %s\n", printable(args[0]))
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func keysView(ks []*supportv1.ApiKey, msg proto.Message) view {
	return rowsView(msg, ks, (*supportv1.ApiKey).GetKeyId, "KEY ID\tROLE\tPARTNER\tAGE\tEXPIRES\tREVOKED", func(k *supportv1.ApiKey) []string {
		return []string{printable(k.GetKeyId()), enumName(k.GetRole()), orDash(printable(k.GetPartnerId())),
			age(k.GetCreateTime()), ts(k.GetExpireTime()), ts(k.GetRevokeTime())}
	})
}

func (a *app) auditCommand() *cobra.Command {
	var actor, kind, since, until string
	var lf listFlags
	cmd := a.dirAction("audit [--actor ACTOR] [--kind KIND] [--since WHEN] [--until WHEN] [--all]",
		"The audit trail of directory and key changes, newest first", cobra.NoArgs,
		func(ctx context.Context, d *client.Directory, _ *cobra.Command, _ []string) (view, error) {
			req := &supportv1.ListAuditEventsRequest{Actor: actor, Kind: kind}
			var err error
			if req.StartTime, err = instant("--since", since); err != nil {
				return view{}, err
			}
			if req.EndTime, err = instant("--until", until); err != nil {
				return view{}, err
			}
			evs, err := collect(a, &lf, func(size int32, token string) ([]*supportv1.AuditEvent, string, error) {
				req.PageSize, req.PageToken = size, token
				r, err := d.ListAuditEvents(ctx, req)
				return r.GetAuditEvents(), r.GetNextPageToken(), err
			})
			if err != nil {
				return view{}, err
			}
			return rowsView(&supportv1.ListAuditEventsResponse{AuditEvents: evs}, evs, (*supportv1.AuditEvent).GetId,
				"TIME\tACTOR\tKIND\tRESOURCE", func(e *supportv1.AuditEvent) []string {
					return []string{ts(e.GetEventTime()), printable(e.GetActor()), printable(e.GetKind()), printable(e.GetResource())}
				}), nil
		})
	cmd.Flags().StringVar(&actor, "actor", "", `only changes by this actor (e.g. "admin:k_123", "operator:root")`)
	cmd.Flags().StringVar(&kind, "kind", "", `only changes of this kind (e.g. "api_key.revoked", "partner.updated")`)
	cmd.Flags().StringVar(&since, "since", "", "only changes at or after: RFC 3339, or an age (2h, 7d)")
	cmd.Flags().StringVar(&until, "until", "", "only changes before: RFC 3339, or an age (2h, 7d)")
	lf.register(cmd)
	return cmd
}

// instant reads a point in time: RFC 3339, or an age before now ("2h", "7d").
func instant(flag, s string) (*timestamppb.Timestamp, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return timestamppb.New(t), nil
	}
	d, err := parseHumane(s)
	if err != nil {
		return nil, fmt.Errorf("%s %q: want RFC 3339 (2026-03-02T10:00:00Z) or an age (2h, 7d)", flag, s)
	}
	return timestamppb.New(time.Now().Add(-d)), nil
}
