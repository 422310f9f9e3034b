package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/motcua/motcua/internal/bound"
)

// runBound serves the bare bound (internal/bound) until ctx ends:
//
//	motcua-load bound -addr 127.0.0.1:18091 -db /tmp/bound.db
//
// The load tool starts it by itself with -bound; this is for running it by
// hand.
func runBound(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("motcua-load bound", flag.ContinueOnError)
	fs.SetOutput(stderr)
	password, _ := lookupEnv("MOTCUA_ADMIN_PASSWORD")
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	db := fs.String("db", "", "SQLite file of the bound (created if missing)")
	fs.StringVar(&password, "password", password, "password the login route accepts; empty accepts any [MOTCUA_ADMIN_PASSWORD]")
	maxBatch := fs.Int("max-batch", bound.DefaultMaxBatch, "requests per commit at most (1: one commit per request)")
	noSavepoints := fs.Bool("no-savepoints", false, "no savepoint per request (the hub has one)")
	txTimeout := fs.Duration("tx-timeout", 0, "run each transaction under a context with this deadline, as the hub does (30s); 0: none")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: motcua-load bound -db FILE [flags]\n\nServes the bare SQLite group-commit writer and gorilla/websocket\nbroadcaster on the hub's routes (see internal/bound).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *db == "" || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("give -db and no other arguments")
	}
	w, err := bound.OpenWriter(*db, bound.WriterOptions{MaxBatch: *maxBatch, NoSavepoints: *noSavepoints, TxTimeout: *txTimeout})
	if err != nil {
		return err
	}
	b := bound.NewBroadcaster(0)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		w.Close()
		return err
	}
	srv := &http.Server{Handler: bound.NewServer(w, b, password), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "bound listening on http://%s\n", ln.Addr())
	return serveUntil(ctx, srv, errc, b.Close, w.Close)
}

// serveUntil waits for ctx or a serve error, then closes the websockets
// (Shutdown does not wait for hijacked connections), shuts the server down
// and closes the rest.
func serveUntil(ctx context.Context, srv *http.Server, errc <-chan error, closeSockets func(), closeRest func() error) error {
	select {
	case err := <-errc:
		closeSockets()
		closeRest()
		return err
	case <-ctx.Done():
	}
	closeSockets()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if cerr := closeRest(); err == nil {
		err = cerr
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
