package kiosk

import (
	"slices"
	"testing"
	"time"
)

// A track URL as the hub prints it: host, /t/ and a 22-character token.
const benchTrackURL = "https://motcua.example.gov.vn/t/CzqUeioe1elrP2EhcwUuTA"

// BenchmarkQRPNG is the PNG the kiosk endpoint serves (256 px, medium
// error correction). Target: p99 ≤ 2 ms per ticket. "cold" encodes it, as
// for a ticket's first fetch; "cached" is a later fetch of the same ticket.
func BenchmarkQRPNG(b *testing.B) {
	b.Run("cold", func(b *testing.B) { benchPercentiles(b, func() error { _, err := QRPNG(benchTrackURL); return err }) })
	b.Run("cached", func(b *testing.B) { benchCached(b, QRPNG) })
}

// BenchmarkQRSVG is the SVG of the same code. Target: p99 ≤ 0.5 ms.
func BenchmarkQRSVG(b *testing.B) {
	b.Run("cold", func(b *testing.B) { benchPercentiles(b, func() error { _, err := QRSVG(benchTrackURL); return err }) })
	b.Run("cached", func(b *testing.B) { benchCached(b, QRSVG) })
}

// benchCached fills a cache as a busy morning would (qrCacheSize tickets)
// and fetches them in turn.
func benchCached(b *testing.B, encode func(string) ([]byte, error)) {
	var c qrCache
	keys := make([]string, qrCacheSize)
	for i := range keys {
		keys[i] = benchTrackURL + string(rune('a'+i%26)) + string(rune('a'+i/26%26))
		img, err := encode(keys[i])
		if err != nil {
			b.Fatal(err)
		}
		c.add(keys[i], img)
	}
	i := 0
	benchPercentiles(b, func() error {
		if _, ok := c.get(keys[i%len(keys)]); !ok {
			b.Fatalf("key %d not cached", i%len(keys))
		}
		i++
		return nil
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
