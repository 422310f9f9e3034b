package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/auth"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/store"
)

const registryUsage = `usage: motcua registry [flags]                 run the city registry
       motcua registry branch add CODE -name NAME -unit-code UNIT
       motcua registry branch list
       motcua registry branch reset-password CODE
       motcua registry branch revoke CODE
       motcua registry procedures publish FILE [-format csv|yaml]
       motcua registry procedures show

The registry keeps the city's data in -db (MOTCUA_DB, a postgres:// URL in
production), takes hall leaf links on -leaf (MOTCUA_REGISTRY_LEAF, default
:7422) and serves the /city page and API on -addr (MOTCUA_ADDR, default
:8090). Its NATS files live in -dir (MOTCUA_REGISTRY_DIR). With -leaf-cert and
-leaf-key (MOTCUA_REGISTRY_LEAF_CERT, MOTCUA_REGISTRY_LEAF_KEY) the leaf
listener takes TLS only: halls join with tls:// and -registry-ca. "branch add" and
"reset-password" print the branch's password once: give it to the hall as
MOTCUA_REGISTRY_PASSWORD. A running registry reads branch changes within
a few seconds. "procedures publish" replaces the city's procedure catalogue
with FILE (the CSV or YAML catalogue the hall's /admin import reads; the
format from -format or the file's extension): a running registry sends it to
every hall within a few seconds. See docs/city.md.`

// runRegistry runs "motcua registry …".
func runRegistry(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	if len(args) > 2 && args[2] == "branch" {
		return runBranch(ctx, args, lookupEnv, stdout, stderr)
	}
	if len(args) > 2 && args[2] == "procedures" {
		return runProcedures(ctx, args, lookupEnv, stdout, stderr)
	}
	fs := flag.NewFlagSet("motcua registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, registryUsage) }
	db := fs.String("db", envOr(lookupEnv, "MOTCUA_DB", "motcua-registry.db"), "postgres:// URL (or a SQLite file, for trying) [MOTCUA_DB]")
	addr := fs.String("addr", envOr(lookupEnv, "MOTCUA_ADDR", ":8090"), "HTTP listen address [MOTCUA_ADDR]")
	leaf := fs.String("leaf", envOr(lookupEnv, "MOTCUA_REGISTRY_LEAF", ":7422"), "address halls connect to [MOTCUA_REGISTRY_LEAF]")
	dir := fs.String("dir", envOr(lookupEnv, "MOTCUA_REGISTRY_DIR", "motcua-registry"), "the registry's NATS JetStream files [MOTCUA_REGISTRY_DIR]")
	leafCert := fs.String("leaf-cert", envOr(lookupEnv, "MOTCUA_REGISTRY_LEAF_CERT", ""), "certificate (PEM) of the leaf listener: halls then join only over TLS, with tls:// URLs [MOTCUA_REGISTRY_LEAF_CERT]")
	leafKey := fs.String("leaf-key", envOr(lookupEnv, "MOTCUA_REGISTRY_LEAF_KEY", ""), "private key (PEM) of -leaf-cert [MOTCUA_REGISTRY_LEAF_KEY]")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("motcua registry: unexpected arguments %v", fs.Args())
	}
	leafTLS, err := registryLeafTLS(*leafCert, *leafKey)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	reg, err := registry.New(ctx, registry.Config{Store: st, Logger: log, LeafAddr: *leaf, StoreDir: *dir, TLS: leafTLS})
	if err != nil {
		return err
	}
	defer reg.Close()
	accounts := auth.New(auth.Config{Store: st, Writer: reg.Writer(), Clock: motcua.SystemClock{}, Logger: log})
	if err := accounts.EnsureAdmin(ctx, envOr(lookupEnv, "MOTCUA_ADMIN_PASSWORD", "")); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: reg.Handler(accounts, auth.SessionLength, log), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("motcua registry ready", "url", "http://"+ln.Addr().String(), "leaf", reg.LeafURL(), "db", st.Dialect)
	fmt.Fprintf(stdout, "motcua registry listening on http://%s, halls join at %s\n", ln.Addr(), reg.LeafURL())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// registryLeafTLS is the leaf listener's TLS from -leaf-cert and -leaf-key:
// nil (plain TCP) when neither is given.
func registryLeafTLS(certFile, keyFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "":
		return nil, errors.New("motcua registry: -leaf-key needs -leaf-cert (MOTCUA_REGISTRY_LEAF_CERT)")
	case keyFile == "":
		return nil, errors.New("motcua registry: -leaf-cert needs -leaf-key (MOTCUA_REGISTRY_LEAF_KEY)")
	}
	cfg, err := registry.LeafTLS(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("motcua registry: %w", err)
	}
	return cfg, nil
}

// registrySubcommand is one "motcua registry GROUP CMD [flags] [ARG]": its
// flags, the -db every one of them takes, and the command's name.
type registrySubcommand struct {
	group, cmd string
	fs         *flag.FlagSet
	db         *string
}

