package api

import (
	"strconv"

	"google.golang.org/protobuf/types/known/durationpb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
)

// etagOf is the opaque version tag of a ticket version.
func etagOf(version int64) string { return "v" + strconv.FormatInt(version, 10) }

// versionOfEtag parses an etag; ok is false for one this server never made.
func versionOfEtag(etag string) (int64, bool) {
	if len(etag) < 2 || etag[0] != 'v' {
		return 0, false
	}
	v, err := strconv.ParseInt(etag[1:], 10, 64)
	return v, err == nil && v > 0
}

func ticketToProto(t domain.Ticket) *supportv1.Ticket {
	out := &supportv1.Ticket{
		Id:                     t.ID,
		PartnerId:              t.PartnerID,
		CustomerId:             t.CustomerID,
		Service:                serviceToProto(t.Service),
		SupportTopicId:         t.SupportTopicID,
		Category:               categoryToProto(t.Category),
		Title:                  t.Title,
		Description:            t.Description,
		Severity:               severityToProto(t.Severity),
		Language:               t.Language,
		Contact:                &supportv1.Contact{Name: t.Contact.Name, Email: t.Contact.Email, Phone: t.Contact.Phone},
		PreferredContactMethod: contactMethodToProto(t.PreferredContactMethod),
		Status:                 statusToProto(t.Status),
		SupportPlan:            planToProto(t.SupportPlan),
		Fee:                    feeToProto(t.Fee),
		Queue:                  queueToProto(t.Queue),
		Priority:               t.Priority,
		EscalationLevel:        int32(t.EscalationLevel),
		SlaState:               slaStateToProto(t.SLAState),
		ResponseDueTime:        timestamp(t.ResponseDueTime),
		FirstResponseTime:      timestamp(t.FirstResponseTime),
		CreateTime:             timestamp(t.CreateTime),
		UpdateTime:             timestamp(t.UpdateTime),
		Etag:                   etagOf(t.Version),
		BusinessHours:          t.BusinessHours,
		SlaWarningTime:         timestamp(t.WarnTime),
		DutyManagerTier:        t.DutyManagerTier,
		ResponseTarget:         durationpb.New(t.ResponseTarget),
		NoteCount:              int32(t.NoteCount),
		AttachmentCount:        int32(t.AttachmentCount),
	}
	return out
}

func topicToProto(t domain.Topic) *supportv1.SupportTopic {
	return &supportv1.SupportTopic{Id: t.ID, Service: serviceToProto(t.Service), Name: t.Name, Category: categoryToProto(t.Category), Featured: t.Featured}
}

func proofOf(p *supportv1.EntitlementProof) *domain.Proof {
	if p == nil {
		return nil
	}
	return &domain.Proof{Kind: proofKindOf(p.GetKind()), Reference: p.GetReference()}
}

func contactOf(c *supportv1.Contact) domain.Contact {
	return domain.Contact{Name: c.GetName(), Email: c.GetEmail(), Phone: c.GetPhone()}
}

// noteToProto converts a note; its id is its number within the ticket.
func noteToProto(n domain.Note) *supportv1.Note {
	return &supportv1.Note{Id: strconv.FormatInt(n.ID, 10), Author: n.Author, Text: n.Text, CreateTime: timestamp(n.CreateTime)}
}
