package reports

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/store"
)

// Ratings: a citizen rates a visit once it is done, from the phone (by the
// ticket's token) or from the tablet facing the citizen at the counter (only
// the visit that just ended there). A rating belongs to the visit: its
// service, counter and officer are copied from the ticket, and the dossiers
// received at the visit are found through the ticket. A low rating is
// announced to the supervisor at once.

// Limits of a rating's text.
const (
	maxReasons      = 8
	maxReasonLen    = 100
	maxCommentLen   = 1000
	TabletWindow    = 15 * time.Minute // how long after its end the tablet offers a visit
	SourcePhone     = "phone"
	SourceTablet    = "tablet"
	ratingsNotFound = "Không tìm thấy số này. / Unknown ticket."
)

// RatingStore is what ratings read and write.
type RatingStore interface {
	Store
	Rating(ctx context.Context, ticketID int64) (store.RatingRecord, bool, error)
	ReportRatings(ctx context.Context, fromDay, toDay string) ([]store.RatingRecord, error)
	LastVisit(ctx context.Context, counterID int64, day string) (int64, string, time.Time, bool, bool, error)
	RatingProcedures(ctx context.Context, fromDay, toDay string) (map[int64][]store.RatedProcedure, error)
}

// Writer runs a change in the single writer's transaction.
type Writer interface {
	Write(ctx context.Context, fn func(tx *store.Tx) error) error
}

// RatingInput is the body of a rating.
type RatingInput struct {
	Score    int      `json:"score"`
	Reasons  []string `json:"reasons"`
	Comment  string   `json:"comment"`
	TicketID int64    `json:"ticket_id"` // the tablet names the visit it shows
}

