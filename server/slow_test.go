package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
)

func dialHub(t *testing.T, env *servertest.Env) net.Conn {
	t.Helper()
	// From an address of its own: the test's other clients keep connections alive.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9)}}
	c, err := d.Dial("tcp", env.HTTP.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// waitClosedOrAnswered reads until the hub answers or closes the connection,
// within limit; it fails the test when the hub is still waiting.
func waitClosedOrAnswered(t *testing.T, c net.Conn, limit time.Duration, what string) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(limit))
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the hub still held the connection after %v", what, limit)
	}
	return string(got)
}

// A client sending its headers or its body one byte at a time is cut off
// by the deadlines instead of being held forever.
func TestSlowClientsAreCutOff(t *testing.T) {
	env := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		c.HeaderTimeout = 300 * time.Millisecond
		c.BodyTimeout = 300 * time.Millisecond
	}))
	t.Run("headers", func(t *testing.T) {
		c := dialHub(t, env)
		io.WriteString(c, "POST /api/v1/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: app")
		waitClosedOrAnswered(t, c, 5*time.Second, "headers never finished")
	})
	t.Run("body", func(t *testing.T) {
		c := dialHub(t, env)
		io.WriteString(c, "POST /api/v1/tickets HTTP/1.1\r\nHost: hall\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		got := waitClosedOrAnswered(t, c, 5*time.Second, "a body that never finished")
		if got != "" && !strings.HasPrefix(got, "HTTP/1.1 4") {
			t.Errorf("answer to a body that never finished: got %q, want a 4xx or a closed connection", got)
		}
	})
	t.Run("websockets stay open", func(t *testing.T) {
		ws, _, err := env.WS("/ws/display", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		servertest.Read(t, ws, 5*time.Second) // the snapshot
		// Past the body deadline the socket still carries events.
		ws.SetReadDeadline(time.Now().Add(time.Second))
		_, _, err = ws.ReadMessage()
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("an idle display socket after the body deadline: got %v, want it still open", err)
		}
	})
}

// One untrusted address may hold only so many connections at once; the
// hall's trusted addresses are not capped.
func TestConnectionsPerUntrustedAddressAreCapped(t *testing.T) {
	cases := []struct {
		name    string
		trusted string
		want    int
	}{
		{"untrusted", "", 5},
		{"trusted", "127.0.0.0/8", 12},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := servertest.New(t, servertest.WithTrusted(tc.trusted), servertest.WithConfig(func(c *server.Config) {
				c.MaxConnsPerAddr = 5
			}))
			var conns []net.Conn
			for range 12 {
				conns = append(conns, dialHub(t, env))
			}
			served := 0
			for _, c := range conns {
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hall\r\n\r\n"); err != nil {
					continue
				}
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						t.Fatalf("a connection was neither served nor closed")
					}
					continue
				}
				resp.Body.Close()
				served++
			}
			if served != tc.want {
				t.Errorf("12 connections at once from one %s address: %d served, want %d", tc.name, served, tc.want)
			}
		})
	}
}
