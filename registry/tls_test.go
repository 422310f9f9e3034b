package registry_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua"
	"github.com/motcua/motcua/city"
	"github.com/motcua/motcua/hall"
	"github.com/motcua/motcua/registry"
	"github.com/motcua/motcua/server"
	"github.com/motcua/motcua/server/servertest"
	"github.com/motcua/motcua/store/storetest"
)

// The link over TLS (issue 14): a registry whose leaf listener has a
// certificate from a CA made for the test, a hall that trusts that CA and
// joins with tls://, and two that must not join: one trusting another CA,
// one speaking plain nats:// to the TLS listener. Those keep working alone.
func TestCityOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t, "motcua test CA")
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	certDER, key := newLeafCert(t, ca, caKey)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile := writePEM(t, dir, "leaf.pem", "CERTIFICATE", certDER)
	keyFile := writePEM(t, dir, "leaf-key.pem", "EC PRIVATE KEY", keyDER)
	other, _ := newCA(t, "another CA")
	otherFile := writePEM(t, dir, "other-ca.pem", "CERTIFICATE", other.Raw)

	leafTLS, err := registry.LeafTLS(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	c := &cityEnv{t: t, clock: motcua.NewManualClock(servertest.Start), st: storetest.Open(t, registryDSN(t)),
		dir: dir, halls: map[string]*hallEnv{}}
	reg, err := registry.New(context.Background(), registry.Config{Store: c.st, Clock: c.clock, LeafAddr: "127.0.0.1:0",
		StoreDir: filepath.Join(dir, "registry-js"), SyncEvery: 200 * time.Millisecond, TLS: leafTLS})
	if err != nil {
		t.Fatalf("start registry: %v", err)
	}
	c.reg, c.regURL = reg, reg.LeafURL()
	t.Cleanup(func() {
		for _, h := range c.halls {
			h.stop()
		}
		reg.Close()
	})
	if !strings.HasPrefix(c.regURL, "tls://") {
		t.Fatalf("leaf URL %q, want tls://", c.regURL)
	}
	leafAddr := strings.TrimPrefix(c.regURL, "tls://")

	trusted, err := city.RegistryTLS(caFile)
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := city.RegistryTLS(otherFile)
	if err != nil {
		t.Fatal(err)
	}
	good := c.addTLSHall("CN01", "000.00.01.H26", c.regURL, trusted)
	wrongCA := newCountingProxy(t, leafAddr)
	badCA := c.addTLSHall("CN02", "000.00.02.H26", "tls://"+wrongCA.addr(), wrong)
	plainProxy := newCountingProxy(t, leafAddr)
	plain := c.addTLSHall("CN03", "000.00.03.H26", "nats://"+plainProxy.addr(), nil)

	t.Run("joined over TLS", func(t *testing.T) {
		waitFor(t, "CN01 online at the registry", func() bool {
			if err := reg.SyncBranches(context.Background()); err != nil {
				t.Fatalf("sync branches: %v", err)
			}
			return c.branch("CN01").Online
		})
		good.issue(2)
		c.waitSynced(good)
		if got := c.branch("CN01").Waiting; got != 2 {
			t.Errorf("CN01 waiting at the registry: %d, want 2", got)
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, b := range []struct {
			h     *hallEnv
			proxy *countingProxy
			why   string
		}{{badCA, wrongCA, "a CA that did not sign the registry's certificate"}, {plain, plainProxy, "plain nats:// to the TLS listener"}} {
			// Two connections through the proxy: the first attempt ended
			// and the hall tried again, so it has been refused at least
			// once (or its link came up, which the next check reports).
			waitFor(t, b.h.code+" trying a second time", func() bool {
				return b.proxy.accepted.Load() >= 2 || b.h.srv.City.Online()
			})
			if b.h.srv.City.Online() {
				t.Errorf("%s (%s): the hall's link is up", b.h.code, b.why)
			}
			if err := reg.SyncBranches(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c.branch(b.h.code).Online {
				t.Errorf("%s (%s): online at the registry", b.h.code, b.why)
			}
			// The hall works alone all the same.
			b.h.issue(1)
			if len(b.h.cityEvents(b.h.srv.Store)) == 0 {
				t.Errorf("%s: no city events logged after issuing", b.h.code)
			}
			seqs, err := c.st.City().EventSeqs(context.Background(), b.h.code)
			if err != nil {
				t.Fatal(err)
			}
			if len(seqs) != 0 {
				t.Errorf("%s (%s): the registry holds %d of its events, want none", b.h.code, b.why, len(seqs))
			}
		}
	})
}

// addTLSHall adds a branch at the registry and starts its hall joining at
// url with tlsCfg (nil: none).
func (c *cityEnv) addTLSHall(code, unit, url string, tlsCfg *tls.Config) *hallEnv {
	c.t.Helper()
	pw := c.addBranch(code, unit)
	h := &hallEnv{t: c.t, code: code, unit: unit, password: pw, dir: c.t.TempDir(), clock: c.clock}
	hl := hall.Sample()
	hl.Branch.Code, hl.Branch.UnitCode, hl.Branch.Name = code, unit, "Chi nhánh "+code
	srv, err := server.New(context.Background(), server.Config{DB: filepath.Join(h.dir, "motcua.db"), Hall: &hl,
		Trusted: "127.0.0.0/8", AdminPassword: adminPassword, BcryptCost: 4, Clock: c.clock,
		City: &server.CityConfig{Registry: url, Password: pw, Dir: filepath.Join(h.dir, "city"), TLS: tlsCfg}})
	if err != nil {
		c.t.Fatalf("start hall %s: %v", code, err)
	}
	h.srv, h.http = srv, httptest.NewServer(srv.Handler)
	c.halls[code] = h
	var out struct {
		Token string `json:"token"`
	}
	if st, _ := h.do("POST", "/api/v1/auth/login", map[string]string{"username": "admin", "password": adminPassword}, &out); st != 200 {
		c.t.Fatalf("hall %s: login: %d", code, st)
	}
	h.token = out.Token
	return h
}

// newCA makes a throwaway certificate authority.
func newCA(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// newLeafCert makes the registry's certificate for 127.0.0.1 and localhost,
// signed by ca.
func newLeafCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "registry"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// countingProxy forwards TCP to target and counts the connections it took.
type countingProxy struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(out, in); out.Close() }()
			go func() { defer p.wg.Done(); io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *countingProxy) addr() string { return p.ln.Addr().String() }
