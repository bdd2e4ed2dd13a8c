package main

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver the store uses
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
	"github.com/supportd/supportd/server/demo"
	"github.com/supportd/supportd/server/domain"
	"github.com/supportd/supportd/server/store/encoding"
)

// firstPageQuery reads the demo partner's newest tickets through the index
// supportd's ListTickets uses for a partner with no filter (INDEXED BY
// fails loudly if that index is ever renamed).
const firstPageQuery = `SELECT data FROM tickets INDEXED BY tickets_by_partner
	WHERE partner_id = ? ORDER BY id DESC LIMIT ?`

// serveBareList is the `supportbench bare-list ADDR DB` mode (cached
// false) and the `supportbench bare-list-cached ADDR DB` mode (cached
// true): the read limits of a ListTickets first page. A plain grpc-go
// server (health, and ListTickets of SupportService; no interceptors, no
// auth, no validation, no logging or metrics) over the SQLite database DB,
// opened read-only as supportd's readers are.
//
// bare-list: each call runs one query for the demo partner's first page
// (at most 50 tickets), decodes each stored ticket with
// server/store/encoding, converts it to the API message and lets grpc-go
// marshal the response.
//
// bare-list-cached: the same with the caches supportd keeps (decoded,
// converted and encoded tickets by id and version), so that a page of
// known tickets costs one query of ids and versions and the copy of each
// ticket's kept encoding (cachedPages).
func serveBareList(addr, path string, cached bool) error {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", "10000")
	q.Set("_stmt_cache_size", "64")
	q.Set("_query_only", "1")
	db, err := sql.Open("sqlite3", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	readers := max(4, 2*runtime.GOMAXPROCS(0)) // supportd's default pool
	db.SetMaxOpenConns(readers)
	db.SetMaxIdleConns(readers)
	st, err := db.Prepare(firstPageQuery)
	if err != nil {
		return err
	}
	var svc supportv1.SupportServiceServer = &bareListServer{page: st}
	if cached {
		if svc, err = newCachedPages(db); err != nil {
			return err
		}
	}
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	h := health.NewServer()
	h.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, h)
	supportv1.RegisterSupportServiceServer(srv, svc)
	fmt.Println("bare-list serving", lis.Addr(), "cached:", cached)
	return srv.Serve(lis)
}

type bareListServer struct {
	supportv1.UnimplementedSupportServiceServer
	page *sql.Stmt
}

// ListTickets answers the demo partner's first page, whatever the request
// asks (the load only asks for that page).
func (s *bareListServer) ListTickets(ctx context.Context, req *supportv1.ListTicketsRequest) (*supportv1.ListTicketsResponse, error) {
	size := min(max(int(req.GetPageSize()), 1), 50)
	rows, err := s.page.QueryContext(ctx, demo.PartnerID, size)
	if err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	defer rows.Close()
	resp := &supportv1.ListTicketsResponse{Tickets: make([]*supportv1.Ticket, 0, size)}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		t, err := encoding.DecodeTicket(data)
		if err != nil {
			return nil, status.Error(codes.Internal, err.Error())
		}
		resp.Tickets = append(resp.Tickets, bareTicketProto(t))
	}
	if err := rows.Err(); err != nil {
		return nil, status.Error(codes.Internal, err.Error())
	}
	return resp, nil
}

// bareTicketProto converts t to its API message field by field, as
// server/api does (which does not export its conversion): the same
// messages, timestamps and enum lookups by name.
func bareTicketProto(t domain.Ticket) *supportv1.Ticket {
	return &supportv1.Ticket{
		Id: t.ID, PartnerId: t.PartnerID, CustomerId: t.CustomerID,
		Service:                supportv1.Service(enumOf(supportv1.Service(0).Descriptor(), "SERVICE_", string(t.Service))),
		SupportTopicId:         t.SupportTopicID,
		Category:               supportv1.TopicCategory(enumOf(supportv1.TopicCategory(0).Descriptor(), "TOPIC_CATEGORY_", string(t.Category))),
		Title:                  t.Title,
		Description:            t.Description,
		Severity:               supportv1.Severity(enumOf(supportv1.Severity(0).Descriptor(), "SEVERITY_", string(t.Severity))),
		Language:               t.Language,
		Contact:                &supportv1.Contact{Name: t.Contact.Name, Email: t.Contact.Email, Phone: t.Contact.Phone},
		PreferredContactMethod: supportv1.ContactMethod(enumOf(supportv1.ContactMethod(0).Descriptor(), "CONTACT_METHOD_", string(t.PreferredContactMethod))),
		Status:                 supportv1.TicketStatus(enumOf(supportv1.TicketStatus(0).Descriptor(), "TICKET_STATUS_", string(t.Status))),
		SupportPlan:            supportv1.SupportPlan(enumOf(supportv1.SupportPlan(0).Descriptor(), "SUPPORT_PLAN_", string(t.SupportPlan))),
		Fee:                    supportv1.Fee(enumOf(supportv1.Fee(0).Descriptor(), "FEE_", string(t.Fee))),
		Queue:                  supportv1.Queue(enumOf(supportv1.Queue(0).Descriptor(), "QUEUE_", string(t.Queue))),
		Priority:               t.Priority,
		EscalationLevel:        int32(t.EscalationLevel),
		SlaState:               supportv1.SlaState(enumOf(supportv1.SlaState(0).Descriptor(), "SLA_STATE_", string(t.SLAState))),
		ResponseDueTime:        timeProto(t.ResponseDueTime),
		FirstResponseTime:      timeProto(t.FirstResponseTime),
		CreateTime:             timeProto(t.CreateTime),
		UpdateTime:             timeProto(t.UpdateTime),
		Etag:                   "v" + strconv.FormatInt(t.Version, 10),
		BusinessHours:          t.BusinessHours,
		SlaWarningTime:         timeProto(t.WarnTime),
		DutyManagerTier:        t.DutyManagerTier,
		ResponseTarget:         durationpb.New(t.ResponseTarget),
		NoteCount:              int32(t.NoteCount),
		AttachmentCount:        int32(t.AttachmentCount),
	}
}

// enumKey names one enum value of one enum type.
type enumKey struct {
	d     protoreflect.EnumDescriptor
	value string
}

// enumNumbers caches enumOf's lookups (as server/api does).
var enumNumbers sync.Map // enumKey -> protoreflect.EnumNumber

// enumOf is the number of the enum value named prefix+value (0 if none).
func enumOf(d protoreflect.EnumDescriptor, prefix, value string) protoreflect.EnumNumber {
	if value == "" {
		return 0
	}
	key := enumKey{d, value}
	if n, ok := enumNumbers.Load(key); ok {
		return n.(protoreflect.EnumNumber)
	}
	var n protoreflect.EnumNumber
	if v := d.Values().ByName(protoreflect.Name(prefix + value)); v != nil {
		n = v.Number()
	}
	enumNumbers.Store(key, n)
	return n
}

// timeProto is t as a timestamp, nil for the zero time.
func timeProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}
