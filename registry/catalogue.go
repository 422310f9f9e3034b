package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/web"
)

// The city's procedure catalogue (issue 14). It is published at the
// registry, from the API (PUT /api/v1/city/procedures) or the command line
// (`motcua registry procedures publish FILE`), in the catalogue format the
// hall's /admin import reads (hall.ParseProcedures: CSV or YAML). Each
// publication is a row of city_catalogues in the registry's database; the
// running registry puts the newest into the configuration bucket, from
// which every hall reads it (a hall offline when it returns).

// maxCatalogueBody bounds a catalogue file sent to the API (as the hall's
// import does).
const maxCatalogueBody = 8 << 20

// ParseCatalogue reads a catalogue file in format (csv or yaml; JSON is
// YAML) with the hall's own parser; a wrong format or procedure is named.
func ParseCatalogue(data []byte, format string) ([]motcua.Procedure, error) {
	if format != hall.FormatCSV && format != hall.FormatYAML {
		return nil, &motcua.Error{Code: motcua.EInvalid,
			Message: "Định dạng danh mục: csv hoặc yaml. / The catalogue format: csv or yaml.",
			Fields:  map[string]string{"format": "csv hoặc yaml / csv or yaml"}}
	}
	return hall.ParseProcedures(data, format)
}

// checkSize refuses a catalogue too large to travel to the halls.
func checkSize(procs []motcua.Procedure) error {
	enc, err := city.EncodeCatalogue(motcua.CityCatalogue{Procedures: procs})
	if err != nil {
		return err
	}
	if len(enc) > city.MaxCatalogueBytes {
		return &motcua.Error{Code: motcua.ETooLarge,
			Message: fmt.Sprintf("Danh mục quá lớn (%d byte sau khi nén, tối đa %d). / The catalogue is too large (%d bytes compressed, at most %d).",
				len(enc), city.MaxCatalogueBytes, len(enc), city.MaxCatalogueBytes),
			Fields: map[string]string{"procedures": "quá lớn / too large"}}
	}
	return nil
}

// PublishCatalogue records a catalogue in the registry's database, in a
// transaction of its own (the command line); a running registry sends it
// to the halls within its sync interval. It returns the catalogue's version.
func PublishCatalogue(ctx context.Context, st *store.Store, now time.Time, procs []motcua.Procedure, source string) (int64, error) {
	if err := checkSize(procs); err != nil {
		return 0, err
	}
	raw, err := json.Marshal(procs)
	if err != nil {
		return 0, err
	}
	var id int64
	err = inTx(ctx, st, func(tx *store.Tx) error {
		id, err = tx.City().AddCatalogue(now, source, raw)
		return err
	})
	return id, err
}

// PublishProcedures publishes the city's catalogue to every hall now: it
// records it through the registry's writer and puts it into the bucket.
func (r *Registry) PublishProcedures(ctx context.Context, procs []motcua.Procedure, source string) (motcua.CityCatalogue, error) {
	if err := checkSize(procs); err != nil {
		return motcua.CityCatalogue{}, err
	}
	raw, err := json.Marshal(procs)
	if err != nil {
		return motcua.CityCatalogue{}, err
	}
	now := r.clock.Now()
	if err := r.w.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.City().AddCatalogue(now, source, raw)
		return err
	}); err != nil {
		return motcua.CityCatalogue{}, err
	}
	if err := r.pushCatalogue(ctx); err != nil {
		return motcua.CityCatalogue{}, err
	}
	return r.Procedures(ctx)
}

// pushCatalogue puts the newest catalogue of the database into the bucket
// when the bucket holds an older one (or none).
func (r *Registry) pushCatalogue(ctx context.Context) error {
	r.catMu.Lock()
	defer r.catMu.Unlock()
	row, ok, err := r.st.City().LatestCatalogue(ctx)
	if err != nil || !ok {
		return err
	}
	if r.pushed == 0 {
		// What the bucket holds (a restarted registry keeps its bucket).
		if e, err := r.kv.Get(ctx, city.ProceduresKey); err == nil {
			if cat, err := city.DecodeCatalogue(e.Value()); err == nil {
				r.pushed = cat.Version
			}
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return err
		}
	}
	if row.ID == r.pushed {
		return nil
	}
	cat, err := catalogueOf(row)
	if err != nil {
		return err
	}
	enc, err := city.EncodeCatalogue(cat)
	if err != nil {
		return err
	}
	if _, err := r.kv.Put(ctx, city.ProceduresKey, enc); err != nil {
		return fmt.Errorf("publish the city catalogue: %w", err)
	}
	r.pushed = row.ID
	r.log.Info("city procedure catalogue published to the halls", "version", row.ID, "procedures", len(cat.Procedures))
	return nil
}

