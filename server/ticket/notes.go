package ticket

import (
	"context"
	"fmt"
	"time"

	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store"
	"github.com/supportd/supportd/server/validate"
)

// noteLimits bound a ticket's conversation.
type noteLimits struct {
	maxBytes  int // UTF-8 bytes of one note
	perTicket int // notes one ticket holds
}

// WithNoteLimits sets the largest note, in UTF-8 bytes, and the most
// notes one ticket holds (limits.note_bytes, limits.notes_per_ticket).
// Values that are not positive keep the defaults.
func WithNoteLimits(maxBytes, perTicket int) Option {
	return func(s *Service) {
		if maxBytes > 0 {
			s.notes.maxBytes = maxBytes
		}
		if perTicket > 0 {
			s.notes.perTicket = perTicket
		}
	}
}

// newNote numbers the next note of t (counting it on t) for a mutation;
// mutate stores it with the change's event. A ticket holding its quota
// of notes refuses it, before anything changes.
func (s *Service) newNote(t *domain.Ticket, author, text string, now time.Time) (*domain.Note, error) {
	if t.NoteCount >= s.notes.perTicket {
		return nil, &domain.QuotaError{Reason: "NOTES_PER_TICKET", Subject: "tickets/" + t.ID,
			Description: fmt.Sprintf("ticket %s holds %d notes, the most a ticket may hold (limits.notes_per_ticket): file a new ticket to go on",
				t.ID, t.NoteCount)}
	}
	t.NoteCount++
	return &domain.Note{ID: int64(t.NoteCount), TicketID: t.ID, Author: author, Text: text, CreateTime: now}, nil
}

// Notes lists a ticket's notes oldest first: up to limit after note
// number after. A partner caller sees only its partner's tickets (another
// partner's ticket is not found), support any ticket; the ticket is read
// in the same snapshot as its notes.
func (s *Service) Notes(ctx context.Context, c Caller, ticketID string, after int64, limit int) ([]domain.Note, error) {
	if err := validate.TicketID(ticketID); err != nil {
		return nil, err
	}
	var out []domain.Note
	err := s.st.ReadTx(ctx, func(tx store.Reader) error {
		if _, err := visibleTicket(ctx, tx, c, ticketID); err != nil {
			return err
		}
		var err error
		out, err = tx.ListNotes(ctx, ticketID, after, limit)
		return err
	})
	return out, err
}
