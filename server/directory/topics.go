package directory

import (
	"context"
	"errors"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// ListTopics lists one service's catalogue as partners see it: featured
// topics first, then by rank.
func (s *Service) ListTopics(ctx context.Context, service domain.Service) ([]domain.Topic, error) {
	if err := validate.Present("service", service != ""); err != nil {
		return nil, err
	}
	var out []domain.Topic
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		out, err = tx.ListTopics(ctx, service)
		return err
	})
	return out, err
}

// CreateTopic adds a topic to its service's catalogue, ranked after the
// topics already there.
func (s *Service) CreateTopic(ctx context.Context, actor string, t domain.Topic) (domain.Topic, error) {
	if err := validate.Topic(t, nil); err != nil {
		return t, err
	}
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		_, err := tx.GetTopic(ctx, t.ID)
		switch {
		case err == nil:
			return &domain.AlreadyExistsError{Kind: "support topic", ID: t.ID}
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		existing, err := tx.ListTopics(ctx, t.Service)
		if err != nil {
			return err
		}
		t.Rank = len(existing)
		if err := tx.UpsertTopic(ctx, t); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, s.now().UTC(), change{kind: domain.AuditTopicCreated, resource: topicResource(t.ID), after: t})
	})
	return t, err
}

// UpdateTopic applies the masked fields (name, category, featured) of t.
func (s *Service) UpdateTopic(ctx context.Context, actor string, t domain.Topic, mask []string) (domain.Topic, error) {
	if err := validate.Mask(mask, "name", "category", "featured"); err != nil {
		return t, err
	}
	if err := validate.Topic(t, mask); err != nil {
		return t, err
	}
	var out domain.Topic
	err := s.st.ReadWriteTx(ctx, func(tx store.ReadWriter) error {
		cur, err := tx.GetTopic(ctx, t.ID)
		if err != nil {
			return mapStoreErr(err, "support topic", t.ID)
		}
		before := cur
		for _, f := range mask {
			switch f {
			case "name":
				cur.Name = t.Name
			case "category":
				cur.Category = t.Category
			case "featured":
				cur.Featured = t.Featured
			}
		}
		if err := tx.UpsertTopic(ctx, cur); err != nil {
			return err
		}
		out = cur
		return s.record(ctx, tx, actor, s.now().UTC(), change{kind: domain.AuditTopicUpdated, resource: topicResource(t.ID), before: before, after: cur})
	})
	return out, err
}
