package sqlite

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/supportd/supportd/server/domain"
)

// DefaultDirectoryCacheSize bounds the entries of each kind the directory
// cache keeps (partners, customers, subscription lists, contract lists,
// topics) when Options.DirectoryCache is zero.
const DefaultDirectoryCacheSize = 4096

// dirCache keeps the directory records a filing reads (partner, customer,
// the customer's subscriptions, the partner's contracts, the topic), so
// that filing a ticket does not read five rows it read a moment before:
// those reads were a sixth of a durable CreateTicket's CPU. The directory
// changes rarely; tickets are filed all the time.
//
// Consistency works like a sequence lock. gen is even while no write
// transaction that writes a directory table is open, odd while one is:
// such a write transaction increments it before its first directory
// statement and again after its COMMIT or ROLLBACK returned (see
// txView.markDirectoryWrite and Store.commitBatch). An entry is tagged with
// the gen a read transaction read before its snapshot began. A read
// transaction uses an entry only if its own gen (read before its
// snapshot), the entry's tag and gen read after taking the entry are equal
// and even, and its snapshot was already established by an earlier
// statement: no directory commit can then lie between the entry's snapshot
// and its own (the commit's increments would fall between the reads of
// gen), so the entry is what its own snapshot holds. Not-found results are
// not kept. Only read transactions fill and use it.
type dirCache struct {
	gen atomic.Uint64
	max int // entries of each kind

	mu        sync.Mutex
	tag       uint64 // the gen the entries are valid at
	partners  map[string]domain.Partner
	customers map[string]domain.Customer
	subs      map[string][]domain.Subscription // by customer id
	contracts map[string][]domain.Contract     // by partner id
	topics    map[string]domain.Topic
}

func newDirCache(max int) *dirCache {
	if max <= 0 {
		max = DefaultDirectoryCacheSize
	}
	c := &dirCache{max: max}
	c.clearLocked()
	return c
}

func (c *dirCache) clearLocked() {
	c.partners = make(map[string]domain.Partner)
	c.customers = make(map[string]domain.Customer)
	c.subs = make(map[string][]domain.Subscription)
	c.contracts = make(map[string][]domain.Contract)
	c.topics = make(map[string]domain.Topic)
}

// dirEntries selects one kind of entry of a dirCache, and copies an entry
// so that no caller shares its slices with the cache.
type dirEntries[V any] struct {
	table func(*dirCache) map[string]V
	clone func(V) V
}

var (
	dirPartners = dirEntries[domain.Partner]{
		table: func(c *dirCache) map[string]domain.Partner { return c.partners },
		clone: func(p domain.Partner) domain.Partner {
			p.VerifiedDomains, p.Benefits = slices.Clone(p.VerifiedDomains), slices.Clone(p.Benefits)
			return p
		},
	}
	dirCustomers = dirEntries[domain.Customer]{
		table: func(c *dirCache) map[string]domain.Customer { return c.customers },
		clone: func(cu domain.Customer) domain.Customer { cu.Domains = slices.Clone(cu.Domains); return cu },
	}
	dirSubscriptions = dirEntries[[]domain.Subscription]{
		table: func(c *dirCache) map[string][]domain.Subscription { return c.subs },
		clone: slices.Clone[[]domain.Subscription],
	}
	dirContracts = dirEntries[[]domain.Contract]{
		table: func(c *dirCache) map[string][]domain.Contract { return c.contracts },
		clone: slices.Clone[[]domain.Contract],
	}
	dirTopics = dirEntries[domain.Topic]{
		table: func(c *dirCache) map[string]domain.Topic { return c.topics },
		clone: func(t domain.Topic) domain.Topic { return t },
	}
)

// get returns the entry key as a read transaction that read gen txGen
// before its snapshot began may use it (see dirCache).
func (e dirEntries[V]) get(c *dirCache, txGen uint64, key string) (V, bool) {
	var zero V
	if txGen&1 != 0 {
		return zero, false
	}
	c.mu.Lock()
	v, ok := e.table(c)[key]
	ok = ok && c.tag == txGen
	c.mu.Unlock()
	// gen read after the entry: unchanged since txGen, so no directory
	// write began in between.
	if !ok || c.gen.Load() != txGen {
		return zero, false
	}
	return e.clone(v), true
}

// put keeps v, read by a read transaction that read gen txGen before its
// snapshot began. Entries of an older gen are dropped; v is not kept if
// its gen is older than the entries' or odd.
func (e dirEntries[V]) put(c *dirCache, txGen uint64, key string, v V) {
	if txGen&1 != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case txGen < c.tag:
		return
	case txGen > c.tag:
		c.clearLocked()
		c.tag = txGen
	}
	m := e.table(c)
	if _, ok := m[key]; !ok && len(m) >= c.max {
		for k := range m { // map order: a pseudo-random victim
			delete(m, k)
			break
		}
	}
	m[key] = e.clone(v)
}

// cachedDirectory returns what read returns for key, from the cache when
// v is a read transaction that may use the cache's entry (see dirCache),
// and keeps what read returned when v may fill it. Write transactions
// always read.
func cachedDirectory[V any](v *txView, e dirEntries[V], key string, read func() (V, error)) (V, error) {
	if v.dir == nil {
		return read()
	}
	if v.began {
		if val, ok := e.get(v.dir, v.dirGen, key); ok {
			return val, nil
		}
	}
	val, err := read()
	if err == nil {
		e.put(v.dir, v.dirGen, key, val)
	}
	return val, err
}

// directoryTables are the tables whose rows dirCache keeps.
var directoryTables = map[string]bool{
	"partners": true, "customers": true, "subscriptions": true, "contracts": true, "topics": true,
}

// writesDirectory reports whether a statement of a write transaction may
// change a table of directoryTables: an INSERT INTO, UPDATE or DELETE FROM
// one of them, or any statement it cannot tell (fail safe). SELECTs write
// nothing; savepoints are issued by the writer itself.
func writesDirectory(query string) bool {
	q := strings.TrimSpace(query)
	var rest string
	var ok bool
	for _, verb := range []string{"INSERT INTO ", "UPDATE ", "DELETE FROM "} {
		if rest, ok = strings.CutPrefix(q, verb); ok {
			break
		}
	}
	if !ok {
		return !strings.HasPrefix(q, "SELECT ")
	}
	// The table name ends at any space (a newline or tab as well as a
	// blank) or at "(": a name cut anywhere else would not be found in
	// directoryTables and the write would leave the cache in use.
	table := rest
	if end := strings.IndexFunc(rest, func(r rune) bool { return unicode.IsSpace(r) || r == '(' }); end >= 0 {
		table = rest[:end]
	}
	if !plainName(table) {
		return true // quoted or schema-qualified: not understood, fail safe
	}
	return directoryTables[table]
}

// plainName reports whether name is a table name writesDirectory
// understands: not empty, lower-case letters, digits and underscores only
// (no quotes, no schema). It runs on every write statement: no regexp.
func plainName(name string) bool {
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return name != ""
}

// markDirectoryWrite makes gen odd before the first statement of a write
// transaction that may write the directory (see dirCache); the writer makes
// it even again once that transaction has ended.
func (v *txView) markDirectoryWrite(query string) {
	if v.dirWriter == nil || v.dirWriting || !writesDirectory(query) {
		return
	}
	v.dirWriting = true
	v.dirWriter.gen.Add(1)
}

// endDirectoryWrite makes gen even again after the transaction of v, which
// marked a directory write, committed or rolled back.
func (v *txView) endDirectoryWrite() {
	if v.dirWriting {
		v.dirWriting = false
		v.dirWriter.gen.Add(1)
	}
}
