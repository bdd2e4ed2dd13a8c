package api

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/token"
)

// auditJSON is the JSON form the audit trail records resources in: the
// API's protojson with proto field names, as `supportctl -o json` prints.
var auditJSON = protojson.MarshalOptions{UseProtoNames: true}

// AuditJSON renders a directory resource as the audit trail records it
// (the directory.Renderer of the server): its API message as JSON. An
// API key is its ApiKey message: never its hash or secret.
func AuditJSON(resource any) ([]byte, error) {
	var m proto.Message
	switch r := resource.(type) {
	case domain.Partner:
		m = partnerToProto(r)
	case domain.Customer:
		m = customerToProto(r)
	case domain.Subscription:
		m = subscriptionToProto(r)
	case domain.Contract:
		m = contractToProto(r)
	case domain.Topic:
		m = topicToProto(r)
	case store.APIKey:
		m = apiKeyToProto(r)
	default:
		return nil, fmt.Errorf("audit: no API form for %T", resource)
	}
	return auditJSON.Marshal(m)
}

// auditEventToProto converts an audit event; its recorded JSON becomes a
// Struct (a value that does not parse, which the server never writes, is
// left unset rather than failing the whole listing).
func auditEventToProto(e domain.AuditEvent) *supportv1.AuditEvent {
	return &supportv1.AuditEvent{
		Id:        strconv.FormatInt(e.ID, 10),
		EventTime: timestamp(e.Time),
		Actor:     e.Actor,
		Kind:      string(e.Kind),
		Resource:  e.Resource,
		Before:    jsonStruct(e.Before),
		After:     jsonStruct(e.After),
	}
}

func jsonStruct(b []byte) *structpb.Struct {
	if b == nil {
		return nil
	}
	s := &structpb.Struct{}
	if err := protojson.Unmarshal(b, s); err != nil {
		return nil
	}
	return s
}

// auditFilterOf validates and converts the filters of ListAuditEvents.
func auditFilterOf(req *supportv1.ListAuditEventsRequest) (store.AuditFilter, error) {
	f := store.AuditFilter{Actor: req.GetActor(), Kind: domain.AuditKind(req.GetKind())}
	var v []domain.FieldViolation
	var ok bool
	if f.Start, ok = optionalInstant(req.GetStartTime()); !ok {
		v = append(v, domain.FieldViolation{Field: "start_time", Description: "not a valid timestamp"})
	}
	if f.End, ok = optionalInstant(req.GetEndTime()); !ok {
		v = append(v, domain.FieldViolation{Field: "end_time", Description: "not a valid timestamp"})
	}
	return f, domain.Invalid(v...)
}

// optionalInstant converts an optional timestamp: unset is the zero time;
// ok is false for an invalid one.
func optionalInstant(ts *timestamppb.Timestamp) (t time.Time, ok bool) {
	if ts == nil {
		return time.Time{}, true
	}
	if ts.CheckValid() != nil {
		return time.Time{}, false
	}
	return ts.AsTime(), true
}

// ListAuditEvents implements DirectoryService.ListAuditEvents.
func (d *Directory) ListAuditEvents(ctx context.Context, req *supportv1.ListAuditEventsRequest) (*supportv1.ListAuditEventsResponse, error) {
	f, err := auditFilterOf(req)
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	limit, err := pageSize(req.GetPageSize())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	scope := token.Scope("ListAuditEvents", f.Actor, f.Kind, f.Start.UnixNano(), f.End.UnixNano())
	after, err := pageCursor(d.tokens, scope, req.GetPageToken())
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	evs, err := d.dir.ListAuditEvents(ctx, f, store.Page{After: after, Limit: limit})
	if err != nil {
		return nil, toStatus(ctx, d.log, err)
	}
	resp := &supportv1.ListAuditEventsResponse{}
	for _, e := range evs {
		resp.AuditEvents = append(resp.AuditEvents, auditEventToProto(e))
	}
	if n := len(evs); n > 0 {
		resp.NextPageToken = d.tokens.Next(scope, n, limit, strconv.FormatInt(evs[n-1].ID, 10))
	}
	return resp, nil
}
