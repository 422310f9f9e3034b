package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
)

// walSnapshot is what a SQLite WAL file holds since its last reset
// (https://sqlite.org/fileformat2.html#walformat): the page number of every
// frame, and which frames end a commit. A checkpoint that copied the whole
// WAL lets the next writer start it over: the checkpoint sequence number and
// the salts in the header change, and new frames overwrite the old ones
// from the start.
type walSnapshot struct {
	ckptSeq      uint32
	salt1, salt2 uint32
	pages        []uint32 // page number of each valid frame, up to the last commit
	commitAt     []int    // index in pages just after each commit frame
}

// readWAL reads the WAL at path. A missing file is an empty WAL.
func readWAL(path string) (walSnapshot, error) {
	var s walSnapshot
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	hdr := make([]byte, 32)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return s, nil // shorter than a header: no frame yet
	}
	if magic := binary.BigEndian.Uint32(hdr); magic != 0x377f0682 && magic != 0x377f0683 {
		return s, fmt.Errorf("%s is not a SQLite WAL (magic %#x)", path, magic)
	}
	pageSize := int(binary.BigEndian.Uint32(hdr[8:]))
	if pageSize == 1 {
		pageSize = 65536
	}
	s.ckptSeq = binary.BigEndian.Uint32(hdr[12:])
	s.salt1, s.salt2 = binary.BigEndian.Uint32(hdr[16:]), binary.BigEndian.Uint32(hdr[20:])
	fh := make([]byte, 24)
	var pages []uint32
	for {
		if _, err := io.ReadFull(r, fh); err != nil {
			break
		}
		if binary.BigEndian.Uint32(fh[8:]) != s.salt1 || binary.BigEndian.Uint32(fh[12:]) != s.salt2 {
			break // a frame of an earlier generation: the valid part has ended
		}
		if _, err := r.Discard(pageSize); err != nil {
			break
		}
		pages = append(pages, binary.BigEndian.Uint32(fh))
		if binary.BigEndian.Uint32(fh[4:]) != 0 { // a commit frame holds the database size
			s.commitAt = append(s.commitAt, len(pages))
			s.pages = pages[:len(pages):len(pages)]
		}
	}
	return s, nil
}

// walStats is what the database wrote to its WAL during a run.
type walStats struct {
	Resets      int            `json:"resets"`       // WAL restarts (after checkpoints) during the run
	Commits     int            `json:"commits_seen"` // commits in the frames read
	Frames      int            `json:"frames_seen"`
	CommitsRun  float64        `json:"commits_run"`  // commits in the whole run, from /metrics
	Requests    int            `json:"requests_run"` // acknowledged writes in the run
	PerCommit   float64        `json:"pages_per_commit"`
	ReqsPerCmt  float64        `json:"requests_per_commit"`
	PerRequest  float64        `json:"pages_per_request"`
	ByBtree     map[string]int `json:"frames_by_btree,omitempty"` // of the frames seen
	BtreeSource string         `json:"btree_source,omitempty"`
}

// walDelta is the frames written between two snapshots of one WAL. After a
// reset only the frames of the newest generation are known: the figures per
// commit are then taken from them, a sample of the run's commits.
func walDelta(before, after walSnapshot) (pages []uint32, commits int, resets int) {
	if after.ckptSeq == before.ckptSeq && after.salt1 == before.salt1 && after.salt2 == before.salt2 {
		n := len(before.pages)
		for _, at := range after.commitAt {
			if at > n {
				commits++
			}
		}
		if len(after.pages) < n {
			return nil, 0, 0
		}
		return after.pages[n:], commits, 0
	}
	resets = int(after.ckptSeq - before.ckptSeq)
	if resets < 1 {
		resets = 1
	}
	return after.pages, len(after.commitAt), resets
}

