//go:build cgo

package sqlite

/*
// The SQLite library is compiled into the driver (mattn/go-sqlite3); this
// only calls its sqlite3_config, which is variadic and so needs a C
// wrapper.
extern int sqlite3_config(int, ...);

// 26 is SQLITE_CONFIG_STMTJRNL_SPILL.
static int supportd_stmt_journal_spill(int bytes) {
	return sqlite3_config(26, bytes);
}
*/
import "C"

// stmtJournalSpill is how large a statement journal may grow in memory
// before SQLite moves it to a temporary file (SQLite's default: 64 KiB).
//
// Each write transaction of a group commit runs in a savepoint, and SQLite
// keeps the original of every page a savepoint changes in that journal
// (4 KiB and a page number per page; a filed ticket changes about 20: the
// row pages and the last leaf of each index). Past 64 KiB the journal went
// to a temporary file, two write system calls per page: three quarters of
// the writer's writes and most of its kernel time. 120 KiB keeps a filing
// in memory; a larger write transaction (a sweep, a retention delete) still
// spills, so memory stays bounded. It must stay below 128 KiB: SQLite
// moves the memory journal to the file in one write, and its unix VFS
// writes at most 128 KiB - 1 bytes per call (a larger journal failed with
// SQLITE_FULL).
const stmtJournalSpill = 120 << 10

// configureStmtJournal sets stmtJournalSpill for the process. It must run
// before SQLite is initialised (the first connection opened), hence from
// an init function; it reports whether SQLite accepted it (it refuses
// once initialised: the default then stays, which costs speed only).
func configureStmtJournal() bool {
	return C.supportd_stmt_journal_spill(C.int(stmtJournalSpill)) == 0
}

// stmtJournalConfigured is the outcome of configureStmtJournal at start.
var stmtJournalConfigured = configureStmtJournal()
