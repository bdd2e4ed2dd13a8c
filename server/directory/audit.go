package directory

import (
	"context"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// Renderer returns a directory resource's API JSON form, as the audit
// trail records it: resource is a domain.Partner, domain.Customer,
// domain.Subscription, domain.Contract, domain.Topic or store.APIKey. The
// rendering must never include a secret or a key hash. The API layer
// provides it (api.AuditJSON): only it knows the API's messages.
type Renderer func(resource any) ([]byte, error)

// change is one audited change: its kind, the resource's name, and the
// resource before (nil on creation) and after.
type change struct {
	kind          domain.AuditKind
	resource      string
	before, after any
}

// record appends the audit event of a change made by actor at at, in the
// change's transaction: the change and its audit entry commit together or
// not at all.
func (s *Service) record(ctx context.Context, tx store.ReadWriter, actor string, at time.Time, c change) error {
	e := domain.AuditEvent{Time: at, Actor: actor, Kind: c.kind, Resource: c.resource}
	var err error
	if c.before != nil {
		if e.Before, err = s.render(c.before); err != nil {
			return fmt.Errorf("audit %s %s: render before: %w", c.kind, c.resource, err)
		}
	}
	if e.After, err = s.render(c.after); err != nil {
		return fmt.Errorf("audit %s %s: render after: %w", c.kind, c.resource, err)
	}
	_, err = tx.AppendAudit(ctx, e)
	return err
}

// Resource names of the audit trail.
func partnerResource(id string) string      { return "partners/" + id }
func customerResource(id string) string     { return "customers/" + id }
func subscriptionResource(id string) string { return "subscriptions/" + id }
func contractResource(id string) string     { return "contracts/" + id }
func topicResource(id string) string        { return "supportTopics/" + id }
func apiKeyResource(id string) string       { return "apiKeys/" + id }

// ListAuditEvents lists the audit trail, newest first.
func (s *Service) ListAuditEvents(ctx context.Context, f store.AuditFilter, page store.Page) ([]domain.AuditEvent, error) {
	if err := validate.TimeRange(f.Start, f.End); err != nil {
		return nil, err
	}
	var out []domain.AuditEvent
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		out, err = tx.ListAuditEvents(ctx, f, page)
		return err
	})
	return out, err
}
