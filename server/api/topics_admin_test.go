package api_test

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/internal/testserver"
)

// TestSupportTopicCatalogueAdmin: administrators manage the support topic
// catalogue (docs/domain.md §7); partners see each change in
// ListSupportTopics at once, featured topics first, a new topic last of
// its group.
func TestSupportTopicCatalogueAdmin(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx := s.Directory(), s.Admin(t)
	seeded := s.SeedDirectory(t, "adatum")
	a := newAudit(t, s)
	ems := supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE
	listed := func() []*supportv1.SupportTopic {
		t.Helper()
		resp, err := s.Support().ListSupportTopics(testserver.Auth(context.Background(), seeded.PartnerKey), &supportv1.ListSupportTopicsRequest{Service: ems})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetTopics()
	}
	before := listed()

	want := &supportv1.SupportTopic{Id: "ems-app-protection", Service: ems, Name: "App protection policies",
		Category: supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL}
	resp, err := dir.CreateSupportTopic(ctx, &supportv1.CreateSupportTopicRequest{Topic: want})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(resp.GetTopic(), want) {
		t.Fatalf("created %v, want %v", resp.GetTopic(), want)
	}
	a.one(t, domain.AuditTopicCreated, "supportTopics/ems-app-protection")
	after := listed()
	if len(after) != len(before)+1 || !proto.Equal(after[len(after)-1], want) {
		t.Fatalf("a new More... topic is listed last: got %v", after)
	}

	t.Run("update with a mask", func(t *testing.T) {
		upd := &supportv1.SupportTopic{Id: "ems-app-protection", Name: "App protection", Featured: true,
			Category: supportv1.TopicCategory_TOPIC_CATEGORY_FRAUD}
		resp, err := dir.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{Topic: upd, UpdateMask: mask("name", "featured")})
		if err != nil {
			t.Fatal(err)
		}
		got := resp.GetTopic()
		if got.GetName() != "App protection" || !got.GetFeatured() || got.GetCategory() != want.GetCategory() || got.GetService() != ems {
			t.Fatalf("updated topic = %v: only name and featured may change", got)
		}
		a.one(t, domain.AuditTopicUpdated, "supportTopics/ems-app-protection")
		var featuredSeen, moreSeen bool
		for _, tp := range listed() {
			if tp.GetId() == "ems-app-protection" && moreSeen {
				t.Fatal("a featured topic is listed after a More... topic")
			}
			featuredSeen = featuredSeen || tp.GetFeatured()
			moreSeen = moreSeen || !tp.GetFeatured()
		}
	})
	t.Run("duplicate id", func(t *testing.T) {
		_, err := dir.CreateSupportTopic(ctx, &supportv1.CreateSupportTopicRequest{Topic: want})
		wantInfo(t, err, codes.AlreadyExists, "ALREADY_EXISTS", map[string]string{"kind": "support topic", "id": "ems-app-protection"})
		a.none(t)
	})
	t.Run("bad fields", func(t *testing.T) {
		_, err := dir.CreateSupportTopic(ctx, &supportv1.CreateSupportTopicRequest{Topic: &supportv1.SupportTopic{Id: "bad id", Service: 99, Category: 42}})
		wantFields(t, err, "topic.id", "topic.service", "topic.name", "topic.category")
		_, err = dir.CreateSupportTopic(ctx, &supportv1.CreateSupportTopicRequest{})
		wantFields(t, err, "topic")
		_, err = dir.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{Topic: want})
		wantFields(t, err, "update_mask")
		_, err = dir.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{Topic: want, UpdateMask: mask("service")})
		wantFields(t, err, "update_mask")
		a.none(t)
	})
	t.Run("unknown topic", func(t *testing.T) {
		_, err := dir.UpdateSupportTopic(ctx, &supportv1.UpdateSupportTopicRequest{
			Topic: &supportv1.SupportTopic{Id: "nope", Name: "x"}, UpdateMask: mask("name")})
		wantInfo(t, err, codes.NotFound, "NOT_FOUND", map[string]string{"kind": "support topic", "id": "nope"})
		a.none(t)
	})
	t.Run("partner keys may not manage the catalogue", func(t *testing.T) {
		_, err := dir.CreateSupportTopic(testserver.Auth(context.Background(), seeded.PartnerKey), &supportv1.CreateSupportTopicRequest{Topic: want})
		wantCode(t, err, codes.PermissionDenied)
	})
}

// TestListCatalogTopics: administrators list a service's catalogue as
// partners see it (same topics, same order); the service is required and
// partner keys are refused.
func TestListCatalogTopics(t *testing.T) {
	s := testserver.Start(t)
	dir, ctx := s.Directory(), s.Admin(t)
	seeded := s.SeedDirectory(t, "adatum")
	azure := supportv1.Service_SERVICE_AZURE
	added := &supportv1.SupportTopic{Id: "azure-new", Service: azure, Name: "New topic", Category: supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY}
	if _, err := dir.CreateSupportTopic(ctx, &supportv1.CreateSupportTopicRequest{Topic: added}); err != nil {
		t.Fatal(err)
	}
	got, err := dir.ListCatalogTopics(ctx, &supportv1.ListCatalogTopicsRequest{Service: azure})
	if err != nil {
		t.Fatal(err)
	}
	partner, err := s.Support().ListSupportTopics(testserver.Auth(context.Background(), seeded.PartnerKey), &supportv1.ListSupportTopicsRequest{Service: azure})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.GetTopics()) < 2 || !proto.Equal(got, &supportv1.ListCatalogTopicsResponse{Topics: partner.GetTopics()}) {
		t.Fatalf("admin catalogue %v\npartner catalogue %v", got.GetTopics(), partner.GetTopics())
	}
	if last := got.GetTopics()[len(got.GetTopics())-1]; !proto.Equal(last, added) {
		t.Errorf("the new More... topic is not last: %v", last)
	}

	_, err = dir.ListCatalogTopics(ctx, &supportv1.ListCatalogTopicsRequest{})
	wantFields(t, err, "service")
	_, err = dir.ListCatalogTopics(testserver.Auth(context.Background(), seeded.PartnerKey), &supportv1.ListCatalogTopicsRequest{Service: azure})
	wantCode(t, err, codes.PermissionDenied)
}