func catalogueOf(row store.CityCatalogueRow) (motcua.CityCatalogue, error) {
	cat := motcua.CityCatalogue{Version: row.ID, PublishedAt: row.PublishedAt, Source: row.Source}
	if err := json.Unmarshal([]byte(row.Procedures), &cat.Procedures); err != nil {
		return cat, fmt.Errorf("city catalogue %d: %w", row.ID, err)
	}
	return cat, nil
}

// Procedures is the city's catalogue as last published (empty when never),
// with the bucket's revision once it is there.
func (r *Registry) Procedures(ctx context.Context) (motcua.CityCatalogue, error) {
	row, ok, err := r.st.City().LatestCatalogue(ctx)
	if err != nil || !ok {
		return motcua.CityCatalogue{Procedures: []motcua.Procedure{}}, err
	}
	cat, err := catalogueOf(row)
	if err != nil {
		return cat, err
	}
	cat.PublishedAt = cat.PublishedAt.In(r.loc)
	if e, err := r.kv.Get(ctx, city.ProceduresKey); err == nil {
		if sent, err := city.DecodeCatalogue(e.Value()); err == nil && sent.Version == cat.Version {
			cat.Revision = e.Revision()
		}
	}
	return cat, nil
}

// catalogueAnswer is the catalogue as the API writes it: the procedures as
// the hall description writes them.
type catalogueAnswer struct {
	Version     int64           `json:"version"`
	Revision    uint64          `json:"revision"`
	PublishedAt *time.Time      `json:"published_at"`
	Source      string          `json:"source"`
	Procedures  json.RawMessage `json:"procedures"`
}

func writeCatalogue(w http.ResponseWriter, req *http.Request, cat motcua.CityCatalogue) {
	procs, err := hall.ProceduresJSON(cat.Procedures)
	if err != nil {
		web.Error(w, req, err)
		return
	}
	ans := catalogueAnswer{Version: cat.Version, Revision: cat.Revision, Source: cat.Source, Procedures: procs}
	if cat.Version > 0 {
		ans.PublishedAt = &cat.PublishedAt
	}
	w.Header().Set("Cache-Control", "no-store")
	web.JSON(w, http.StatusOK, ans)
}

// getProcedures handles GET /api/v1/city/procedures.
func (r *Registry) getProcedures(w http.ResponseWriter, req *http.Request) {
	cat, err := r.Procedures(req.Context())
	if err != nil {
		web.Error(w, req, err)
		return
	}
	writeCatalogue(w, req, cat)
}

// putProcedures handles PUT /api/v1/city/procedures?format=csv|yaml: the
// body is a catalogue file (as the hall's import takes; JSON is YAML, so
// {"procedures":[…]} with Content-Type application/json works too). It
// replaces the city's catalogue and sends it to every hall; 422 names the
// row and field of a wrong procedure, 400 a missing format.
func (r *Registry) putProcedures(w http.ResponseWriter, req *http.Request) {
	format := req.URL.Query().Get("format")
	if format == "" {
		ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type"))
		switch ct {
		case "text/csv":
			format = hall.FormatCSV
		case "application/json", "application/yaml", "application/x-yaml", "text/yaml":
			format = hall.FormatYAML
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxCatalogueBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		web.Error(w, req, &motcua.Error{Code: motcua.ETooLarge,
			Message: fmt.Sprintf("Nội dung quá lớn (tối đa %d byte). / The body is too large (at most %d bytes).", tooLarge.Limit, tooLarge.Limit),
			Fields:  map[string]string{"procedures": "quá lớn / too large"}})
		return
	}
	if err != nil {
		web.Error(w, req, motcua.Errorf(motcua.EInvalid, "Không đọc được nội dung gửi lên. / The body cannot be read."))
		return
	}
	procs, err := ParseCatalogue(body, format)
	if err != nil {
		web.Error(w, req, err)
		return
	}
	source := "api"
	if u, ok := web.UserFrom(req.Context()); ok {
		source = "api:" + u.Username
	}
	cat, err := r.PublishProcedures(req.Context(), procs, source)
	if err != nil {
		web.Error(w, req, err)
		return
	}
	writeCatalogue(w, req, cat)
}
