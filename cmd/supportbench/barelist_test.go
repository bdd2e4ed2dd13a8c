package main

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	supportv1 "github.com/supportd/supportd/gen/support/v1"
)

// The cached reference must answer exactly what the uncached one answers
// (the same 50 tickets, newest first), or its limit measures other work.
func TestBareListCachedAnswersTheSamePage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tickets.db")
	if _, err := generate(ctx, path, 60); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?_query_only=1")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, err := db.Prepare(firstPageQuery)
	if err != nil {
		t.Fatal(err)
	}
	cached, err := newCachedPages(db)
	if err != nil {
		t.Fatal(err)
	}
	req := &supportv1.ListTicketsRequest{PageSize: 50}
	want, err := (&bareListServer{page: page}).ListTickets(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.GetTickets()) != 50 {
		t.Fatalf("bare-list page holds %d tickets, want 50", len(want.GetTickets()))
	}
	for round := range 2 { // a miss, then the kept encodings
		resp, err := cached.ListTickets(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		wire, err := proto.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		var got supportv1.ListTicketsResponse
		if err := proto.Unmarshal(wire, &got); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(&got, want) {
			t.Fatalf("round %d: bare-list-cached answered another page than bare-list", round)
		}
	}
}
