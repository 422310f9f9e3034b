package main

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkDiskFsync measures this disk's own rate of durable writes: append
// 4 KiB to a file and fsync it, as SQLite's WAL does once per commit. It is
// the ceiling of one-commit-per-ticket; group commit shares one fsync among
// every request that arrived meanwhile. Run it on the disk that holds the
// database (the temporary folder here: set TMPDIR to measure another).
func BenchmarkDiskFsync(b *testing.B) {
	// append grows the file, so each fsync also commits its new size;
	// overwrite rewrites a preallocated 1 MiB ring, as a WAL does once it is
	// reset after a checkpoint.
	for _, mode := range []string{"append", "overwrite"} {
		b.Run(mode, func(b *testing.B) {
			f, err := os.Create(filepath.Join(b.TempDir(), "fsync.bin"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			page := make([]byte, 4096)
			const ring = 256
			if mode == "overwrite" {
				if err := f.Truncate(ring * 4096); err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			for i := 0; b.Loop(); i++ {
				var err error
				if mode == "overwrite" {
					_, err = f.WriteAt(page, int64(i%ring)*4096)
				} else {
					_, err = f.Write(page)
				}
				if err != nil {
					b.Fatal(err)
				}
				if err := f.Sync(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "fsyncs/s")
		})
	}
}

// BenchmarkColdStart starts the built binary and polls /healthz every
// millisecond until it answers 200: on an empty database (migrations, the
// sample hall and the first admin's bcrypt hash) and on an existing one (a
// restart). Target: ≤ 300 ms. The build is not timed.
func BenchmarkColdStart(b *testing.B) {
	bin := hubBinaryB(b)
	for _, tc := range []struct {
		name  string
		fresh bool
	}{{"empty-database", true}, {"existing-database", false}} {
		b.Run(tc.name, func(b *testing.B) {
			dir := b.TempDir()
			db := filepath.Join(dir, "motcua.db")
			if !tc.fresh {
				coldStart(b, bin, db) // create it once, untimed
			}
			var times []time.Duration
			for i := 0; b.Loop(); i++ {
				if tc.fresh {
					db = filepath.Join(dir, "fresh", time.Now().Format("150405.000000000"), "motcua.db")
					os.MkdirAll(filepath.Dir(db), 0o755)
				}
				times = append(times, coldStart(b, bin, db))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2])/1e6, "p50-ms")
			b.ReportMetric(float64(times[len(times)-1])/1e6, "max-ms")
		})
	}
}

// coldStart runs the hub on a free port and returns the time from exec until
// /healthz answered 200.
func coldStart(b *testing.B, bin, db string) time.Duration {
	b.Helper()
	addr := freeAddr(b)
	t0 := time.Now()
	cmd := exec.Command(bin, "-addr", addr, "-db", db)
	cmd.Env = append(os.Environ(), "MOTCUA_ADMIN_PASSWORD="+faultAdminPassword)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	client := &http.Client{Timeout: time.Second}
	for time.Since(t0) < 20*time.Second {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(t0)
			}
		}
		time.Sleep(time.Millisecond)
	}
	b.Fatal("the hub never answered /healthz")
	return 0
}
