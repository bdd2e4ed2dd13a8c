package api_test

import (
	"testing"

	"google.golang.org/grpc/codes"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

func TestFilingListSupportTopics(t *testing.T) {
	e := startFiling(t)
	services := []supportv1.Service{
		supportv1.Service_SERVICE_AZURE,
		supportv1.Service_SERVICE_OFFICE_365,
		supportv1.Service_SERVICE_DYNAMICS_CRM_ONLINE,
		supportv1.Service_SERVICE_ENTERPRISE_MOBILITY_SUITE,
	}
	categories := []supportv1.TopicCategory{
		supportv1.TopicCategory_TOPIC_CATEGORY_TECHNICAL,
		supportv1.TopicCategory_TOPIC_CATEGORY_ADVISORY,
		supportv1.TopicCategory_TOPIC_CATEGORY_SUBSCRIPTION_MANAGEMENT,
		supportv1.TopicCategory_TOPIC_CATEGORY_BILLING,
		supportv1.TopicCategory_TOPIC_CATEGORY_BILLING_DISPUTE,
		supportv1.TopicCategory_TOPIC_CATEGORY_FRAUD,
	}
	seen := map[string]supportv1.Service{}
	for _, svc := range services {
		t.Run(svc.String(), func(t *testing.T) {
			resp, err := e.sup.ListSupportTopics(e.adatum, &supportv1.ListSupportTopicsRequest{Service: svc})
			if err != nil {
				t.Fatal(err)
			}
			topics := resp.GetTopics()
			if len(topics) == 0 {
				t.Fatal("no topics")
			}
			got := map[supportv1.TopicCategory]int{}
			featuredDone := false
			featured := 0
			for i, tp := range topics {
				if tp.GetService() != svc {
					t.Errorf("topic %s is of service %v", tp.GetId(), tp.GetService())
				}
				if tp.GetId() == "" || tp.GetName() == "" {
					t.Errorf("topic %d has no id or name: %v", i, tp)
				}
				if prev, dup := seen[tp.GetId()]; dup {
					t.Errorf("topic id %s listed twice (also under %v)", tp.GetId(), prev)
				}
				seen[tp.GetId()] = svc
				got[tp.GetCategory()]++
				if tp.GetFeatured() {
					featured++
					if featuredDone {
						t.Errorf("featured topic %s after a \"More...\" topic: featured must come first", tp.GetId())
					}
				} else {
					featuredDone = true
				}
			}
			for _, c := range categories {
				if got[c] == 0 {
					t.Errorf("no topic of category %v", c)
				}
			}
			if _, bad := got[supportv1.TopicCategory_TOPIC_CATEGORY_UNSPECIFIED]; bad {
				t.Error("a topic has no category")
			}
			if featured == 0 {
				t.Error("no featured topic")
			}
		})
	}

	t.Run("missing service", func(t *testing.T) {
		_, err := e.sup.ListSupportTopics(e.adatum, &supportv1.ListSupportTopicsRequest{})
		wantFields(t, err, "service")
	})
	t.Run("service number outside the enum", func(t *testing.T) {
		_, err := e.sup.ListSupportTopics(e.adatum, &supportv1.ListSupportTopicsRequest{Service: supportv1.Service(99)})
		wantFields(t, err, "service")
	})
	t.Run("wrong role", func(t *testing.T) {
		_, err := e.sup.ListSupportTopics(e.agent, &supportv1.ListSupportTopicsRequest{Service: supportv1.Service_SERVICE_AZURE})
		wantCode(t, err, codes.PermissionDenied)
	})
}
