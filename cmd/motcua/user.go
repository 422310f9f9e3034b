package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/store"
	"github.com/motcua/motcua/writer"
)

const userUsage = `usage: motcua user add|passwd|disable|enable NAME [flags]

  add      create an account: -role admin|supervisor|staff (default staff),
           -full-name "Nguyễn Thị Hoa" (printed on receipts and forms),
           -counters 1,2 (counter numbers a staff member may work at; none: any)
  passwd   set a new password; every session of the account ends
  disable  lock the account; its sessions end at once
  enable   unlock it again

The password comes from MOTCUA_USER_PASSWORD, else it is asked for on the
terminal, else read as one line from standard input.
Every command takes -db (MOTCUA_DB), the hub's database.`

// runUser runs "motcua user …": the staff accounts from the shell of the
// hub's machine, on the hub's own database, so that a lost admin password
// is never the end of a hall. The hub may be running meanwhile.
func runUser(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) < 3 {
		fmt.Fprintln(stderr, userUsage)
		return errors.New("motcua user: which command? add, passwd, disable or enable")
	}
	cmd := args[2]
	if !slices.Contains([]string{"add", "passwd", "disable", "enable"}, cmd) {
		fmt.Fprintln(stderr, userUsage)
		return fmt.Errorf("motcua user: unknown command %q", cmd)
	}
	fs := flag.NewFlagSet("motcua user "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, userUsage) }
	db := fs.String("db", envOr(lookupEnv, "MOTCUA_DB", "motcua.db"), "SQLite file, or a postgres:// URL [MOTCUA_DB]")
	role := fs.String("role", motcua.RoleStaff, "admin, supervisor or staff (add)")
	fullName := fs.String("full-name", "", "full name as printed on forms (add)")
	counters := fs.String("counters", "", "counter numbers the staff member may work at, e.g. 1,2 (add)")
	names, err := parseInterleaved(fs, args[3:])
	if err != nil {
		return err
	}
	if len(names) != 1 {
		fmt.Fprintln(stderr, userUsage)
		return fmt.Errorf("motcua user %s: give exactly one username, got %d", cmd, len(names))
	}
	name := names[0]

	st, err := openHall(ctx, *db)
	if err != nil {
		return err
	}
	wctx, stopWriter := context.WithCancel(context.Background())
	w := writer.New(writer.Config{Store: st, Logger: slog.New(slog.DiscardHandler)})
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	defer func() { // the writer first: it may still commit what it was given
		stopWriter()
		err = errors.Join(err, <-done, st.Close())
	}()
	accounts := auth.New(auth.Config{Store: st, Writer: w, Clock: motcua.SystemClock{}})
	shell := motcua.User{} // the shell: recorded in the audit trail with no user

	switch cmd {
	case "add":
		ids, err := counterIDs(ctx, st, *counters)
		if err != nil {
			return err
		}
		password, err := readPassword(lookupEnv, stdin, stderr)
		if err != nil {
			return err
		}
		u, err := accounts.AddUser(ctx, auth.NewUser{Username: name, FullName: *fullName, Role: *role, Password: password, CounterIDs: ids}, shell)
		if err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "Đã tạo tài khoản %s (%s, %s). / Created user %s.\n", u.Username, u.FullName, u.Role, u.Username)
	case "passwd":
		u, err := accounts.UserByName(ctx, name)
		if err != nil {
			return explain(err)
		}
		password, err := readPassword(lookupEnv, stdin, stderr)
		if err != nil {
			return err
		}
		if _, err := accounts.ResetPassword(ctx, u.ID, password, shell, ""); err != nil {
			return explain(err)
		}
		fmt.Fprintf(stdout, "Đã đổi mật khẩu của %s; mọi phiên đăng nhập cũ đã kết thúc. / Password of %s changed; its sessions ended.\n", u.Username, u.Username)
	case "disable", "enable":
		u, err := accounts.UserByName(ctx, name)
		if err != nil {
			return explain(err)
		}
		disabled := cmd == "disable"
		if _, err := accounts.UpdateUser(ctx, u.ID, auth.UserPatch{Disabled: &disabled}, shell); err != nil {
			return explain(err)
		}
		if disabled {
			fmt.Fprintf(stdout, "Đã khóa tài khoản %s; các phiên đăng nhập đã kết thúc. / User %s disabled; its sessions ended.\n", u.Username, u.Username)
		} else {
			fmt.Fprintf(stdout, "Đã mở khóa tài khoản %s. / User %s enabled.\n", u.Username, u.Username)
		}
	}
	return nil
}

