package city

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// RegistryTLS reads the CA certificate(s) (PEM) that signed the registry's
// leaf certificate and returns the hall's side of a TLS link: the registry
// is verified against these CAs only, not the system's.
func RegistryTLS(caFile string) (*tls.Config, error) {
	raw, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("registry CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(raw) {
		return nil, fmt.Errorf("registry CA %s: no PEM certificate in the file", caFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
