package api_test

import (
	"strconv"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// field returns a top-level field of a recorded resource ("" if absent).
func field(s *structpb.Struct, name string) string {
	v, ok := s.GetFields()[name]
	if !ok {
		return ""
	}
	if str, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return str.StringValue
	}
	b, _ := v.MarshalJSON()
	return string(b)
}

// listAudit lists every page of req with the admin key.
func listAudit(t *testing.T, s *testserver.Server, req *supportv1.ListAuditEventsRequest) []*supportv1.AuditEvent {
	t.Helper()
	var all []*supportv1.AuditEvent
	for range 100 {
		resp, err := s.Directory().ListAuditEvents(s.Admin(t), req)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, resp.GetAuditEvents()...)
		if resp.GetNextPageToken() == "" {
			return all
		}
		req.PageToken = resp.GetNextPageToken()
	}
	t.Fatal("paging does not end")
	return nil
}

// TestAuditRecordsBeforeAndAfter: the trail records each change as the
// API shows the resource, before and after, and never a key's secret or
// hash.
func TestAuditRecordsBeforeAndAfter(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx, a := s.Directory(), s.Admin(t), newAudit(t, s)
	if _, err := dir.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: partnerMsg("adatum")}); err != nil {
		t.Fatal(err)
	}
	a.one(t, domain.AuditPartnerCreated, "partners/adatum")
	s.Clock.Advance(time.Minute)
	if _, err := dir.UpdatePartner(ctx, &supportv1.UpdatePartnerRequest{
		Partner:    &supportv1.Partner{Id: "adatum", Status: supportv1.PartnerStatus_PARTNER_STATUS_SUSPENDED},
		UpdateMask: mask("status"),
	}); err != nil {
		t.Fatal(err)
	}
	a.one(t, domain.AuditPartnerUpdated, "partners/adatum")
	key, err := dir.CreateApiKey(ctx, &supportv1.CreateApiKeyRequest{Role: supportv1.Role_ROLE_PARTNER, PartnerId: "adatum"})
	if err != nil {
		t.Fatal(err)
	}
	a.one(t, domain.AuditAPIKeyCreated, "apiKeys/"+key.GetKeyId())
	if _, err := dir.RevokeApiKey(ctx, &supportv1.RevokeApiKeyRequest{KeyId: key.GetKeyId()}); err != nil {
		t.Fatal(err)
	}
	a.one(t, domain.AuditAPIKeyRevoked, "apiKeys/"+key.GetKeyId())

	evs := listAudit(t, s, &supportv1.ListAuditEventsRequest{Actor: a.actor})
	if len(evs) != 4 {
		t.Fatalf("%d events by %s, want 4", len(evs), a.actor)
	}
	revoked, created, updated, partner := evs[0], evs[1], evs[2], evs[3]
	if partner.GetBefore() != nil || field(partner.GetAfter(), "display_name") != "Partner adatum" || field(partner.GetAfter(), "status") != "PARTNER_STATUS_TRIAL" {
		t.Errorf("partner.created: before %v after %v", partner.GetBefore(), partner.GetAfter())
	}
	if field(updated.GetBefore(), "status") != "PARTNER_STATUS_TRIAL" || field(updated.GetAfter(), "status") != "PARTNER_STATUS_SUSPENDED" ||
		field(updated.GetAfter(), "display_name") != "Partner adatum" {
		t.Errorf("partner.updated: before %v after %v", updated.GetBefore(), updated.GetAfter())
	}
	if !updated.GetEventTime().AsTime().Equal(s.Clock.Now()) || updated.GetKind() != "partner.updated" || updated.GetActor() != a.actor {
		t.Errorf("partner.updated = %v", updated)
	}
	if field(created.GetAfter(), "key_id") != key.GetKeyId() || field(created.GetAfter(), "role") != "ROLE_PARTNER" {
		t.Errorf("api_key.created after = %v", created.GetAfter())
	}
	for _, e := range []*supportv1.AuditEvent{created, revoked} {
		for _, rec := range []*structpb.Struct{e.GetBefore(), e.GetAfter()} {
			for name := range rec.GetFields() {
				if name != "key_id" && name != "role" && name != "partner_id" && name != "create_time" && name != "revoke_time" {
					t.Errorf("%s records %q: only the ApiKey message's fields, never a secret or hash", e.GetKind(), name)
				}
			}
		}
	}
	if field(revoked.GetBefore(), "revoke_time") != "" || field(revoked.GetAfter(), "revoke_time") == "" {
		t.Errorf("api_key.revoked: before %v after %v", revoked.GetBefore(), revoked.GetAfter())
	}
	ids := []string{revoked.GetId(), created.GetId(), updated.GetId(), partner.GetId()}
	for i := 1; i < len(ids); i++ {
		a, _ := strconv.ParseInt(ids[i-1], 10, 64)
		b, _ := strconv.ParseInt(ids[i], 10, 64)
		if a <= b {
			t.Fatalf("ids %v are not newest first", ids)
		}
	}
}

