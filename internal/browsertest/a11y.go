package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/accessibility"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// namedRoles are the roles of controls a person operates: each must say what
// it does to a screen reader (WCAG 4.1.2).
var namedRoles = map[string]bool{
	"button": true, "link": true, "checkbox": true, "radio": true, "textbox": true,
	"searchbox": true, "combobox": true, "spinbutton": true, "menuitem": true, "tab": true, "switch": true,
}

// UnnamedControls asks Chromium's accessibility tree which controls rendered
// in the tab now have no accessible name, and describes each by its role and
// the start of its HTML. It reads the tree a screen reader reads, so
// aria-label, aria-labelledby, <label for>, title and text content all count
// the way they count for a blind citizen; hidden screens are not in it.
func UnnamedControls(t testing.TB, tab context.Context) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, StepTimeout)
	defer cancel()
	out, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]string, error) {
		tree, err := cdp.Call(ctx, tg, accessibility.GetFullAXTree, accessibility.GetFullAXTreeParams{})
		if err != nil {
			return nil, fmt.Errorf("accessibility tree: %w", err)
		}
		var unnamed []string
		for _, n := range tree.Nodes {
			if n.Ignored || n.Role == nil {
				continue
			}
			role := axString(n.Role)
			if !namedRoles[role] || strings.TrimSpace(axString(n.Name)) != "" {
				continue
			}
			where := fmt.Sprintf("backend node %d", n.BackendDOMNodeID)
			if n.BackendDOMNodeID != 0 {
				html, err := cdp.Call(ctx, tg, dom.GetOuterHTML, dom.GetOuterHTMLParams{BackendNodeID: n.BackendDOMNodeID})
				if err == nil {
					where = shorten(html.OuterHTML, 120)
				}
			}
			unnamed = append(unnamed, role+": "+where)
		}
		return unnamed, nil
	})
	if err != nil {
		t.Fatalf("unnamed controls: %v", err)
	}
	return out
}

// UnnamedButtons is the same check in the page's own script, over every
// <button> and [role=button] in the DOM, shown or not: text content,
// aria-label, aria-labelledby (ids whose text is not empty) or title. It
// catches buttons of screens the test never opens. A button that is itself
// hidden is skipped: pages fill such buttons when they show them (a reprint
// button naming the last ticket), and UnnamedControls sees them then.
func UnnamedButtons(t testing.TB, tab context.Context) []string {
	t.Helper()
	return Eval[[]string](t, tab, `(function () {
  function text(e) { return (e && e.textContent || '').replace(/[\s\u2060\u200b]+/g, ''); }
  return Array.from(document.querySelectorAll('button, [role="button"], input[type="button"], input[type="submit"]')).filter(function (b) {
    if (b.hidden || text(b)) return false;
    if ((b.getAttribute('aria-label') || '').trim()) return false;
    if ((b.getAttribute('title') || '').trim()) return false;
    if (b.tagName === 'INPUT' && (b.value || '').trim()) return false;
    var ids = (b.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    if (ids.some(function (id) { return text(document.getElementById(id)); })) return false;
    return true;
  }).map(function (b) { return b.outerHTML.slice(0, 120); });
})()`)
}

// ContrastIssue is one piece of text that a person with low vision may not
// read: its color against the background behind it is below WCAG AA.
type ContrastIssue struct {
	Text       string  `json:"text"`
	Element    string  `json:"element"`
	Color      string  `json:"color"`
	Background string  `json:"background"`
	Ratio      float64 `json:"ratio"`
	Need       float64 `json:"need"`
	FontSize   float64 `json:"font_size"`
	Bold       bool    `json:"bold"`
}

func (c ContrastIssue) String() string {
	return fmt.Sprintf("%q (%s, %.0fpx%s): %s on %s is %.2f:1, want %.1f:1",
		c.Text, c.Element, c.FontSize, map[bool]string{true: " bold"}[c.Bold], c.Color, c.Background, c.Ratio, c.Need)
}

