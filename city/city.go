// Package city joins a hall to the city registry (issue 14). The hall runs
// its own embedded NATS server with JetStream in a domain of its own,
// connected to the registry as a leaf node: its committed events go from the
// event log (written in the same transaction as the change: the outbox) to
// the hall's own stream, which the registry sources across domains. While
// the link is down the hall's stream keeps what it makes; when the link
// returns, the registry's source catches up. A message carries the events
// of one read of the log (wire.go), its Nats-Msg-Id names the branch and
// their seqs, and the registry applies each event's identity (branch, seq)
// once.
package city

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"regexp"

	"github.com/motcua/motcua"
)

// Names shared by the halls and the registry.
const (
	// RegistryDomain is the registry's JetStream domain.
	RegistryDomain = "city"
	// RegistryStream is the registry's stream that sources every hall's.
	RegistryStream = "CITY"
	// LookupSubject is where a hall asks the registry for a dossier by code.
	LookupSubject = "city.lookup.dossier"
	// ConfigBucket is the registry's key-value bucket of what the city
	// publishes to its halls; CalendarKey holds the city's calendar,
	// ProceduresKey its procedure catalogue (JSON, gzipped: a city's
	// catalogue of a thousand procedures is over NATS's 1 MiB message).
	ConfigBucket  = "motcua_city"
	CalendarKey   = "calendar"
	ProceduresKey = "procedures"
	// MsgSeqHeader carries the seq in the hall's log of a message's (last)
	// event: where the hall's sender resumes after a restart.
	MsgSeqHeader = "Motcua-Seq"
)

var branchCodeRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// ValidBranchCode says whether code can name a branch in the city: it
// becomes part of NATS subjects, stream names and a JetStream domain.
func ValidBranchCode(code string) bool { return branchCodeRe.MatchString(code) }

// HallDomain is the JetStream domain of a branch's hall.
func HallDomain(branch string) string { return "hall-" + branch }

// HallStream is the name of a branch's stream in its own domain.
func HallStream(branch string) string { return "HALL_" + branch }

// HallSubjects are the subjects a branch's events travel on.
func HallSubjects(branch string) string { return "city." + branch + ".>" }

// EventSubject is the subject of a message of one event of a branch, as
// halls before batches (wire.go) sent them; the registry still reads them.
func EventSubject(branch, typ string) string { return "city." + branch + ".ev." + typ }

// MaxCatalogueBytes bounds the city's catalogue as it travels (gzipped), under
// NATS's default message size of 1 MiB with room for the headers.
const MaxCatalogueBytes = 1000 << 10

// EncodeCatalogue is the catalogue as the configuration bucket holds it:
// JSON, gzipped.
func EncodeCatalogue(cat motcua.CityCatalogue) ([]byte, error) {
	raw, err := json.Marshal(cat)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(raw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxCatalogueJSON bounds the catalogue once unzipped.
const maxCatalogueJSON = 64 << 20

// DecodeCatalogue reads what EncodeCatalogue wrote.
func DecodeCatalogue(data []byte) (motcua.CityCatalogue, error) {
	var cat motcua.CityCatalogue
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return cat, fmt.Errorf("city catalogue: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxCatalogueJSON))
	if err != nil {
		return cat, fmt.Errorf("city catalogue: %w", err)
	}
	if err := json.Unmarshal(raw, &cat); err != nil {
		return cat, fmt.Errorf("city catalogue: %w", err)
	}
	return cat, nil
}