// newRegistrySubcommand reads CMD from args and refuses one not among
// commands before anything is opened; the caller adds its own flags, then
// parses.
func newRegistrySubcommand(group string, commands []string, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (registrySubcommand, error) {
	if len(args) < 4 || !slices.Contains(commands, args[3]) {
		fmt.Fprintln(stderr, registryUsage)
		if len(args) < 4 {
			return registrySubcommand{}, fmt.Errorf("motcua registry %s: which command? %s", group, strings.Join(commands, ", "))
		}
		return registrySubcommand{}, fmt.Errorf("motcua registry %s: unknown command %q; want %s", group, args[3], strings.Join(commands, ", "))
	}
	s := registrySubcommand{group: group, cmd: args[3], fs: flag.NewFlagSet("motcua registry "+group+" "+args[3], flag.ContinueOnError)}
	s.fs.SetOutput(stderr)
	s.fs.Usage = func() { fmt.Fprintln(stderr, registryUsage) }
	s.db = s.fs.String("db", envOr(lookupEnv, "MOTCUA_DB", "motcua-registry.db"), "the registry's database [MOTCUA_DB]")
	return s, nil
}

// parse parses the flags and returns the one positional argument (what:
// its name in the error), or none for the command bare.
func (s registrySubcommand) parse(args []string, bare, what string) ([]string, error) {
	pos, err := parseInterleaved(s.fs, args[4:])
	if err != nil {
		return nil, err
	}
	want := 1
	if s.cmd == bare {
		want = 0
	}
	if len(pos) != want {
		s.fs.Usage()
		return nil, fmt.Errorf("motcua registry %s %s: want %d %s, got %d", s.group, s.cmd, want, what, len(pos))
	}
	return pos, nil
}

// runBranch runs "motcua registry branch add|list|reset-password|revoke".
func runBranch(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	sub, err := newRegistrySubcommand("branch", []string{"add", "list", "reset-password", "revoke"}, args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	cmd, db := sub.cmd, sub.db
	name := sub.fs.String("name", "", "the branch's name (add)")
	unit := sub.fs.String("unit-code", "", "the unit code its dossier codes carry, unique in the city (add)")
	pos, err := sub.parse(args, "list", "branch code(s)")
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch cmd {
	case "add":
		pw, err := registry.AddBranch(ctx, st, now, pos[0], *name, *unit)
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Đã thêm chi nhánh %s. Mật khẩu (chỉ hiện một lần) / Branch added; its password (shown once):\n%s\n", pos[0], pw)
	case "reset-password":
		pw, err := registry.ResetPassword(ctx, st, pos[0])
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Mật khẩu mới của %s (chỉ hiện một lần) / New password of %s (shown once):\n%s\n", pos[0], pos[0], pw)
	case "revoke":
		if err := registry.RevokeBranch(ctx, st, pos[0], now); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Đã thu hồi quyền kết nối của %s. / %s is revoked.\n", pos[0], pos[0])
	case "list":
		rows, err := st.City().Branches(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tUNIT CODE\tNAME\tLAST SEEN\tSTATE")
		for _, b := range rows {
			seen, state := "-", "active"
			if b.LastSeen != nil {
				seen = b.LastSeen.Local().Format("02/01/2006 15:04")
			}
			if b.RevokedAt != nil {
				state = "revoked"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", b.Code, b.UnitCode, b.Name, seen, state)
		}
		return tw.Flush()
	}
	return nil
}

// describe spells out a validation error's fields for the shell.
func describe(err error) error {
	var e *motcua.Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		return err
	}
	msg := e.Message
	for f, m := range e.Fields {
		msg += "\n  " + f + ": " + m
	}
	return errors.New(msg)
}

// runProcedures runs "motcua registry procedures publish FILE|show": the
// city's procedure catalogue, written into the registry's database (a
// running registry sends a new one to the halls at its next sync).
func runProcedures(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	sub, err := newRegistrySubcommand("procedures", []string{"publish", "show"}, args, lookupEnv, stderr)
	if err != nil {
		return err
	}
	cmd, db := sub.cmd, sub.db
	format := sub.fs.String("format", "", "csv or yaml (default: from the file's extension) (publish)")
	pos, err := sub.parse(args, "show", "file(s)")
	if err != nil {
		return err
	}
	switch cmd {
	case "publish":
		if *format == "" {
			switch strings.ToLower(filepath.Ext(pos[0])) {
			case ".csv":
				*format = "csv"
			case ".yaml", ".yml", ".json":
				*format = "yaml"
			}
		}
		data, err := os.ReadFile(pos[0])
		if err != nil {
			return err
		}
		procs, err := registry.ParseCatalogue(data, *format)
		if err != nil {
			return describe(err)
		}
		st, err := store.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer st.Close()
		version, err := registry.PublishCatalogue(ctx, st, time.Now(), procs, "cli:"+filepath.Base(pos[0]))
		if err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "Đã công bố danh mục %d thủ tục (phiên bản %d); các chi nhánh nhận trong vài giây. / Published %d procedures (version %d); the halls get them within seconds.\n",
			len(procs), version, len(procs), version)
	case "show":
		st, err := store.Open(ctx, *db)
		if err != nil {
			return err
		}
		defer st.Close()
		row, ok, err := st.City().LatestCatalogue(ctx)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(stdout, "Chưa công bố danh mục nào. / No catalogue published yet.")
			return nil
		}
		var procs []motcua.Procedure
		if err := json.Unmarshal([]byte(row.Procedures), &procs); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "version %d, %s, %s\n", row.ID, row.PublishedAt.Local().Format("02/01/2006 15:04"), row.Source)
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CODE\tTIME\tNAME")
		for _, p := range procs {
			t := p.ProcessingTime
			if t == "" {
				t = strconv.Itoa(p.ProcessingDays) + " ngày"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", p.Code, t, p.Name)
		}
		return tw.Flush()
	}
	return nil
}
