package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a throwaway self-signed certificate and its key (PEM)
// into dir and returns their paths.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeFile(t, certFile, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	writeFile(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})))
	return certFile, keyFile
}

func TestRegistryCAOption(t *testing.T) {
	dir := t.TempDir()
	caFile, _ := selfSigned(t, dir)
	notPEM := filepath.Join(dir, "not.pem")
	writeFile(t, notPEM, "not a certificate\n")
	env := map[string]string{"MOTCUA_REGISTRY_PASSWORD": "pw", "MOTCUA_REGISTRY": "tls://registry.example:7422"}

	o, err := parseOptions([]string{"motcua", "-registry-ca", caFile}, envFrom(env), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.cfg.City == nil || o.cfg.City.TLS == nil || o.cfg.City.TLS.RootCAs == nil {
		t.Fatalf("-registry-ca: the hall's link has no TLS with the CA: %+v", o.cfg.City)
	}
	env["MOTCUA_REGISTRY_CA"] = caFile
	if o, err := parseOptions([]string{"motcua"}, envFrom(env), io.Discard); err != nil || o.cfg.City.TLS == nil {
		t.Fatalf("MOTCUA_REGISTRY_CA: got %v, TLS set %v", err, err == nil && o.cfg.City.TLS != nil)
	}
	delete(env, "MOTCUA_REGISTRY_CA")

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"missing file", []string{"-registry-ca", filepath.Join(dir, "nope.pem")}, "nope.pem"},
		{"no certificate in it", []string{"-registry-ca", notPEM}, "no PEM certificate"},
		{"without a registry", []string{"-registry", "", "-registry-ca", caFile}, "-registry-ca needs -registry"},
	} {
		_, err := parseOptions(append([]string{"motcua"}, c.args...), envFrom(env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "-registry-ca") {
			t.Errorf("%s: got %v, want an error naming -registry-ca and %q", c.name, err, c.want)
		}
	}
}

func TestRegistryLeafCertificateOptions(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := selfSigned(t, dir)
	cfg, err := registryLeafTLS(certFile, keyFile)
	if err != nil || cfg == nil || len(cfg.Certificates) != 1 {
		t.Fatalf("a good certificate and key: got %v, %v", cfg, err)
	}
	if cfg, err := registryLeafTLS("", ""); cfg != nil || err != nil {
		t.Errorf("neither: got %v, %v; want plain TCP", cfg, err)
	}
	missing := filepath.Join(dir, "nope.pem")
	for _, c := range []struct {
		name      string
		args, env []string
		want      string
	}{
		{"a key without a certificate", []string{"-leaf-key", keyFile}, nil, "-leaf-key needs -leaf-cert"},
		{"a certificate without a key", nil, []string{"MOTCUA_REGISTRY_LEAF_CERT", certFile}, "-leaf-cert needs -leaf-key"},
		{"missing certificate", []string{"-leaf-cert", missing, "-leaf-key", keyFile}, nil, "nope.pem"},
		{"key that is not a key", []string{"-leaf-cert", certFile}, []string{"MOTCUA_REGISTRY_LEAF_KEY", certFile}, "leaf certificate"},
	} {
		env := map[string]string{"MOTCUA_DB": filepath.Join(dir, "registry.db"), "MOTCUA_REGISTRY_DIR": filepath.Join(dir, "nats")}
		if c.env != nil {
			env[c.env[0]] = c.env[1]
		}
		args := append([]string{"motcua", "registry", "-addr", "127.0.0.1:0", "-leaf", "127.0.0.1:0"}, c.args...)
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a registry that did start stops at once
		err := run(ctx, args, envFrom(env), strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error with %q", c.name, err, c.want)
		}
	}
}