func (in *RatingInput) check() error {
	fields := map[string]string{}
	if in.Score < 1 || in.Score > 5 {
		fields["score"] = "Điểm từ 1 đến 5. / A score from 1 to 5."
	}
	if len(in.Reasons) > maxReasons {
		fields["reasons"] = fmt.Sprintf("Tối đa %d lý do. / At most %d reasons.", maxReasons, maxReasons)
	}
	for i, r := range in.Reasons {
		in.Reasons[i] = strings.TrimSpace(r)
		if utf8.RuneCountInString(in.Reasons[i]) > maxReasonLen || !utf8.ValidString(r) {
			fields["reasons"] = fmt.Sprintf("Mỗi lý do tối đa %d ký tự. / Each reason at most %d characters.", maxReasonLen, maxReasonLen)
		}
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > maxCommentLen || !utf8.ValidString(in.Comment) {
		fields["comment"] = fmt.Sprintf("Tối đa %d ký tự. / At most %d characters.", maxCommentLen, maxCommentLen)
	}
	if len(fields) > 0 {
		return &motcua.Error{Code: motcua.EValidation, Message: "Đánh giá chưa hợp lệ. / The rating is not valid.", Fields: fields}
	}
	if in.Reasons == nil {
		in.Reasons = []string{}
	}
	return nil
}

// Rate records the rating of the visit of the ticket with this token.
func (rp *Reports) Rate(ctx context.Context, w Writer, tk motcua.Ticket, in RatingInput, source string) (motcua.Rating, error) {
	if err := in.check(); err != nil {
		return motcua.Rating{}, err
	}
	var names map[int64]string
	var err error
	if in.Score <= motcua.LowScore {
		if names, err = rp.Store.StaffNames(ctx); err != nil {
			return motcua.Rating{}, err
		}
	}
	var out motcua.Rating
	err = w.Write(ctx, func(tx *store.Tx) error {
		cur, err := tx.Tickets.Ticket(tk.ID) // the ticket as it is now, in the writer
		if err != nil {
			return err
		}
		if cur.Status != motcua.TicketDone {
			return motcua.Errorf(motcua.EConflict,
				"Chỉ đánh giá được sau khi đã được phục vụ xong. / A visit can be rated once it is done.")
		}
		rated, err := tx.Rated(cur.ID)
		if err != nil {
			return err
		}
		if rated {
			return motcua.Errorf(motcua.EConflict, "Lượt này đã được đánh giá. / This visit has already been rated.")
		}
		now := rp.Site.Now()
		rec := store.RatingRecord{TicketID: cur.ID, Day: cur.Day, RatedAt: now, Score: in.Score, Reasons: in.Reasons,
			Comment: in.Comment, ServiceID: cur.ServiceID, CounterID: cur.CounterID, StaffID: cur.ServedBy, Source: source}
		if err := tx.InsertRating(rec); err != nil {
			return err
		}
		out = motcua.Rating{Score: in.Score, Reasons: in.Reasons, Comment: in.Comment, RatedAt: now}
		if in.Score > motcua.LowScore {
			return nil
		}
		body := &motcua.RatingBody{Score: in.Score, Reasons: in.Reasons, Comment: in.Comment,
			Ticket:  motcua.TicketRef{ID: cur.ID, Number: cur.Number, ServiceID: cur.ServiceID},
			Counter: rp.Site.CounterRef(cur.CounterID), StaffID: cur.ServedBy, At: now}
		if cur.ServedBy != nil {
			body.StaffName = names[*cur.ServedBy]
		}
		// No ticket or counter id on the event: it is for the supervisor's
		// socket only, never the phone's or the counter's.
		_, err = tx.AppendEvent(now, nil, nil, body)
		return err
	})
	return out, err
}

// TabletVisit is the visit a counter's tablet offers for rating.
type TabletVisit struct {
	TicketID   int64     `json:"ticket_id"`
	Number     string    `json:"number"`
	FinishedAt time.Time `json:"finished_at"`
}

// LastVisit is the visit that just ended at a counter and is not yet rated
// (ended within TabletWindow); nil when there is none.
func (rp *Reports) LastVisit(ctx context.Context, rs RatingStore, counterID int64) (*TabletVisit, error) {
	if _, ok := rp.Site.Counter(counterID); !ok {
		return nil, motcua.Errorf(motcua.ENotFound, "Không có quầy này. / Unknown counter.")
	}
	now := rp.Site.Now()
	id, number, finished, rated, ok, err := rs.LastVisit(ctx, counterID, rp.Site.Day(now))
	if err != nil || !ok || rated || now.Sub(finished) > TabletWindow {
		return nil, err
	}
	return &TabletVisit{TicketID: id, Number: number, FinishedAt: finished.In(rp.Site.Location())}, nil
}

// Satisfaction answers the satisfaction report of rg grouped by day, month,
// service, counter, staff or procedure. By procedure, a rating counts once
// for each procedure of the dossiers its visit created: a rating belongs to
// the visit, its officer and counter, and those dossiers.
func (rp *Reports) Satisfaction(ctx context.Context, rs RatingStore, rg Range, by string, f Filter) ([]motcua.SatisfactionRow, error) {
	if !validGroup(by, motcua.GroupDay, GroupMonth, motcua.GroupService, motcua.GroupCounter, motcua.GroupStaff, GroupProcedure) {
		return nil, badGroup(by, "day, month, service, counter, staff, procedure")
	}
	recs, err := rs.ReportRatings(ctx, rg.From, rg.To)
	if err != nil {
		return nil, err
	}
	var procs map[int64][]store.RatedProcedure
	if by == GroupProcedure {
		if procs, err = rs.RatingProcedures(ctx, rg.From, rg.To); err != nil {
			return nil, err
		}
	}
	var names map[int64]string
	if by == motcua.GroupStaff {
		if names, err = rp.Store.StaffNames(ctx); err != nil {
			return nil, err
		}
	}
	type sacc struct {
		key       groupKey
		n, sum    int
		by        [5]int
		satisfied int
	}
	groups := map[string]*sacc{}
	loc := rp.Site.Location()
	for _, r := range recs {
		if f.StaffID != nil && (r.StaffID == nil || *r.StaffID != *f.StaffID) {
			continue
		}
		var keys []groupKey
		switch by {
		case GroupMonth:
			m, _ := time.Parse("2006-01", r.Day[:7])
			keys = append(keys, groupKey{key: r.Day[:7], label: r.Day[5:7] + "/" + r.Day[:4], num: m.Unix()})
		case GroupProcedure:
			for _, p := range procs[r.TicketID] {
				keys = append(keys, groupKey{key: strconv.FormatInt(p.ID, 10), label: p.Code + " – " + p.Name, num: p.ID})
			}
		default:
			l := leg{day: r.Day, serviceID: r.ServiceID, counterID: r.CounterID, staffID: r.StaffID, waitFrom: r.RatedAt}
			if key, ok := rp.keyOf(l, by, loc, names); ok {
				keys = append(keys, key)
			}
		}
		for _, key := range keys {
			a := groups[key.key]
			if a == nil {
				a = &sacc{key: key}
				groups[key.key] = a
			}
			a.n++
			a.sum += r.Score
			a.by[r.Score-1]++
			if r.Score >= 4 {
				a.satisfied++
			}
		}
	}
	keys := make([]groupKey, 0, len(groups))
	for _, a := range groups {
		keys = append(keys, a.key)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].less(keys[j]) })
	rows := make([]motcua.SatisfactionRow, 0, len(keys))
	for _, k := range keys {
		a := groups[k.key]
		avg := math.Round(float64(a.sum)/float64(a.n)*100) / 100
		rate := round4(float64(a.satisfied) / float64(a.n))
		row := motcua.SatisfactionRow{Key: k.key, Label: k.label, Ratings: a.n, AvgScore: &avg, SatisfiedRate: &rate,
			ByScore: map[string]int{}}
		for s := 1; s <= 5; s++ {
			row.ByScore[strconv.Itoa(s)] = a.by[s-1]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// GroupMonth groups the satisfaction report by calendar month (QĐ 766
// counts per month).
const GroupMonth = "month"

// GroupProcedure groups the satisfaction report by the procedures of the
// dossiers the rated visits created.
const GroupProcedure = "procedure"

// SatisfactionTable is the satisfaction report as a spreadsheet.
func SatisfactionTable(rows []motcua.SatisfactionRow, rg Range, by string) table {
	t := table{name: "hai-long-" + by + "-" + rg.From + "-" + rg.To,
		header: []string{"key", "label", "ratings", "avg_score", "score_1", "score_2", "score_3", "score_4", "score_5", "satisfied_rate"}}
	for _, r := range rows {
		t.rows = append(t.rows, []any{r.Key, r.Label, r.Ratings, floatOrNil(r.AvgScore), r.ByScore["1"], r.ByScore["2"],
			r.ByScore["3"], r.ByScore["4"], r.ByScore["5"], floatOrNil(r.SatisfiedRate)})
	}
	return t
}
