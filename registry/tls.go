package registry

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// LeafTLS reads the registry's certificate and private key (PEM files) and
// returns the leaf listener's TLS configuration: with it, halls can join
// only over TLS (tls:// URLs).
func LeafTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, errors.New("leaf TLS needs both a certificate and its key")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("leaf certificate %s, key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
