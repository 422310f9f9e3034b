package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime"
	"time"

	"github.com/motcua/motcua/server"
)

// runHub serves a hub built from this tree, in this process, with Go's
// profiler on /debug/pprof/ (the motcua binary has no profiler):
//
//	MOTCUA_ADMIN_PASSWORD=secret123 motcua-load hub -addr 127.0.0.1:18095 -db /tmp/p/m.db -block-rate 10000 -mutex-fraction 10
//	go tool pprof -seconds 8 http://127.0.0.1:18095/debug/pprof/profile
//
// It starts the hub as cmd/motcua does (same server.New, same HTTP server
// settings, loopback trusted) and only adds the profiler's routes in front.
func runHub(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motcua-load hub", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8095", "listen address")
	db := fs.String("db", "", "SQLite file (created and loaded with the sample hall if missing)")
	blockRate := fs.Int("block-rate", 0, "runtime.SetBlockProfileRate: record blocking events of this many ns and more (0: off)")
	mutexFraction := fs.Int("mutex-fraction", 0, "runtime.SetMutexProfileFraction: record 1 in n mutex contentions (0: off)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: motcua-load hub -db FILE [flags]\n\nServes a hub of this tree with /debug/pprof/ for profiling.\nThe admin password is MOTCUA_ADMIN_PASSWORD.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *db == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give -db and no other arguments")
	}
	runtime.SetBlockProfileRate(*blockRate)
	runtime.SetMutexProfileFraction(*mutexFraction)
	password, _ := lookupEnv("MOTCUA_ADMIN_PASSWORD")
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, server.Config{DB: *db, AdminPassword: password, Trusted: "127.0.0.0/8,::1/128", Logger: log})
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", srv.Handler)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		srv.Close()
		return err
	}
	httpSrv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	fmt.Fprintf(stdout, "motcua (in-process, with pprof) listening on http://%s\n", ln.Addr())
	return serveUntil(ctx, httpSrv, errc, srv.Live.Close, srv.Close)
}
