package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/motcua/motcua/store"
)

// "motcua registry procedures publish|show": the city's catalogue, read
// with the hall's catalogue parser and written into the registry's
// database; a wrong row is named, and nothing is published.
func TestRegistryProceduresCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "registry.db")
	env := envFrom(map[string]string{"MOTCUA_DB": db})
	procedures := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"motcua", "registry", "procedures"}, args...), env, strings.NewReader(""), &out, &errOut)
		return out.String(), err
	}

	bad := filepath.Join(dir, "bad.csv")
	writeFile(t, bad, "code,name,agency,processing_days,documents\n9.000001,Thủ tục thử,UBND phường,mười,Tờ khai\n")
	if _, err := procedures("publish", bad); err == nil || !strings.Contains(err.Error(), "procedures[0].processing_days") {
		t.Errorf("publish a catalogue with a wrong processing_days: got %v, want an error naming procedures[0].processing_days", err)
	}
	txt := filepath.Join(dir, "danh-muc.txt")
	writeFile(t, txt, "code,name\n")
	if _, err := procedures("publish", txt); err == nil || !strings.Contains(err.Error(), "format") {
		t.Errorf("publish a file of no known format: got %v, want an error naming the format", err)
	}
	out, err := procedures("show")
	if err != nil || !strings.Contains(out, "No catalogue published yet") {
		t.Errorf("show before any publication: got %q, %v", out, err)
	}

	good := filepath.Join(dir, "danh-muc.csv")
	writeFile(t, good, "code,name,agency,processing_days,processing_time,documents\n"+
		"9.000001,Thủ tục thử của thành phố,UBND phường,,4 giờ,Tờ khai (theo mẫu)\n"+
		"9.000002,Thủ tục thứ hai,UBND phường,,7 ngày,Đơn đề nghị|Bản sao (nếu có)\n")
	out, err = procedures("publish", good)
	if err != nil || !strings.Contains(out, "Published 2 procedures (version 1)") {
		t.Fatalf("publish: got %q, %v", out, err)
	}
	out, err = procedures("show")
	if err != nil || !strings.Contains(out, "version 1") || !strings.Contains(out, "cli:danh-muc.csv") ||
		!strings.Contains(out, "9.000002") || !strings.Contains(out, "7 ngày") {
		t.Errorf("show: got %q, %v, want version 1 from cli:danh-muc.csv with 9.000002 in 7 ngày", out, err)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	row, ok, err := st.City().LatestCatalogue(context.Background())
	if err != nil || !ok || row.ID != 1 || !strings.Contains(row.Procedures, `"processing_time":"4 giờ"`) {
		t.Errorf("the registry's database: got %+v %v %v, want version 1 with 9.000001 in 4 giờ", row, ok, err)
	}
}

// A registry subcommand that does not exist is refused with the commands
// there are, before the registry's database is opened (or created).
func TestRegistryUnknownSubcommand(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"branch", "remove", "CN01"}, "add, list, reset-password, revoke"},
		{[]string{"procedures", "import", "danh-muc.csv"}, "publish, show"},
		{[]string{"branch"}, "which command?"},
	}
	for _, tt := range tests {
		db := filepath.Join(t.TempDir(), "registry.db")
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"motcua", "registry"}, tt.args...),
			envFrom(map[string]string{"MOTCUA_DB": db}), strings.NewReader(""), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("registry %s: got %v, want an error listing %q", strings.Join(tt.args, " "), err, tt.want)
		}
		if _, statErr := os.Stat(db); statErr == nil {
			t.Errorf("registry %s: the database %s was created", strings.Join(tt.args, " "), db)
		}
	}
}
