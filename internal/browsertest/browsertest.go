// Package browsertest runs pages in Debian's headless Chromium through
// chromedp. A missing browser fails the test with the command that installs
// it; MOTCUA_SKIP_BROWSER=1 skips browser tests deliberately (never in CI).
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// StepTimeout bounds one step of a browser test.
const StepTimeout = 20 * time.Second

// ExecPath finds Chromium: $MOTCUA_CHROMIUM, then the usual names on PATH.
func ExecPath(t testing.TB) string {
	t.Helper()
	if os.Getenv("MOTCUA_SKIP_BROWSER") == "1" {
		t.Skip("MOTCUA_SKIP_BROWSER=1: browser tests skipped")
	}
	if p := os.Getenv("MOTCUA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("no Chromium found: install it (sudo apt-get install chromium), set MOTCUA_CHROMIUM, or set MOTCUA_SKIP_BROWSER=1 to skip browser tests")
	return ""
}

// Browser is one headless Chromium process; each Tab is a window in it.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// New starts Chromium for the test and stops it at cleanup.
func New(t testing.TB) *Browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(ExecPath(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// No timeout on the first run's context: it owns the browser process.
	ctx, cancelBrowser := chromedp.NewContext(actx)
	if err := chromedp.Do(ctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		t.Fatalf("start chromium: %v", err)
	}
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	return &Browser{t: t, ctx: ctx}
}

// Tab opens a new tab with the given viewport.
func (b *Browser) Tab(width, height int64) context.Context {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		b.t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// Do runs actions in a tab within StepTimeout and fails the test on error, naming the step.
func Do(t testing.TB, ctx context.Context, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// Eval evaluates a JavaScript expression in a tab and returns its value.
func Eval[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// BeforeLoad runs script in every document the tab loads from now on, before
// the page's own scripts: a test stubs what a headless browser lacks (a
// voice, a printer) or puts the page's clock under its control.
func BeforeLoad(script string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
		return err
	})
}

// EvalAsync evaluates a JavaScript expression that gives a promise and
// returns what the promise resolves to; a rejection fails the test.
func EvalAsync[T any](t testing.TB, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// WaitFor polls a JavaScript expression until it is truthy, within StepTimeout.
func WaitFor(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr)); err != nil {
		t.Fatalf("waiting for %s (%s): %v", what, expr, err)
	}
}

// WaitThroughReload is WaitFor for a page that reloads itself meanwhile: an
// evaluation cut short by the navigation is tried again.
func WaitThroughReload(t testing.TB, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(StepTimeout)
	var last error
	for time.Now().Before(deadline) {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(cctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond) // polling the browser, as chromedp.Poll does
	}
	t.Fatalf("waiting for %s (%s): not true within %v (last error: %v)", what, expr, StepTimeout, last)
}

// ScreenshotDir is where screenshots go: $MOTCUA_SCREENSHOTS, or a folder
// under the system temp dir that outlives the test for a look afterwards.
func ScreenshotDir() string {
	if d := os.Getenv("MOTCUA_SCREENSHOTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "motcua-screenshots")
}

// Screenshot saves the tab's viewport as name.png and returns the path.
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := ScreenshotDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}
