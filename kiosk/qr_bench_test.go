package kiosk

import (
	"slices"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"
)

// A track URL as the hub prints it: host, /t/ and a 22-character token.
const benchTrackURL = "https://motcua.example.gov.vn/t/CzqUeioe1elrP2EhcwUuTA"

// BenchmarkQRPNG is the PNG the kiosk endpoint serves (256 px, medium
// error correction). Target: p99 ≤ 2 ms per ticket.
func BenchmarkQRPNG(b *testing.B) {
	benchPercentiles(b, func() error {
		_, err := qrcode.Encode(benchTrackURL, qrcode.Medium, 256)
		return err
	})
}

// BenchmarkQRSVG is the SVG of the same code. Target: p99 ≤ 0.5 ms.
func BenchmarkQRSVG(b *testing.B) {
	benchPercentiles(b, func() error {
		_, err := QRSVG(benchTrackURL)
		return err
	})
}

// benchPercentiles times each call and reports p50 and p99 besides ns/op.
func benchPercentiles(b *testing.B, fn func() error) {
	b.ReportAllocs()
	times := make([]time.Duration, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t0))
	}
	slices.Sort(times)
	if len(times) > 0 {
		b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
		b.ReportMetric(float64(times[min(len(times)-1, len(times)*99/100)])/1e6, "p99-ms")
	}
}
