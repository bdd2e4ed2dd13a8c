package main

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/store/encoding"
)

// firstPageRefsQuery reads the ids and versions of the demo partner's
// newest tickets as one text ("id version,id version,..."), through the
// same index as firstPageQuery: one step through cgo per page, as
// supportd's own query of ids and versions.
const firstPageRefsQuery = `SELECT group_concat(id || ' ' || version, ',') FROM
	(SELECT id, version FROM tickets INDEXED BY tickets_by_partner
	 WHERE partner_id = ? ORDER BY id DESC LIMIT ?)`

// ticketsField is the field number of ListTicketsResponse.tickets.
var ticketsField = (&supportv1.ListTicketsResponse{}).ProtoReflect().Descriptor().Fields().ByName("tickets").Number()

// cachedPages is the ListTickets of the bare-list-cached reference: it
// keeps the encoded response record of every ticket it served, by id and
// version (the load asks for one page, so it stays small), and answers a
// page of known tickets with those records as the response's bytes.
type cachedPages struct {
	supportv1.UnimplementedSupportServiceServer
	refs, one *sql.Stmt
	mu        sync.RWMutex
	records   map[string]cachedRecord
}

type cachedRecord struct {
	version string
	record  []byte // the tickets field's record: tag, length, ticket
}

func newCachedPages(db *sql.DB) (*cachedPages, error) {
	refs, err := db.Prepare(firstPageRefsQuery)
	if err != nil {
		return nil, err
	}
	one, err := db.Prepare(`SELECT data FROM tickets WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	return &cachedPages{refs: refs, one: one, records: map[string]cachedRecord{}}, nil
}

// ListTickets answers the demo partner's first page, whatever the request
// asks. The response holds the tickets as unknown fields, which grpc-go's
// proto codec writes out as they are: on the wire the same message.
func (c *cachedPages) ListTickets(ctx context.Context, req *supportv1.ListTicketsRequest) (*supportv1.ListTicketsResponse, error) {
	size := min(max(int(req.GetPageSize()), 1), 50)
	var text sql.NullString
	if err := c.refs.QueryRowContext(ctx, demo.PartnerID, size).Scan(&text); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	refs := strings.Split(text.String, ",")
	// The aggregate need not see its rows in order: sort again (newest id first).
	slices.SortFunc(refs, func(a, b string) int { return strings.Compare(b, a) })
	var body []byte
	for _, ref := range refs {
		if ref == "" {
			continue
		}
		id, version, _ := strings.Cut(ref, " ")
		rec, err := c.record(ctx, id, version)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		body = append(body, rec...)
	}
	resp := &supportv1.ListTicketsResponse{}
	resp.ProtoReflect().SetUnknown(body)
	return resp, nil
}

// record returns the kept record of ticket id at version, reading,
// decoding, converting and encoding it on a miss.
func (c *cachedPages) record(ctx context.Context, id, version string) ([]byte, error) {
	c.mu.RLock()
	r, ok := c.records[id]
	c.mu.RUnlock()
	if ok && r.version == version {
		return r.record, nil
	}
	var data []byte
	if err := c.one.QueryRowContext(ctx, id).Scan(&data); err != nil {
		return nil, err
	}
	t, err := encoding.DecodeTicket(data)
	if err != nil {
		return nil, err
	}
	if strconv.FormatInt(t.Version, 10) != version {
		return nil, fmt.Errorf("ticket %s changed during the page", id)
	}
	wire, err := proto.Marshal(bareTicketProto(t))
	if err != nil {
		return nil, err
	}
	rec := protowire.AppendTag(nil, ticketsField, protowire.BytesType)
	rec = protowire.AppendBytes(rec, wire)
	c.mu.Lock()
	c.records[id] = cachedRecord{version: version, record: rec}
	c.mu.Unlock()
	return rec, nil
}
