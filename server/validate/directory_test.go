package validate_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/validate"
)

func validPartner() domain.Partner {
	return domain.Partner{ID: "adatum", DisplayName: "Adatum", Status: domain.PartnerActive,
		VerifiedDomains: []string{"adatum.example"}, Benefits: []domain.Benefit{domain.BenefitMPN}}
}

func TestPartner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		mod  func(*domain.Partner)
		mask []string
		want []string
	}{
		{"valid", func(*domain.Partner) {}, nil, nil},
		{"no id", func(p *domain.Partner) { p.ID = "" }, nil, []string{"partner.id"}},
		{"id with a quote", func(p *domain.Partner) { p.ID = "a'b" }, nil, []string{"partner.id"}},
		{"id of 65", func(p *domain.Partner) { p.ID = strings.Repeat("a", 65) }, nil, []string{"partner.id"}},
		{"id starting with a dot", func(p *domain.Partner) { p.ID = ".a" }, nil, []string{"partner.id"}},
		{"blank name", func(p *domain.Partner) { p.DisplayName = " \t" }, nil, []string{"partner.display_name"}},
		{"name of 201", func(p *domain.Partner) { p.DisplayName = strings.Repeat("é", 201) }, nil, []string{"partner.display_name"}},
		{"name of 200", func(p *domain.Partner) { p.DisplayName = strings.Repeat("é", 200) }, nil, nil},
		{"no status", func(p *domain.Partner) { p.Status = "" }, nil, []string{"partner.status"}},
		{"upper-case domain", func(p *domain.Partner) { p.VerifiedDomains = []string{"Adatum.example"} }, nil, []string{"partner.verified_domains[0]"}},
		{"duplicate domain", func(p *domain.Partner) { p.VerifiedDomains = []string{"a.example", "a.example"} }, nil, []string{"partner.verified_domains[1]"}},
		{"unknown benefit", func(p *domain.Partner) { p.Benefits = []domain.Benefit{"GOLD"} }, nil, []string{"partner.benefits[0]"}},
		{"duplicate benefit", func(p *domain.Partner) {
			p.Benefits = []domain.Benefit{domain.BenefitMPN, domain.BenefitMPN}
		}, nil, []string{"partner.benefits[1]"}},
		{"every field bad, in order", func(p *domain.Partner) { *p = domain.Partner{VerifiedDomains: []string{"x"}} }, nil,
			[]string{"partner.id", "partner.display_name", "partner.status", "partner.verified_domains[0]"}},
		{"mask skips unmasked fields", func(p *domain.Partner) { p.DisplayName, p.Status = "", "" }, []string{"verified_domains"}, nil},
		{"mask checks masked fields", func(p *domain.Partner) { p.DisplayName = "" }, []string{"display_name"}, []string{"partner.display_name"}},
		{"mask still checks the id", func(p *domain.Partner) { p.ID = "" }, []string{"display_name"}, []string{"partner.id"}},
	}
	for _, c := range cases {
		p := validPartner()
		c.mod(&p)
		if got := fields(t, validate.Partner(p, c.mask)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestContract(t *testing.T) {
	t.Parallel()
	valid := domain.Contract{ID: "k1", PartnerID: "adatum", Kind: domain.ProofMPN, Reference: "MPN-1234"}
	cases := []struct {
		name string
		mod  func(*domain.Contract)
		want []string
	}{
		{"valid", func(*domain.Contract) {}, nil},
		{"no kind", func(c *domain.Contract) { c.Kind = "" }, []string{"contract.kind"}},
		{"blank reference", func(c *domain.Contract) { c.Reference = "  " }, []string{"contract.reference"}},
		{"padded reference", func(c *domain.Contract) { c.Reference = " MPN-1 " }, []string{"contract.reference"}},
		{"reference of 129", func(c *domain.Contract) { c.Reference = strings.Repeat("r", 129) }, []string{"contract.reference"}},
		{"reference of 128", func(c *domain.Contract) { c.Reference = strings.Repeat("r", 128) }, nil},
		{"bad ids", func(c *domain.Contract) { c.ID, c.PartnerID = "", "a b" }, []string{"contract.id", "contract.partner_id"}},
	}
	for _, c := range cases {
		k := valid
		c.mod(&k)
		if got := fields(t, validate.Contract(k)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestKeyRequest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		role    domain.Role
		partner string
		expire  time.Time
		want    []string
	}{
		{"partner key", domain.RolePartner, "adatum", time.Time{}, nil},
		{"partner key without partner", domain.RolePartner, "", time.Time{}, []string{"partner_id"}},
		{"agent key with partner", domain.RoleAgent, "adatum", time.Time{}, []string{"partner_id"}},
		{"admin key", domain.RoleAdmin, "", now.Add(time.Hour), nil},
		{"no role", "", "", time.Time{}, []string{"role"}},
		{"expired", domain.RoleAdmin, "", now, []string{"expire_time"}},
		{"at the longest lifetime", domain.RoleAdmin, "", now.Add(validate.MaxKeyLifetime), nil},
		{"past the longest lifetime", domain.RoleAdmin, "", now.Add(validate.MaxKeyLifetime + time.Second), []string{"expire_time"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.KeyRequest(c.role, c.partner, c.expire, now)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestCustomer(t *testing.T) {
	t.Parallel()
	valid := domain.Customer{ID: "litware", PartnerID: "adatum", DisplayName: "Litware", Kind: domain.CustomerEndCustomer, Domains: []string{"litware.example"}}
	cases := []struct {
		name string
		mod  func(*domain.Customer)
		want []string
	}{
		{"valid", func(*domain.Customer) {}, nil},
		{"no domains", func(c *domain.Customer) { c.Domains = nil }, nil},
		{"bad ids", func(c *domain.Customer) { c.ID, c.PartnerID = "-x", "" }, []string{"customer.id", "customer.partner_id"}},
		{"blank name", func(c *domain.Customer) { c.DisplayName = " " }, []string{"customer.display_name"}},
		{"no kind", func(c *domain.Customer) { c.Kind = "" }, []string{"customer.kind"}},
		{"bad domain", func(c *domain.Customer) { c.Domains = []string{"ok.example", "not a domain"} }, []string{"customer.domains[1]"}},
	}
	for _, c := range cases {
		x := valid
		c.mod(&x)
		if got := fields(t, validate.Customer(x)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSubscription(t *testing.T) {
	t.Parallel()
	valid := domain.Subscription{ID: "s1", CustomerID: "litware", Service: domain.ServiceAzure, State: domain.SubscriptionActive}
	cases := []struct {
		name string
		mod  func(*domain.Subscription)
		mask []string
		want []string
	}{
		{"valid", func(*domain.Subscription) {}, nil, nil},
		{"no service", func(s *domain.Subscription) { s.Service = "" }, nil, []string{"subscription.service"}},
		{"no customer", func(s *domain.Subscription) { s.CustomerID = "" }, nil, []string{"subscription.customer_id"}},
		{"unknown state", func(s *domain.Subscription) { s.State = "GONE" }, nil, []string{"subscription.state"}},
		{"update: only the state and id", func(s *domain.Subscription) { s.CustomerID, s.Service = "", "" }, []string{"state"}, nil},
		{"update of a bad state", func(s *domain.Subscription) { s.State = "" }, []string{"state"}, []string{"subscription.state"}},
	}
	for _, c := range cases {
		x := valid
		c.mod(&x)
		if got := fields(t, validate.Subscription(x, c.mask)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTopic(t *testing.T) {
	t.Parallel()
	valid := domain.Topic{ID: "azure-vm", Service: domain.ServiceAzure, Name: "Virtual machines", Category: domain.CategoryTechnical}
	cases := []struct {
		name string
		mod  func(*domain.Topic)
		mask []string
		want []string
	}{
		{"valid", func(*domain.Topic) {}, nil, nil},
		{"no service", func(x *domain.Topic) { x.Service = "" }, nil, []string{"topic.service"}},
		{"name of 201", func(x *domain.Topic) { x.Name = strings.Repeat("n", 201) }, nil, []string{"topic.name"}},
		{"unknown category", func(x *domain.Topic) { x.Category = "GOSSIP" }, nil, []string{"topic.category"}},
		{"update leaves the service", func(x *domain.Topic) { x.Service = "" }, []string{"name"}, nil},
		{"update of the category", func(x *domain.Topic) { x.Category = "" }, []string{"category"}, []string{"topic.category"}},
	}
	for _, c := range cases {
		x := valid
		c.mod(&x)
		if got := fields(t, validate.Topic(x, c.mask)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestMask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		mask []string
		want []string
	}{
		{"allowed", []string{"name", "category"}, nil},
		{"empty", nil, []string{"update_mask"}},
		{"one not allowed", []string{"name", "id"}, []string{"update_mask"}},
		{"each one not allowed", []string{"id", "service"}, []string{"update_mask", "update_mask"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.Mask(c.mask, "name", "category")); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}

func TestTimeRange(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"open", time.Time{}, time.Time{}, nil},
		{"from", at, time.Time{}, nil},
		{"until", time.Time{}, at, nil},
		{"ordered", at, at.Add(time.Second), nil},
		{"empty", at, at, []string{"end_time"}},
		{"reversed", at.Add(time.Second), at, []string{"end_time"}},
	}
	for _, c := range cases {
		if got := fields(t, validate.TimeRange(c.start, c.end)); !slices.Equal(got, c.want) {
			t.Errorf("%s: fields %v, want %v", c.name, got, c.want)
		}
	}
}