// contrastScript measures every visible element that holds text of its own
// (text nodes directly inside it), with animations and transitions switched
// off so the resting look is measured, not a frame of a flash. The
// background is the first ancestor's background-color that is not
// transparent, blended down through semi-transparent ones onto white (the
// canvas); opacity of the element and its ancestors blends the text toward
// that background. Background images are not measured (none of our pages use
// them behind text). Disabled controls are exempt, as WCAG 1.4.3 exempts
// inactive components.
const contrastScript = `(function () {
  var style = document.createElement('style');
  style.textContent = '*, *::before, *::after { animation: none !important; transition: none !important; }';
  document.head.appendChild(style);
  try {
    function parse(c) {
      var m = /rgba?\(([^)]+)\)/.exec(c || '');
      if (!m) return null;
      var p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
      return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
    }
    function over(top, bottom) { // top composited over an opaque bottom
      return { r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
               b: top.b * top.a + bottom.b * (1 - top.a), a: 1 };
    }
    function lum(c) {
      function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
      return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
    }
    function css(c) { return 'rgb(' + Math.round(c.r) + ', ' + Math.round(c.g) + ', ' + Math.round(c.b) + ')'; }
    function background(e) {
      var layers = [];
      for (var n = e; n && n.nodeType === 1; n = n.parentElement) {
        var bg = parse(getComputedStyle(n).backgroundColor);
        if (bg && bg.a > 0) { layers.push(bg); if (bg.a >= 1) break; }
      }
      var c = { r: 255, g: 255, b: 255, a: 1 };
      for (var i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
      return c;
    }
    function opacity(e) {
      var o = 1;
      for (var n = e; n && n.nodeType === 1; n = n.parentElement) o *= parseFloat(getComputedStyle(n).opacity);
      return o;
    }
    function visible(e) {
      var s = getComputedStyle(e);
      if (s.visibility !== 'visible' || s.display === 'none') return false;
      var r = e.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1) return false; // empty, or for screen readers only
      if (r.bottom < 0 || r.right < 0 || r.top > innerHeight || r.left > innerWidth) return false;
      for (var n = e; n && n.nodeType === 1; n = n.parentElement) {
        if (n.hidden || parseFloat(getComputedStyle(n).opacity) === 0) return false;
      }
      return true;
    }
    var out = [];
    document.querySelectorAll('body *').forEach(function (e) {
      if (/^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|OPTION)$/.test(e.tagName)) return;
      var own = Array.from(e.childNodes).filter(function (n) { return n.nodeType === 3; })
        .map(function (n) { return n.textContent; }).join('').replace(/[\s\u2060\u200b]+/g, ' ').trim();
      if (!own || !visible(e)) return;
      if (e.closest(':disabled, [aria-disabled="true"]')) return;
      var s = getComputedStyle(e);
      var fg = parse(s.color);
      if (!fg) return;
      var bg = background(e);
      var seen = over({ r: fg.r, g: fg.g, b: fg.b, a: fg.a * opacity(e) }, bg);
      var l1 = lum(seen), l2 = lum(bg);
      var ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      var size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
      var need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
      if (ratio + 0.005 < need) {
        var name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
          (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
        out.push({ text: own.slice(0, 60), element: name, color: css(seen), background: css(bg),
                   ratio: Math.round(ratio * 100) / 100, need: need, font_size: size, bold: bold });
      }
    });
    return out;
  } finally {
    style.remove();
  }
})()`

// LowContrastText returns the visible text in the tab whose contrast is
// below WCAG AA (1.4.3): 4.5:1, or 3:1 for large text (24 px, or 18.66 px
// bold).
func LowContrastText(t testing.TB, tab context.Context) []ContrastIssue {
	t.Helper()
	return Eval[[]ContrastIssue](t, tab, contrastScript)
}

// SetDefaultFontSize sets Chromium's default font size in CSS pixels, as a
// person who chose "large" or "very large" text in the system settings does
// (Chromium's default is 16). Pages that size their text in rem or em
// follow it; pages that fix pixel sizes do not.
func SetDefaultFontSize(px int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.SetFontSizes, page.SetFontSizesParams{
			FontSizes: &page.FontSizes{Standard: px, Fixed: px * 13 / 16}})
		return err
	})
}

// ClippedText returns, for the elements matching selector and everything
// inside them, those whose text does not fit: content wider or taller than
// the box while the box hides the overflow (overflow other than visible, or
// text-overflow: ellipsis), and anything inside a matched element that
// sticks out of it sideways. It also reports when the whole page scrolls
// sideways. Call it after the layout settled.
func ClippedText(t testing.TB, tab context.Context, selector string) []string {
	t.Helper()
	sel, _ := json.Marshal(selector)
	return Eval[[]string](t, tab, `(function () {
  var out = [];
  var root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth + ' px');
  function name(e) {
    return e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\s+/).join('.') : '') +
      ' "' + e.textContent.trim().replace(/\s+/g, ' ').slice(0, 40) + '"';
  }
  document.querySelectorAll(`+string(sel)+`).forEach(function (box) {
    var outer = box.getBoundingClientRect();
    if (outer.width > 1) box.querySelectorAll('*').forEach(function (e) {
      var r = e.getBoundingClientRect();
      if (r.width > 1 && (r.left < outer.left - 1 || r.right > outer.right + 1)) {
        out.push(name(e) + ' spills out of ' + name(box) + ': ' + Math.round(r.left) + '–' + Math.round(r.right) +
          ' outside ' + Math.round(outer.left) + '–' + Math.round(outer.right));
      }
    });
    [box].concat(Array.from(box.querySelectorAll('*'))).forEach(function (e) {
      // Text for screen readers only is clipped to 1 px on purpose.
      if (e.clientWidth <= 1 && e.clientHeight <= 1) return;
      var s = getComputedStyle(e);
      var hides = s.overflowX !== 'visible' || s.overflowY !== 'visible' || s.textOverflow === 'ellipsis';
      if (!hides) return;
      var wide = e.scrollWidth > e.clientWidth + 1, tall = e.scrollHeight > e.clientHeight + 1;
      if (wide || tall) {
        out.push(name(e) + ': ' + e.scrollWidth + 'x' + e.scrollHeight + ' in ' + e.clientWidth + 'x' + e.clientHeight);
      }
    });
  });
  return out;
})()`)
}

func axString(v *accessibility.Value) string {
	if v == nil || len(v.Value) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(v.Value, &s); err != nil {
		return string(v.Value)
	}
	return s
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
