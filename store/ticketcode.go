package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/motcua/motcua"
)

// shortCodeKeySetting holds the hall's secret for its tickets' short codes
// (motcua.ShortCodes), made once, when the database is first opened.
const shortCodeKeySetting = "short_code_key"

// storedCodePrefix marks a short_code column that holds the ticket's id
// instead of its code: the code is computed from the id with the hall's key
// on every read. Stored as "#" and 12 digits, the column still satisfies
// UNIQUE (day, short_code), and new tickets land at the end of that index
// instead of on a random leaf: one WAL page per commit instead of about one
// per ticket (docs/PERFORMANCE.md). Tickets from before this keep their
// drawn codes.
const storedCodePrefix = "#"

func storedCode(id int64) string { return fmt.Sprintf("%s%012d", storedCodePrefix, id) }

// loadShortCodes makes the hall's short code key if there is none yet and
// returns the codes it gives.
func (s *Store) loadShortCodes(ctx context.Context) (*motcua.ShortCodes, error) {
	fresh := make([]byte, 16)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(hex.EncodeToString(fresh))
	if err != nil {
		return nil, err
	}
	// Two hubs opening one PostgreSQL database at once agree on the first key.
	if _, err := s.write.ExecContext(ctx, s.write.Rebind(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
		shortCodeKeySetting, string(raw)); err != nil {
		return nil, Normalize(err)
	}
	var value string
	if err := s.write.GetContext(ctx, &value, s.write.Rebind(`SELECT value FROM settings WHERE key = ?`), shortCodeKeySetting); err != nil {
		return nil, Normalize(err)
	}
	var keyHex string
	if err := json.Unmarshal([]byte(value), &keyHex); err != nil {
		return nil, fmt.Errorf("setting %s: %w", shortCodeKeySetting, err)
	}
	key, err := hex.DecodeString(keyHex)
	if err != nil {
		return nil, fmt.Errorf("setting %s: %w", shortCodeKeySetting, err)
	}
	return motcua.NewShortCodes(key)
}

// withCode puts the printed short code into a ticket read from the database.
func withCode(codes *motcua.ShortCodes, tk *motcua.Ticket) {
	if strings.HasPrefix(tk.ShortCode, storedCodePrefix) {
		tk.ShortCode, _ = codes.Code(tk.ID)
	}
}

// withCodes is withCode for a list.
func withCodes(codes *motcua.ShortCodes, tks []motcua.Ticket) {
	for i := range tks {
		withCode(codes, &tks[i])
	}
}

// InsertNewTicket writes a new ticket with the next ticket id and the short
// code the hall's key gives that id. An id beyond the codes' space (after
// 887 million tickets) falls back to a drawn code.
func (t TicketTx) InsertNewTicket(tk *motcua.Ticket, draw func() string) error {
	id, err := t.nextTicketID()
	if err != nil {
		return err
	}
	code, ok := t.codes.Code(id)
	if !ok {
		return t.InsertTicketDrawingCode(tk, draw)
	}
	if err := t.insertTicket(tk, id, storedCode(id)); err != nil {
		return Normalize(err)
	}
	tk.ShortCode = code
	t.noteInserted(tk)
	return nil
}

// nextTicketID is the id the next ticket takes. On SQLite the writer is the
// file's only writer: the largest id is read once per transaction (one seek
// down the table's b-tree) and counted on; PostgreSQL takes it from the
// table's sequence, which several hubs may share.
func (t *txn) nextTicketID() (int64, error) {
	if t.dialect == Postgres {
		var id int64
		err := t.get(&id, `SELECT nextval(pg_get_serial_sequence('tickets', 'id'))`)
		return id, err
	}
	if t.lastTicketID == 0 {
		if err := t.get(&t.lastTicketID, `SELECT COALESCE(MAX(id), 0) FROM tickets`); err != nil {
			return 0, err
		}
	}
	t.lastTicketID++
	return t.lastTicketID, nil
}
