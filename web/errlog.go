package web

import (
	"context"
	"log/slog"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// errorLogEvery is how often one kind of failure is logged: a 12 s outage
// used to write a line for every refused request (40 MB of log).
const errorLogEvery = 10 * time.Second

// errorLog writes the failures web.Error answers, one line per kind of
// failure (its code and cause) every errorLogEvery, with how many like it
// were left out since the last line.
type errorLog struct {
	log *slog.Logger
	now func() time.Time

	mu   sync.Mutex
	seen *lru.Cache[string, *errorLogEntry] // bounded: odd errors cannot grow it
}

type errorLogEntry struct {
	last    time.Time
	skipped int
}

func newErrorLog(log *slog.Logger, now func() time.Time) *errorLog {
	seen, err := lru.New[string, *errorLogEntry](256)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &errorLog{log: log, now: now, seen: seen}
}

// failed logs err unless one like it was logged within errorLogEvery.
func (l *errorLog) failed(ctx context.Context, kind string, attrs ...any) {
	now := l.now()
	l.mu.Lock()
	e, ok := l.seen.Get(kind)
	if ok && now.Sub(e.last) < errorLogEvery {
		e.skipped++
		l.mu.Unlock()
		return
	}
	skipped := 0
	if ok {
		skipped = e.skipped
	}
	l.seen.Add(kind, &errorLogEntry{last: now})
	l.mu.Unlock()
	if skipped > 0 {
		attrs = append(attrs, "similar_since_last", skipped)
	}
	l.log.ErrorContext(ctx, "request failed", attrs...)
}