// pageOwners maps page numbers to the table or index they belong to, read
// with the sqlite3 shell's dbstat table (nil when the shell is missing).
func pageOwners(ctx context.Context, db string) (map[uint32]string, error) {
	shell, err := exec.LookPath("sqlite3")
	if err != nil {
		return nil, nil
	}
	out, err := exec.CommandContext(ctx, shell, "-readonly", "-separator", " ", db,
		"SELECT pageno, name FROM dbstat").Output()
	if err != nil {
		return nil, fmt.Errorf("sqlite3 dbstat: %w", err)
	}
	owners := map[uint32]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		num, name, ok := strings.Cut(sc.Text(), " ")
		if n, err := strconv.ParseUint(num, 10, 32); ok && err == nil {
			owners[uint32(n)] = name
		}
	}
	return owners, nil
}

// readCommits returns the commit counter of the hub or the bound from /metrics.
func readCommits(ctx context.Context, client *http.Client, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if ok && (name == "motcua_commits_total" || name == "bound_commits_total") {
			return strconv.ParseFloat(strings.TrimSpace(value), 64)
		}
	}
	return 0, fmt.Errorf("/metrics has no commit counter")
}

// minSample is the fewest commits since a checkpoint reset that count as a
// sample of the run.
const minSample = 50

// summarizeWAL fills walStats from two snapshots, the run's commits and
// acknowledged writes, and (when the sqlite3 shell is there) the owner of
// each page.
func summarizeWAL(ctx context.Context, db string, before, after walSnapshot, commitsRun float64, requests int) *walStats {
	pages, commits, resets := walDelta(before, after)
	w := &walStats{Resets: resets, Commits: commits, Frames: len(pages), CommitsRun: commitsRun, Requests: requests}
	if resets > 0 && commits < minSample {
		// The WAL started over just before the end: too few commits to
		// stand for the run (the last ones, as the clients stop, are small).
		w.Commits, w.Frames = 0, 0
		w.BtreeSource = fmt.Sprintf("only %d commits since the last checkpoint reset: no figure", commits)
		return w
	}
	if commits > 0 {
		w.PerCommit = float64(len(pages)) / float64(commits)
	}
	if commitsRun > 0 {
		w.ReqsPerCmt = float64(requests) / commitsRun
	}
	if w.ReqsPerCmt > 0 {
		w.PerRequest = w.PerCommit / w.ReqsPerCmt
	}
	owners, err := pageOwners(ctx, db)
	switch {
	case err != nil:
		w.BtreeSource = err.Error()
	case owners == nil:
		w.BtreeSource = "no sqlite3 shell on PATH: no breakdown by table"
	default:
		w.BtreeSource = "sqlite3 dbstat"
		w.ByBtree = map[string]int{}
		for _, p := range pages {
			name, ok := owners[p]
			if !ok {
				name = "(free or new since)"
			}
			w.ByBtree[name]++
		}
	}
	return w
}

func (w *walStats) print(out io.Writer) {
	if w.Commits == 0 {
		fmt.Fprintf(out, "WAL: %s\n", w.BtreeSource)
		return
	}
	fmt.Fprintf(out, "WAL: %.1f pages per commit, %.2f writes per commit (%0.f commits), %.2f pages per write",
		w.PerCommit, w.ReqsPerCmt, w.CommitsRun, w.PerRequest)
	if w.Resets > 0 {
		fmt.Fprintf(out, " (from the last %d commits: %d checkpoint resets in the run)", w.Commits, w.Resets)
	} else {
		fmt.Fprintf(out, " (%d commits, %d frames)", w.Commits, w.Frames)
	}
	fmt.Fprintln(out)
	if len(w.ByBtree) == 0 || w.Commits == 0 {
		if w.BtreeSource != "" && len(w.ByBtree) == 0 {
			fmt.Fprintf(out, "  pages by table: %s\n", w.BtreeSource)
		}
		return
	}
	names := make([]string, 0, len(w.ByBtree))
	for name := range w.ByBtree {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool { return w.ByBtree[names[i]] > w.ByBtree[names[j]] })
	parts := make([]string, 0, len(names))
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %.2f", name, float64(w.ByBtree[name])/float64(w.Commits)))
	}
	fmt.Fprintf(out, "  pages per commit by table or index: %s\n", strings.Join(parts, ", "))
}
