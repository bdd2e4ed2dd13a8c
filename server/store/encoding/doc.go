// Package encoding defines the stored forms of supportd's records that a
// store keeps as documents rather than columns: the ticket, the ticket
// snapshot an event carries, and the fingerprint of a filing kept with an
// idempotency record. Every backend (SQLite, PostgreSQL) writes and reads
// these forms through this package, so a Go field rename in server/domain
// can never change stored data silently: the stored form is spelled out
// here, field by field, and golden files in testdata fail when it changes.
//
// The package speaks no SQL and no gRPC.
//
// # Ticket format (also an event's ticket snapshot)
//
// A JSON object whose keys are listed on ticketV1 ("v", "ID", "PartnerID",
// ...). Version 1 is the form that earlier releases wrote reflectively
// from domain.Ticket, so rows written before the format had a version
// (no "v" key) are valid version 1 documents; new documents carry "v":1.
// Times are RFC 3339 text with nanoseconds and the writer's zone offset
// (encoding/json's form of time.Time), ResponseTarget is nanoseconds.
// Unknown keys are ignored; a document of a version this binary does not
// know is refused with a *VersionError (an older binary running against
// data a newer one wrote, for example after a rollback).
//
// # Request hash
//
// RequestHash fingerprints exactly the filing fields listed on requestV1.
// Version 1 is SHA-256 of the JSON object of those fields in that order,
// byte for byte what earlier releases hashed, so idempotency records kept
// from before stay valid. Later versions must prefix the hashed bytes with
// a marker ("supportd.request.v2\n", ...) so two versions can never hash
// alike by accident.
//
// # Changing a format (adding version 2)
//
//  1. Add the new struct (ticketV2) and its conversion functions next to
//     the old ones; keep ticketV1 and its golden files untouched.
//  2. Make the decoder read both: dispatch on "v" (absent or 1: version 1,
//     2: version 2) and raise TicketVersion to 2 so the encoder writes
//     version 2. Add golden files for version 2; the version 1 golden
//     files keep proving that old rows still decode.
//  3. Deploy. Rows are rewritten in version 2 whenever the ticket changes;
//     a background rewrite (read, decode, encode, compare-and-set on the
//     row's version) may convert the rest, after which version 1 decoding
//     can be dropped in a later release. Rolling back to a binary that
//     only reads version 1 fails loudly (VersionError) instead of
//     misreading, so deploy the "reads v2" release before the "writes v2"
//     one when rollbacks must stay possible.
//  4. For the request hash: compute the new version in RequestHash and
//     let MatchesRequest accept both versions for the retention of
//     idempotency records (24 hours, the idempotency prune); after that
//     window every kept record has the new form and the old may go.
package encoding
