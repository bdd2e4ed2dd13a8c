package watch

import (
	"context"
	"fmt"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
)

// Start says where a stream starts.
type Start struct {
	// Resume, when HasResume, is the position of the stream's resume
	// token: the last sequence it covered.
	Resume    int64
	HasResume bool
	// FromNow starts a stream without a token at the log's end (live
	// events only) rather than at its beginning (the history as well).
	FromNow bool
}

// StartAfter resolves the sequence a stream starts after. A resume
// position older than the retained log is a domain.OutOfRangeError (the
// events in between are gone); one beyond the log's end was not made by
// this server's log (a domain.ValidationError on resume_token).
func (h *Hub) StartAfter(ctx context.Context, s Start) (int64, error) {
	var first, last int64
	err := h.st.ReadTx(ctx, func(tx store.Reader) error {
		var err error
		if first, err = tx.FirstSequence(ctx); err != nil {
			return err
		}
		last, err = tx.LastSequence(ctx)
		return err
	})
	switch {
	case err != nil:
		return 0, err
	case !s.HasResume && s.FromNow:
		return last, nil
	case !s.HasResume:
		return 0, nil
	case s.Resume > last:
		return 0, domain.Invalid(domain.FieldViolation{Field: "resume_token", Description: "resume token is ahead of this server's event log"})
	case first > 0 && s.Resume+1 < first:
		return 0, &domain.OutOfRangeError{Message: fmt.Sprintf(
			"resume token is older than the retained event log (oldest retained sequence %d): start a new watch without a token and re-read the tickets", first)}
	}
	return s.Resume, nil
}
