package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/internal/logtest"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// start runs a hub on db with the -config file; it returns the server, or
// the error that stopped it, and the log.
func start(t *testing.T, db, config string) (*server.Server, string, error) {
	t.Helper()
	var log logtest.Buffer
	srv, err := server.New(context.Background(), server.Config{DB: db, Config: config, AdminPassword: servertest.AdminPassword,
		BcryptCost: 4, Clock: motcua.NewManualClock(servertest.Start), Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err == nil {
		t.Cleanup(func() { srv.Close() })
	}
	return srv, log.String(), err
}

// edit replaces each old text of the sample hall once.
func editSample(t *testing.T, text string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(text, pairs[i]); n != 1 {
			t.Fatalf("edit: %q occurs %d times, want 1", pairs[i], n)
		}
		text = strings.Replace(text, pairs[i], pairs[i+1], 1)
	}
	return text
}

var changeLine = regexp.MustCompile(`msg="hall change applied from the config file" kind=(\S+) key=(\S+) action=(\S+)`)

// TestConfigFileOnAnExistingHall restarts a hub with an edited -config file:
// exactly the listed changes are applied, logged and audited; an unchanged
// file changes nothing; a broken file, or one that would strand people,
// stops the start naming the field and the line, and changes nothing.
func TestConfigFileOnAnExistingHall(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d.Name, func(t *testing.T) {
			db := d.DSN(t)
			file := filepath.Join(t.TempDir(), "sanh.yaml")
			sample := string(hall.SampleYAML())
			write := func(text string) {
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			write(sample)
			srv, _, err := start(t, db, file)
			if err != nil {
				t.Fatalf("first start: %v", err)
			}
			srv.Close()

			// The edit: a renamed service, a new holiday, a procedure gone, a
			// priority group renamed.
			edited := editSample(t, sample,
				`name: "Chứng thực"`, `name: "Chứng thực bản sao, chữ ký"`,
				`  - { date: "2027-01-01", name: "Tết Dương lịch", assumed: true }`, `  - { date: "2027-01-01", name: "Tết Dương lịch", assumed: true }
  - { date: "2026-12-31", name: "Nghỉ cuối năm" }`,
				`  - code: "1.000656"`, `  - code: "1.000656.1"`,
				`name: "Người đi cùng trẻ em dưới 6 tuổi"`, `name: "Người đi cùng trẻ em dưới 36 tháng tuổi"`)
			write(edited)
			srv, log, err := start(t, db, file)
			if err != nil {
				t.Fatalf("start with the edited file: %v", err)
			}
			var got []string
			for _, m := range changeLine.FindAllStringSubmatch(log, -1) {
				got = append(got, m[1]+" "+m[2]+" "+m[3])
			}
			want := []string{"service CT change", "procedure 1.000656.1 add", "procedure 1.000656 retire", "holiday 2026-12-31 add",
				"priority_group small_child change"}
			if !slices.Equal(got, want) {
				t.Errorf("logged changes:\n got %q\nwant %q\nlog:\n%s", got, want, log)
			}
			list, err := srv.Hub.HallAudit(context.Background(), 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			var audited []string
			for _, e := range list {
				if e.Seq == list[0].Seq && e.Seq != 0 && e.Source == "file:"+file && e.User == nil {
					audited = append(audited, e.Kind+" "+e.Key+" "+e.Action)
				}
			}
			slices.Reverse(audited)
			if !slices.Equal(audited, want) {
				t.Errorf("audit of the file's changes: got %q, want %q", audited, want)
			}
			running, _ := srv.Hub.Hall(context.Background())
			fromFile, _ := hall.Load(file)
			if changes := hall.Diff(running, fromFile); len(changes) != 0 {
				t.Errorf("the running hall differs from the file: %v", changes)
			}
			srv.Close()

			// The same file again: nothing to change.
			srv, log, err = start(t, db, file)
			if err != nil {
				t.Fatalf("start with the same file: %v", err)
			}
			if changeLine.MatchString(log) || !strings.Contains(log, "hall description unchanged") {
				t.Errorf("an unchanged file: log\n%s", log)
			}
			// Someone waits for Đất đai when the next file drops it.
			dd := serviceID(t, srv, "DD")
			if _, err := srv.Hub.Queue.IssueTicket(context.Background(), motcua.IssueRequest{ServiceID: dd}); err != nil {
				t.Fatal(err)
			}
			srv.Close()

			// A broken file stops the start, naming field and line.
			broken := editSample(t, edited, `    prefix: "3"`, `    prefx: "3"`)
			write(broken)
			where := fmt.Sprintf("services[2].prefx (line %d)", 1+strings.Count(broken[:strings.Index(broken, "prefx")], "\n"))
			if _, _, err := start(t, db, file); err == nil || !strings.Contains(err.Error(), where) {
				t.Errorf("broken file: got %v, want %s", err, where)
			}
			// A file that strands the citizen waiting for DD stops it too.
			dropDD := editSample(t, edited,
				"  - code: DD\n    name: \"Đất đai\"\n    name_en: \"Land\"\n    field: \"Nông nghiệp và Môi trường\"\n    prefix: \"3\"\n", "",
				"services: [DD, XD]", "services: [XD]", "services: [DKKD, XD, DD]", "services: [DKKD, XD]",
				"    service: DD\n", "    service: XD\n")
			if _, err := hall.Parse([]byte(dropDD)); err != nil {
				t.Fatalf("the file without DD must be valid: %v", err)
			}
			write(dropDD)
			_, _, err = start(t, db, file)
			t.Logf("a file that strands people stops the start:\n%v", err)
			if code := motcua.ErrorCode(err); code != motcua.EConflict || !regexp.MustCompile(`services \(line \d+\): .*DD`).MatchString(err.Error()) {
				t.Errorf("a file that strands people: got %v, want a conflict naming services and its line", err)
			}

			// Without -config the hub runs the hall as it was left.
			srv, log, err = start(t, db, "")
			if err != nil {
				t.Fatalf("start without -config: %v", err)
			}
			if changeLine.MatchString(log) {
				t.Errorf("a start without -config changed the hall:\n%s", log)
			}
			running, _ = srv.Hub.Hall(context.Background())
			if changes := hall.Diff(running, fromFile); len(changes) != 0 {
				t.Errorf("the refused files changed the hall: %v", changes)
			}
		})
	}
}

func serviceID(t *testing.T, srv *server.Server, code string) int64 {
	t.Helper()
	for _, s := range srv.Hub.Site.ServiceList() {
		if s.Code == code {
			return s.ID
		}
	}
	t.Fatalf("no service %s", code)
	return 0
}
