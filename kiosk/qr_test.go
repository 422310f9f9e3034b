package kiosk_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"regexp"
	"strconv"
	"testing"

	"github.com/motcua/motcua/internal/qrtest"
	"github.com/motcua/motcua/server/servertest"
)

// rasterizeSVG draws the unit squares of the hub's SVG QR (one path of
// "M x y h n v1 h-n z" runs) at scale pixels per module. It reads the
// geometry independently of the code that wrote it.
func rasterizeSVG(t *testing.T, svg []byte, scale int) image.Image {
	t.Helper()
	vb := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindSubmatch(svg)
	if vb == nil {
		t.Fatalf("no viewBox in %.100s", svg)
	}
	n, _ := strconv.Atoi(string(vb[1]))
	img := image.NewGray(image.Rect(0, 0, n*scale, n*scale))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	runs := regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllSubmatch(svg, -1)
	if len(runs) == 0 {
		t.Fatalf("no modules in the SVG")
	}
	for _, r := range runs {
		x, _ := strconv.Atoi(string(r[1]))
		y, _ := strconv.Atoi(string(r[2]))
		w, _ := strconv.Atoi(string(r[3]))
		for py := y * scale; py < (y+1)*scale; py++ {
			for px := x * scale; px < (x+w)*scale; px++ {
				img.SetGray(px, py, color.Gray{0})
			}
		}
	}
	return img
}

func TestTicketQRCodesDecodeToTrackURL(t *testing.T) {
	env := servertest.New(t)
	tk := env.Issue(1, false)

	status, body := env.Raw("GET", "/api/v1/tickets/"+tk.Token+"/qr.png", "", nil)
	if status != 200 {
		t.Fatalf("qr.png: got %d, want 200", status)
	}
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("qr.png is not a PNG: %v", err)
	}
	if got := qrtest.Decode(t, img); got != tk.TrackURL {
		t.Errorf("PNG QR: got %q, want track_url %q", got, tk.TrackURL)
	}

	status, body = env.Raw("GET", "/api/v1/tickets/"+tk.Token+"/qr.svg", "", nil)
	if status != 200 {
		t.Fatalf("qr.svg: got %d, want 200", status)
	}
	if got := qrtest.Decode(t, rasterizeSVG(t, body, 4)); got != tk.TrackURL {
		t.Errorf("SVG QR: got %q, want track_url %q", got, tk.TrackURL)
	}
}
