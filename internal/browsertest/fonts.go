package browsertest

import (
	"context"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/css"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/chromedp"
)

// PlatformFonts reads which platform fonts rendered the text of every
// element that selector matches (CSS.getPlatformFontsForNode, which counts
// the glyphs of each element's own text nodes): family name → glyphs. A
// glyph missing from the font the page asked for shows up here under the
// fallback font that drew it.
func PlatformFonts(t testing.TB, ctx context.Context, selector string) map[string]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, StepTimeout)
	defer cancel()
	out := map[string]float64{}
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		doc, err := cdp.Call(ctx, tg, dom.GetDocument, dom.GetDocumentParams{})
		if err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, tg, css.Enable, cdp.Empty{}); err != nil {
			return err
		}
		nodes, err := cdp.Call(ctx, tg, dom.QuerySelectorAll, dom.QuerySelectorAllParams{NodeID: doc.Root.NodeID, Selector: selector})
		if err != nil {
			return err
		}
		for _, id := range nodes.NodeIDs {
			res, err := cdp.Call(ctx, tg, css.GetPlatformFontsForNode, css.GetPlatformFontsForNodeParams{NodeID: id})
			if err != nil {
				return err
			}
			for _, f := range res.Fonts {
				out[f.FamilyName] += f.GlyphCount
			}
		}
		return nil
	}))
	if err != nil {
		t.Fatalf("read the platform fonts of %s: %v", selector, err)
	}
	return out
}
