package registry_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/registry"
)

// TestHallPermissions joins a bare leaf node with a branch's credential and
// checks what its link may do at the registry: read the city's
// configuration bucket, and nothing else of the registry's JetStream. A
// wrong password never connects.
func TestHallPermissions(t *testing.T) {
	c := newCity(t)
	pw := c.addBranch("CN01", "000.00.01.H26")
	leaf := func(password string) *nats.Conn {
		ns, nc := c.bareLeaf("CN01", password, false)
		if password == pw {
			waitFor(t, "the leaf link", func() bool { return ns.NumLeafNodes() == 1 })
		} else {
			deadline := time.Now().Add(2 * time.Second)
			for time.Now().Before(deadline) {
				if ns.NumLeafNodes() > 0 {
					t.Fatal("a wrong password connected")
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		return nc
	}
	leaf("wrong-password")
	nc := leaf(pw)
	ask := func(subject string) error {
		_, err := nc.Request(subject, nil, 2*time.Second)
		return err
	}
	// The test reaches the registry's JetStream: the bucket answers.
	var err2 error
	waitFor(t, "the configuration bucket through the leaf", func() bool {
		err2 = ask("$JS.city.API.STREAM.INFO.KV_motcua_city")
		return err2 == nil
	})
	for _, subject := range []string{
		"$JS.city.API.STREAM.INFO.CITY",
		"$JS.city.API.STREAM.DELETE.CITY",
		"$JS.city.API.STREAM.LIST",
		"$JS.city.API.CONSUMER.INFO.CITY.apply",
	} {
		if err := ask(subject); err == nil {
			t.Errorf("request %s from a hall's link: answered, want refused", subject)
		}
	}
}

// addBranch adds a branch at the registry, has the registry read its
// credential, and returns its password.
func (c *cityEnv) addBranch(code, unit string) string {
	c.t.Helper()
	pw, err := registry.AddBranch(context.Background(), c.st, c.clock.Now(), code, "Chi nhánh "+code, unit)
	if err != nil {
		c.t.Fatalf("add branch %s: %v", code, err)
	}
	if err := c.reg.SyncBranches(context.Background()); err != nil {
		c.t.Fatal(err)
	}
	return pw
}

// bareLeaf starts a NATS server of the test's own that joins the registry as
// a leaf node with a branch's credential (with JetStream in the branch's
// domain when jetStream is set, as a hall's), and connects to it.
func (c *cityEnv) bareLeaf(branch, password string, jetStream bool) (*server.Server, *nats.Conn) {
	c.t.Helper()
	u, _ := url.Parse(c.regURL)
	u.User = url.UserPassword(branch, password)
	opts := &server.Options{ServerName: "bare-" + branch, DontListen: true, NoSigs: true, NoLog: true,
		LeafNode: server.LeafNodeOpts{Remotes: []*server.RemoteLeafOpts{{URLs: []*url.URL{u}}}, ReconnectInterval: 100 * time.Millisecond}}
	if jetStream {
		opts.JetStream, opts.JetStreamDomain, opts.StoreDir = true, city.HallDomain(branch), c.t.TempDir()
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		c.t.Fatal(err)
	}
	go ns.Start()
	c.t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		c.t.Fatal("leaf server did not start")
	}
	nc, err := nats.Connect("", nats.InProcessServer(ns))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(nc.Close)
	return ns, nc
}