func envOr(lookupEnv func(string) (string, bool), key, def string) string {
	if v, ok := lookupEnv(key); ok {
		return v
	}
	return def
}

// parseInterleaved parses flags before and after the positional arguments
// ("add hoa -role staff" as well as "add -role staff hoa") and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// openHall opens the hub's database, which must exist and hold a hall: a
// mistyped path must not leave a new empty database behind.
func openHall(ctx context.Context, dsn string) (*store.Store, error) {
	if !store.IsPostgres(dsn) {
		if _, err := os.Stat(dsn); err != nil {
			return nil, fmt.Errorf("không có cơ sở dữ liệu %s (-db hoặc MOTCUA_DB) / no database at %s: %w", dsn, dsn, err)
		}
	}
	st, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	empty, err := st.IsEmpty(ctx)
	if err == nil && empty {
		err = fmt.Errorf("cơ sở dữ liệu %s chưa có sảnh nào: hãy chạy hub một lần trước / the database %s holds no hall yet: start the hub on it once first", dsn, dsn)
	}
	if err != nil {
		return nil, errors.Join(err, st.Close())
	}
	return st, nil
}

// counterIDs turns "1,2" (counter numbers, as the hall shows them) into counter ids.
func counterIDs(ctx context.Context, st *store.Store, numbers string) ([]int64, error) {
	if strings.TrimSpace(numbers) == "" {
		return nil, nil
	}
	counters, err := st.Counters(ctx)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, part := range strings.Split(numbers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		i := slices.IndexFunc(counters, func(c motcua.Counter) bool { return c.Number == n })
		if err != nil || i < 0 {
			return nil, fmt.Errorf("-counters: không có quầy số %q / there is no counter number %q", strings.TrimSpace(part), strings.TrimSpace(part))
		}
		ids = append(ids, counters[i].ID)
	}
	return ids, nil
}

// readPassword takes the new password from MOTCUA_USER_PASSWORD, else asks
// twice on the terminal without echo, else reads one line of stdin (a pipe).
func readPassword(lookupEnv func(string) (string, bool), stdin io.Reader, stderr io.Writer) (string, error) {
	if v, ok := lookupEnv("MOTCUA_USER_PASSWORD"); ok && v != "" {
		return v, nil
	}
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(prompt string) (string, error) {
			fmt.Fprint(stderr, prompt)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(stderr)
			return string(b), err
		}
		first, err := ask("Mật khẩu mới / New password: ")
		if err != nil {
			return "", err
		}
		again, err := ask("Nhập lại / Again: ")
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("hai lần nhập không khớp / the two passwords differ")
		}
		return first, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("không có mật khẩu: đặt MOTCUA_USER_PASSWORD hoặc gửi một dòng vào stdin / no password: set MOTCUA_USER_PASSWORD or pipe one line to stdin")
	}
	return line, nil
}

// explain writes an application error for a person at a shell: its message
// and each field's.
func explain(err error) error {
	var e *motcua.Error
	if !errors.As(err, &e) {
		return err
	}
	msg := e.Message
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		flagName := map[string]string{"full_name": "-full-name", "counter_ids": "-counters", "role": "-role"}[k]
		if flagName == "" {
			flagName = k
		}
		msg += "\n  " + flagName + ": " + e.Fields[k]
	}
	return errors.New(msg)
}
