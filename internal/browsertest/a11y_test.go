package browsertest

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The checks find what they are meant to find on a page built to fail them,
// and nothing on the parts built to pass.
func TestAccessibilityChecks(t *testing.T) {
	const html = `<!doctype html><html lang="vi"><head><style>
  body { background: #fff; color: #111; font-size: 1rem; }
  .grey { color: #aaa; }
  .big { color: #888; font-size: 30px; }
  .dark { background: #123; color: #fff; }
  .veil { background: rgba(0, 0, 0, 0.5); }
  .box { width: 5rem; overflow: hidden; white-space: nowrap; }
</style></head><body>
  <button id="ok">Gọi tiếp</button>
  <button id="labelled" aria-label="Đóng"><svg width="10" height="10"></svg></button>
  <button id="empty"><svg width="10" height="10"></svg></button>
  <span id="lbl">Tìm</span><button id="by" aria-labelledby="lbl"></button>
  <button id="hidden-empty" hidden></button>
  <section hidden><button id="in-hidden"></button></section>
  <p class="grey">chữ xám nhạt</p>
  <p class="big">chữ lớn xám</p>
  <div class="dark"><p>chữ trắng trên nền tối</p></div>
  <div class="dark"><div class="veil"><p style="color:#222">chữ tối dưới lớp mờ</p></div></div>
  <button disabled class="grey">nút tắt</button>
  <div style="width: 6rem" id="spill"><span style="white-space: nowrap">Nội vụ – Lao động, việc làm và người có công</span></div>
  <div class="box" id="clip">Thủ tục đăng ký khai sinh <label style="position:absolute;width:1px;height:1px;overflow:hidden">chỉ cho trình đọc màn hình</label></div>
</body></html>`
	b := New(t)
	tab := b.Tab(800, 600)
	Do(t, tab, "open the test page", chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(html)))

	ax := UnnamedControls(t, tab)
	if len(ax) != 1 || !strings.Contains(ax[0], `id="empty"`) {
		t.Errorf("UnnamedControls: got %q, want only #empty", ax)
	}
	js := UnnamedButtons(t, tab)
	if len(js) != 2 || !strings.Contains(js[0], `id="empty"`) || !strings.Contains(js[1], `id="in-hidden"`) {
		t.Errorf("UnnamedButtons: got %q, want #empty and #in-hidden on a hidden screen", js)
	}

	issues := LowContrastText(t, tab)
	got := map[string]ContrastIssue{}
	for _, c := range issues {
		got[c.Text] = c
	}
	if len(issues) != 2 {
		t.Errorf("LowContrastText: got %d issues %v, want 2", len(issues), issues)
	}
	if c, ok := got["chữ xám nhạt"]; !ok || c.Need != 4.5 || c.Ratio > 2.4 || c.Ratio < 2.2 {
		t.Errorf("#aaa on white: got %+v, want about 2.32:1 against 4.5", c)
	}
	if c, ok := got["chữ lớn xám"]; ok { // #888 on white is 3.54:1: enough for large text
		t.Errorf("#888 at 30px: reported %v, want it to pass as large text", c)
	}
	if _, ok := got["chữ tối dưới lớp mờ"]; !ok {
		t.Errorf("dark text under a dark veil over a dark box: not reported, want reported (got %v)", issues)
	}
	if _, ok := got["nút tắt"]; ok {
		t.Errorf("a disabled button's text was reported; WCAG exempts inactive controls")
	}

	if clipped := ClippedText(t, tab, "#clip"); len(clipped) != 1 {
		t.Errorf("ClippedText(#clip): got %q, want the clipped procedure name", clipped)
	}
	if spilled := ClippedText(t, tab, "#spill"); len(spilled) != 1 || !strings.Contains(spilled[0], "spills out") {
		t.Errorf("ClippedText(#spill): got %q, want the name sticking out of its box", spilled)
	}
	if fine := ClippedText(t, tab, "p.grey"); len(fine) != 0 {
		t.Errorf("ClippedText(p.grey): got %q, want nothing", fine)
	}
	Do(t, tab, "larger default font", SetDefaultFontSize(32), chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(html)))
	if px := Eval[float64](t, tab, `parseFloat(getComputedStyle(document.body).fontSize)`); px != 32 {
		t.Errorf("body font size after SetDefaultFontSize(32): got %v px, want 32", px)
	}
}
