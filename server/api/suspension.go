package api

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"google.golang.org/grpc"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/auth"
	"github.com/supportd/supportd/server/domain"
)

// SuspendedPartnerMay is the one definition of what a suspended partner
// may still call (true) on SupportService: it keeps reading and watching
// its tickets, their notes and attachments, may answer on them with a note
// and close them, but may not file, escalate, raise severities, reopen or
// upload. CreateTicket passes here because its entitlement check refuses
// it (PARTNER_SUSPENDED, listed with every other violation); every other
// false or unlisted method is refused with FAILED_PRECONDITION, reason
// PARTNER_SUSPENDED. Watch streams are reads: they go on through a
// suspension.
var SuspendedPartnerMay = map[string]bool{
	supportv1.SupportService_ListSupportTopics_FullMethodName:    true,
	supportv1.SupportService_CheckEntitlement_FullMethodName:     true,
	supportv1.SupportService_CreateTicket_FullMethodName:         true, // refused by entitlement
	supportv1.SupportService_GetTicket_FullMethodName:            true,
	supportv1.SupportService_ListTickets_FullMethodName:          true,
	supportv1.SupportService_WatchTicket_FullMethodName:          true,
	supportv1.SupportService_WatchTickets_FullMethodName:         true,
	supportv1.SupportService_ListTicketNotes_FullMethodName:      true,
	supportv1.SupportService_ListAttachments_FullMethodName:      true,
	supportv1.SupportService_DownloadAttachment_FullMethodName:   true,
	supportv1.SupportService_AddTicketNote_FullMethodName:        true,
	supportv1.SupportService_CloseTicket_FullMethodName:          true,
	supportv1.SupportService_ChangeTicketSeverity_FullMethodName: false,
	supportv1.SupportService_EscalateTicket_FullMethodName:       false,
	supportv1.SupportService_ReopenTicket_FullMethodName:         false,
	supportv1.SupportService_UploadAttachment_FullMethodName:     false,
}

// PartnerStatuses reads a partner's program status (the directory).
type PartnerStatuses interface {
	GetPartner(ctx context.Context, id string) (domain.Partner, error)
}

// SuspensionGate refuses the partner calls SuspendedPartnerMay forbids
// while the caller's partner is suspended. Only those calls read the
// partner (one point read, next to the write they would make): reads cost
// nothing more.
type SuspensionGate struct {
	partners PartnerStatuses
	log      *slog.Logger
}

// NewSuspensionGate returns the gate over the directory's partners.
func NewSuspensionGate(partners PartnerStatuses, log *slog.Logger) *SuspensionGate {
	return &SuspensionGate{partners: partners, log: log}
}

// Check is nil when a call of method (its full name) may proceed, the
// status to refuse it with otherwise.
func (g *SuspensionGate) Check(ctx context.Context, method string) error {
	if !strings.HasPrefix(method, "/"+supportv1.SupportService_ServiceDesc.ServiceName+"/") || SuspendedPartnerMay[method] {
		return nil
	}
	p, ok := auth.FromContext(ctx)
	if !ok || p.Role != domain.RolePartner {
		return nil
	}
	partner, err := g.partners.GetPartner(ctx, p.PartnerID)
	if err != nil {
		return toStatus(ctx, g.log, err)
	}
	if partner.Status != domain.PartnerSuspended {
		return nil
	}
	verb := method[strings.LastIndex(method, "/")+1:]
	return toStatus(ctx, g.log, &domain.PreconditionError{Reason: "PARTNER_SUSPENDED", Subject: "partners/" + p.PartnerID,
		Message: fmt.Sprintf("partner %s is suspended: it may read, watch, add notes to and close its tickets, but not call %s", p.PartnerID, verb)})
}

// Unary is the gate for unary calls (after authentication).
func (g *SuspensionGate) Unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		if err := g.Check(ctx, info.FullMethod); err != nil {
			return nil, err
		}
		return h(ctx, req)
	}
}
