package api

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// timestamp converts an instant; the zero time becomes nil (unset).
func timestamp(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func partnerToProto(p domain.Partner) *supportv1.Partner {
	out := &supportv1.Partner{
		Id:              p.ID,
		DisplayName:     p.DisplayName,
		Status:          partnerStatusToProto(p.Status),
		VerifiedDomains: p.VerifiedDomains,
		CreateTime:      timestamp(p.CreateTime),
		UpdateTime:      timestamp(p.UpdateTime),
	}
	for _, b := range p.Benefits {
		out.Benefits = append(out.Benefits, benefitToProto(b))
	}
	return out
}

func partnerOf(p *supportv1.Partner) domain.Partner {
	out := domain.Partner{
		ID:              p.GetId(),
		DisplayName:     p.GetDisplayName(),
		Status:          partnerStatusOf(p.GetStatus()),
		VerifiedDomains: p.GetVerifiedDomains(),
	}
	for _, b := range p.GetBenefits() {
		out.Benefits = append(out.Benefits, benefitOf(b))
	}
	return out
}

func customerToProto(c domain.Customer) *supportv1.Customer {
	return &supportv1.Customer{
		Id:          c.ID,
		PartnerId:   c.PartnerID,
		DisplayName: c.DisplayName,
		Kind:        customerKindToProto(c.Kind),
		Domains:     c.Domains,
		CreateTime:  timestamp(c.CreateTime),
	}
}

func customerOf(c *supportv1.Customer) domain.Customer {
	return domain.Customer{
		ID:          c.GetId(),
		PartnerID:   c.GetPartnerId(),
		DisplayName: c.GetDisplayName(),
		Kind:        customerKindOf(c.GetKind()),
		Domains:     c.GetDomains(),
	}
}

func subscriptionToProto(s domain.Subscription) *supportv1.Subscription {
	return &supportv1.Subscription{
		Id:         s.ID,
		CustomerId: s.CustomerID,
		Service:    serviceToProto(s.Service),
		State:      subscriptionStateToProto(s.State),
		CreateTime: timestamp(s.CreateTime),
		UpdateTime: timestamp(s.UpdateTime),
	}
}

func subscriptionOf(s *supportv1.Subscription) domain.Subscription {
	return domain.Subscription{
		ID:         s.GetId(),
		CustomerID: s.GetCustomerId(),
		Service:    serviceOf(s.GetService()),
		State:      subscriptionStateOf(s.GetState()),
	}
}

func contractToProto(c domain.Contract) *supportv1.Contract {
	return &supportv1.Contract{
		Id:         c.ID,
		PartnerId:  c.PartnerID,
		Kind:       proofKindToProto(c.Kind),
		Reference:  c.Reference,
		CreateTime: timestamp(c.CreateTime),
	}
}

func contractOf(c *supportv1.Contract) domain.Contract {
	return domain.Contract{
		ID:        c.GetId(),
		PartnerID: c.GetPartnerId(),
		Kind:      proofKindOf(c.GetKind()),
		Reference: c.GetReference(),
	}
}

func apiKeyToProto(k store.APIKey) *supportv1.ApiKey {
	return &supportv1.ApiKey{
		KeyId:      k.ID,
		Role:       roleToProto(k.Role),
		PartnerId:  k.PartnerID,
		CreateTime: timestamp(k.CreateTime),
		RevokeTime: timestamp(k.RevokeTime),
		ExpireTime: timestamp(k.ExpireTime),
	}
}
