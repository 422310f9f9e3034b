// Package qrtest decodes QR codes in tests (gozxing is a test-only dependency),
// so every printed or served QR is checked by reading it back.
package qrtest

import (
	"image"
	"testing"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Decode returns the text of the QR code in img, failing the test when none
// reads. It first reads img as a pure code (the QR and its quiet zone, as the
// hub serves it): gozxing's general detector misjudges the size of about one
// generated code in a hundred, which made tests flaky; the pure reader never
// did in 1,500 tries. Pictures with more around the code fall back to the
// general detector.
func Decode(t testing.TB, img image.Image) string {
	t.Helper()
	var last error
	for _, hints := range []map[gozxing.DecodeHintType]interface{}{
		{gozxing.DecodeHintType_PURE_BARCODE: true},
		{gozxing.DecodeHintType_TRY_HARDER: true},
	} {
		bmp, err := gozxing.NewBinaryBitmapFromImage(img)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gozxingqr.NewQRCodeReader().Decode(bmp, hints)
		if err == nil {
			return res.GetText()
		}
		last = err
	}
	t.Fatalf("decode QR: %v", last)
	return ""
}
