package ticket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/entitlement"
	"github.com/supportd/supportd/server/filing"
	"github.com/supportd/supportd/server/lifecycle"
	"github.com/supportd/supportd/server/sla"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/store/encoding"
)

// Filing is a partner's request to file a ticket.
type Filing = filing.Request

// Preview is a hypothetical filing for an entitlement check.
type Preview struct {
	CustomerID     string
	Service        domain.Service
	SupportTopicID string
	Severity       domain.Severity
	Language       string
	Proof          *domain.Proof
	SubmitTime     time.Time // zero: now
}

// Check is the outcome of an entitlement check: the decision and the
// response deadline a ticket submitted at the preview's time would get.
type Check struct {
	Decision entitlement.Decision
	Deadline sla.Deadline
	Category domain.Category
}

// filingContext is what a decision needs from the directory.
type filingContext struct {
	partner   domain.Partner
	customer  domain.Customer
	topic     domain.Topic
	subs      []domain.Subscription
	contracts []domain.Contract
	topicErr  error // the topic is unknown (reported as a field violation)
}

// load reads the directory records a filing or preview needs. The
// customer must be the partner's (NOT_FOUND otherwise, with no hint).
func load(ctx context.Context, tx store.Reader, partnerID, customerID, topicID string) (filingContext, error) {
	var fc filingContext
	var err error
	if fc.partner, err = tx.GetPartner(ctx, partnerID); err != nil {
		return fc, notFound(err, "partner", partnerID)
	}
	if customerID != "" {
		if fc.customer, err = tx.GetCustomer(ctx, customerID); err != nil {
			return fc, notFound(err, "customer", customerID)
		}
		if !entitlement.Visible(fc.partner, fc.customer) {
			return fc, &domain.NotFoundError{Kind: "customer", ID: customerID}
		}
		if fc.subs, err = tx.ListSubscriptions(ctx, customerID); err != nil {
			return fc, err
		}
	}
	if fc.contracts, err = tx.ListContracts(ctx, partnerID); err != nil {
		return fc, err
	}
	if topicID != "" {
		fc.topic, err = tx.GetTopic(ctx, topicID)
		if errors.Is(err, store.ErrNotFound) {
			fc.topicErr = err
		} else if err != nil {
			return fc, err
		}
	}
	return fc, nil
}

// topicViolation checks the topic exists and belongs to the service.
func topicViolation(fc filingContext, service domain.Service) []domain.FieldViolation {
	switch {
	case fc.topicErr != nil:
		return []domain.FieldViolation{{Field: filing.FieldSupportTopicID, Description: "unknown support topic: list them with ListSupportTopics"}}
	case fc.topic.ID != "" && service != "" && !entitlement.TopicMatches(fc.topic, service):
		return []domain.FieldViolation{{Field: filing.FieldSupportTopicID, Description: fmt.Sprintf("topic %s belongs to service %s, not %s", fc.topic.ID, fc.topic.Service, service)}}
	}
	return nil
}

func (s *Service) supported(tag string) bool {
	_, err := s.policy.CalendarFor(tag)
	return err == nil
}

func decide(fc filingContext, service domain.Service, severity domain.Severity, proof *domain.Proof) entitlement.Decision {
	return entitlement.Decide(entitlement.Input{
		Partner: fc.partner, Customer: fc.customer, Service: service, Topic: fc.topic,
		Severity: severity, Subscriptions: fc.subs, Proof: proof, Contracts: fc.contracts,
	})
}

// CheckEntitlement previews the decision and deadline of a filing; it
// writes nothing.
func (s *Service) CheckEntitlement(ctx context.Context, partnerID string, p Preview) (Check, error) {
	if err := domain.Invalid(filing.ValidatePreview(filing.Request{
		CustomerID: p.CustomerID, Service: p.Service, SupportTopicID: p.SupportTopicID,
		Severity: p.Severity, Language: p.Language, Proof: p.Proof,
	}, p.SubmitTime, s.supported)...); err != nil {
		return Check{}, err
	}
	var fc filingContext
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		fc, err = load(ctx, tx, partnerID, p.CustomerID, p.SupportTopicID)
		return err
	})
	if err != nil {
		return Check{}, err
	}
	if err := domain.Invalid(topicViolation(fc, p.Service)...); err != nil {
		return Check{}, err
	}
	submit := p.SubmitTime
	if submit.IsZero() {
		submit = s.now()
	}
	d, err := s.policy.Target(fc.topic.Category, p.Severity, p.Language, submit.UTC())
	if err != nil {
		return Check{}, err
	}
	return Check{Decision: decide(fc, p.Service, p.Severity, p.Proof), Deadline: d, Category: fc.topic.Category}, nil
}

