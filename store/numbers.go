package store

import "sync"

// numberCache keeps each service's last handed-out number of one day, so
// issuing a ticket costs no statement for its number: the upsert of
// day_numbers with RETURNING was a tenth of the writer's time at 16 kiosks
// (docs/PERFORMANCE.md). A transaction counts on from the cache and writes
// each service's final number once, just before COMMIT (flushNumbers), so
// a number is never acknowledged unless its row is durable in the same
// commit, and never handed out twice, not even after a crash.
//
// Like waitingCache it is used on SQLite only, where this process is the
// single writer of the file. On PostgreSQL every number is an upsert.
type numberCache struct {
	mu   sync.Mutex
	day  string
	last map[int64]int // service → last number handed out on day (committed)
}

// numberKey names one service's numbers of one day.
type numberKey struct {
	service int64
	day     string
}

// committed returns the committed last number of k, or ok=false when the
// cache does not know it.
func (c *numberCache) committed(k numberKey) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.day != k.day {
		return 0, false
	}
	n, ok := c.last[k.service]
	return n, ok
}

// apply records a committed transaction's last numbers. A newer day
// replaces the cached one: numbers of past days are never handed out again.
func (c *numberCache) apply(last map[numberKey]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, n := range last {
		if k.day > c.day || c.last == nil {
			c.day, c.last = k.day, map[int64]int{}
		}
		if k.day == c.day {
			c.last[k.service] = n
		}
	}
}

// nextNumber counts on from the last number of k in this transaction, the
// cache or the database.
func (t *txn) nextNumber(k numberKey) (int, error) {
	n, ok := t.numbers[k]
	if !ok {
		var err error
		if n, err = t.lastNumber(k); err != nil {
			return 0, err
		}
	}
	if t.numbers == nil {
		t.numbers = map[numberKey]int{}
	}
	t.numbers[k] = n + 1
	t.numberLog = append(t.numberLog, k)
	return n + 1, nil
}

// lastNumber is the last number of k handed out before this transaction.
func (t *txn) lastNumber(k numberKey) (int, error) {
	if n, ok := t.numberCache.committed(k); ok {
		return n, nil
	}
	return issuedCount(t.ctx, t.tx, k.service, k.day)
}

// issuedInTx is the last number of k including this transaction's own.
func (t *txn) issuedInTx(k numberKey) (int, error) {
	if n, ok := t.numbers[k]; ok {
		return n, nil
	}
	return t.lastNumber(k)
}

// forgetNumbersSince undoes the numbers handed out after mark entries of
// the log: a request rolled back to its savepoint leaves no gap.
func (t *txn) forgetNumbersSince(mark int) {
	for _, k := range t.numberLog[mark:] {
		t.numbers[k]--
	}
	t.numberLog = t.numberLog[:mark]
}

// flushNumbers writes each service's last number of this transaction, once
// per service and day, before COMMIT.
func (t *txn) flushNumbers() error {
	for k, n := range t.numbers {
		if err := t.exec(`INSERT INTO day_numbers (service_id, day, last_seq) VALUES (?, ?, ?)
			ON CONFLICT (service_id, day) DO UPDATE SET last_seq = excluded.last_seq`, k.service, k.day, n); err != nil {
			return err
		}
	}
	return nil
}