// TestListAuditEventsFilters: actor and kind match exactly, the time range
// is [start_time, end_time), and filters combine.
func TestListAuditEventsFilters(t *testing.T) {
	s := testserver.Start(t)
	second := s.NewKey(t, domain.RoleAdmin, "")
	t0 := s.Clock.Now()
	create := func(key, id string) {
		t.Helper()
		if _, err := s.Directory().CreatePartner(testserver.Auth(t.Context(), key), &supportv1.CreatePartnerRequest{Partner: partnerMsg(id)}); err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Minute)
	}
	create(s.AdminKey, "p0") // t0
	create(second, "p1")     // t0+1m
	create(s.AdminKey, "p2") // t0+2m
	create(second, "p3")     // t0+3m
	resources := func(evs []*supportv1.AuditEvent) []string {
		var out []string
		for _, e := range evs {
			out = append(out, e.GetResource())
		}
		return out
	}
	for _, c := range []struct {
		name string
		req  *supportv1.ListAuditEventsRequest
		want []string
	}{
		{"actor", &supportv1.ListAuditEventsRequest{Actor: "admin:" + keyID(t, second)}, []string{"partners/p3", "partners/p1"}},
		{"kind", &supportv1.ListAuditEventsRequest{Kind: "partner.created"}, []string{"partners/p3", "partners/p2", "partners/p1", "partners/p0"}},
		{"kind matches exactly", &supportv1.ListAuditEventsRequest{Kind: "partner"}, nil},
		{"start", &supportv1.ListAuditEventsRequest{Kind: "partner.created", StartTime: timestamppb.New(t0.Add(2 * time.Minute))}, []string{"partners/p3", "partners/p2"}},
		{"range", &supportv1.ListAuditEventsRequest{StartTime: timestamppb.New(t0.Add(time.Minute)), EndTime: timestamppb.New(t0.Add(3 * time.Minute))}, []string{"partners/p2", "partners/p1"}},
		{"actor and range", &supportv1.ListAuditEventsRequest{Actor: "admin:" + keyID(t, s.AdminKey), EndTime: timestamppb.New(t0.Add(time.Minute))}, []string{"partners/p0"}},
		{"operator keys of the test server", &supportv1.ListAuditEventsRequest{Actor: testserver.Actor}, []string{"apiKeys/" + keyID(t, second), "apiKeys/" + keyID(t, s.AdminKey)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, size := range []int32{0, 1} {
				c.req.PageSize, c.req.PageToken = size, ""
				if got := resources(listAudit(t, s, c.req)); !equalStrings(got, c.want) {
					t.Fatalf("page size %d: %v, want %v", size, got, c.want)
				}
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestListAuditEventsRequests: bad ranges, sizes and tokens are
// INVALID_ARGUMENT; a token only continues the listing it came from.
func TestListAuditEventsRequests(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx := s.Directory(), s.Admin(t)
	for _, id := range []string{"p0", "p1", "p2"} {
		if _, err := dir.CreatePartner(ctx, &supportv1.CreatePartnerRequest{Partner: partnerMsg(id)}); err != nil {
			t.Fatal(err)
		}
	}
	now := timestamppb.New(s.Clock.Now())
	_, err := dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{StartTime: now, EndTime: now})
	wantFields(t, err, "end_time")
	_, err = dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{StartTime: &timestamppb.Timestamp{Nanos: -1}, EndTime: &timestamppb.Timestamp{Seconds: -1 << 62}})
	wantFields(t, err, "start_time", "end_time")
	_, err = dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{PageSize: -1})
	wantFields(t, err, "page_size")
	_, err = dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{PageToken: "garbage"})
	wantFields(t, err, "page_token")

	first, err := dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{Kind: "partner.created", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.GetAuditEvents()) != 2 || first.GetNextPageToken() == "" {
		t.Fatalf("first page = %v", first)
	}
	_, err = dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{Kind: "api_key.created", PageSize: 2, PageToken: first.GetNextPageToken()})
	wantFields(t, err, "page_token")
	next, err := dir.ListAuditEvents(ctx, &supportv1.ListAuditEventsRequest{Kind: "partner.created", PageSize: 2, PageToken: first.GetNextPageToken()})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.GetAuditEvents()) != 1 || next.GetAuditEvents()[0].GetResource() != "partners/p0" || next.GetNextPageToken() != "" {
		t.Fatalf("second page = %v", next)
	}

	partner := s.SeedDirectory(t, "adatum").PartnerKey
	_, err = dir.ListAuditEvents(testserver.Auth(t.Context(), partner), &supportv1.ListAuditEventsRequest{})
	wantCode(t, err, codes.PermissionDenied)
}

// TestRetentionLeavesTheAuditTrail: the janitor prunes the watch log past
// its retention but never the audit trail.
func TestRetentionLeavesTheAuditTrail(t *testing.T) {
	s := startWatchServer(t)
	p := s.partner(t, "pa")
	old := s.mustTicket(t, p, "")
	// Closed, so that the SLA sweep, which may run at any moment once the
	// clock has moved, appends no event of it after the pruning.
	if _, err := s.Support().CloseTicket(p.ctx(), &supportv1.CloseTicketRequest{TicketId: old}); err != nil {
		t.Fatal(err)
	}
	audited := s.LastAuditID(t)
	s.Clock.Advance(30 * 24 * time.Hour)
	s.mustTicket(t, p, "") // the newest event is always kept
	if err := s.App.Prune(t.Context()); err != nil {
		t.Fatal(err)
	}
	if evs := s.EventsAfter(t, 0); len(evs) != 1 {
		t.Fatalf("%d events after pruning, want only the newest", len(evs))
	}
	if evs := s.AuditAfter(t, 0); len(evs) == 0 || evs[len(evs)-1].ID != audited {
		t.Fatalf("audit trail after pruning: %d events, want every one up to %d", len(evs), audited)
	}
}