// Create files a ticket for the partner. A retry with the same request id
// and body returns the ticket created the first time; the same request id
// with another body is a domain.RequestIDReusedError.
//
// Validation and entitlement are decided on a committed snapshot read just
// before the write transaction, outside the single writer, so that the
// writer only claims the request id and inserts; a directory change
// committed in between (a window of milliseconds) is not seen by this create.
//
// The request id is not looked up before: a new request id (nearly every
// call) is then a lookup that finds nothing, and a random key of a large
// table. A retry is recognised by the claim in the write transaction, or,
// when the filing no longer validates, by priorOnFailure.
func (s *Service) Create(ctx context.Context, partnerID, actor string, f Filing) (domain.Ticket, error) {
	var fc filingContext
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		fc, err = load(ctx, tx, partnerID, f.CustomerID, f.SupportTopicID)
		return err
	})
	if err != nil {
		return s.priorOnFailure(ctx, partnerID, f, err)
	}
	t, err := s.newTicket(fc, partnerID, f)
	if err != nil {
		return s.priorOnFailure(ctx, partnerID, f, err)
	}
	hash := encoding.RequestHash(f)
	err = s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		// Claiming the request id first is the idempotency check: a
		// retry, or a concurrent one that committed first, makes the claim
		// fail (and write nothing), and the writer is serial, so claim and
		// insert are atomic.
		err := tx.PutIdempotency(ctx, store.Idempotency{PartnerID: partnerID, RequestID: f.RequestID,
			RequestHash: hash, TicketID: t.ID, CreateTime: t.CreateTime})
		if errors.Is(err, store.ErrAlreadyExists) {
			t, err = priorResult(ctx, tx, partnerID, f)
			return err
		}
		if err != nil {
			return err
		}
		return insert(ctx, tx, t, actor)
	})
	if err != nil {
		return domain.Ticket{}, err
	}
	return t, nil
}

// priorOnFailure is the outcome of a filing that failed before its write
// transaction with failure: the ticket an earlier create with the same
// request id made (a retry is answered with it even if the directory has
// changed since), a domain.RequestIDReusedError if that create had another
// body, else failure itself.
func (s *Service) priorOnFailure(ctx context.Context, partnerID string, f Filing, failure error) (domain.Ticket, error) {
	var prior domain.Ticket
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		prior, err = priorResult(ctx, tx, partnerID, f)
		return err
	})
	var reused *domain.RequestIDReusedError
	switch {
	case errors.As(err, &reused):
		return domain.Ticket{}, err
	case err == nil && prior.ID != "":
		return prior, nil
	}
	return domain.Ticket{}, failure
}

// priorResult returns the ticket an earlier create with the same request
// id made (zero Ticket if none), or an error if that create had another
// body (encoding.MatchesRequest: the filing fields that define a request).
func priorResult(ctx context.Context, tx store.Reader, partnerID string, f Filing) (domain.Ticket, error) {
	requestID := f.RequestID
	if requestID == "" {
		return domain.Ticket{}, nil
	}
	idem, err := tx.GetIdempotency(ctx, partnerID, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return domain.Ticket{}, nil
	}
	if err != nil {
		return domain.Ticket{}, err
	}
	if !encoding.MatchesRequest(idem.RequestHash, f) {
		return domain.Ticket{}, &domain.RequestIDReusedError{RequestID: requestID}
	}
	return tx.GetTicket(ctx, idem.TicketID)
}

// newTicket validates the filing, decides entitlement and builds the ticket.
func (s *Service) newTicket(fc filingContext, partnerID string, f Filing) (domain.Ticket, error) {
	vs := filing.Validate(filing.Submission{
		Request:        f,
		PartnerDomains: fc.partner.VerifiedDomains, CustomerDomains: fc.customer.Domains,
		SupportedLanguage: s.supported,
	})
	vs = append(vs, topicViolation(fc, f.Service)...)
	if err := domain.Invalid(vs...); err != nil {
		return domain.Ticket{}, err
	}
	d := decide(fc, f.Service, f.Severity, f.Proof)
	if !d.Entitled {
		return domain.Ticket{}, notEntitled(d)
	}
	now := s.now().UTC()
	deadline, err := s.policy.Target(fc.topic.Category, f.Severity, f.Language, now)
	if err != nil {
		return domain.Ticket{}, err
	}
	id, err := newID()
	if err != nil {
		return domain.Ticket{}, err
	}
	lang, _ := filing.ParseLanguage(f.Language)
	return domain.Ticket{
		ID: id, PartnerID: partnerID, CustomerID: f.CustomerID, Service: f.Service,
		SupportTopicID: f.SupportTopicID, Category: fc.topic.Category, Title: f.Title, Description: f.Description,
		Severity: f.Severity, Language: lang, Contact: f.Contact, PreferredContactMethod: domain.ContactEmail,
		Status: domain.StatusNew, SupportPlan: d.SupportPlan, Fee: d.Fee, Queue: d.Queue, Priority: d.Priority,
		SLAState: lifecycle.InitialSLA, BusinessHours: deadline.BusinessHours, ResponseTarget: deadline.Target,
		CalendarID: deadline.CalendarID, ResponseDueTime: deadline.Due.UTC(), WarnTime: deadline.Warn.UTC(),
		CreateTime: now, UpdateTime: now, Version: 1,
	}, nil
}

func notEntitled(d entitlement.Decision) error {
	e := &domain.NotEntitledError{}
	for _, v := range d.Violations {
		e.Violations = append(e.Violations, domain.EntitlementViolation{Reason: v.Reason, Message: v.Message})
	}
	return e
}

// insert writes a new ticket and its CREATED event.
func insert(ctx context.Context, tx store.ReadWriter, t domain.Ticket, actor string) error {
	if err := tx.CreateTicket(ctx, t); err != nil {
		return err
	}
	_, err := tx.AppendEvent(ctx, domain.Event{Type: domain.EventCreated, TicketID: t.ID, PartnerID: t.PartnerID,
		CustomerID: t.CustomerID, Actor: actor, Time: t.CreateTime, Ticket: &t, Detail: "ticket filed"})
	return err
}
