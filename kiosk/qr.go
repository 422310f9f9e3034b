package kiosk

import (
	"bytes"
	"container/list"
	"image/png"
	"net/http"
	"strconv"
	"sync"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/motcua/motcua/web"
)

// QRPNG handles GET /api/v1/tickets/{token}/qr.png.
func (h *Handler) QRPNG(w http.ResponseWriter, r *http.Request) {
	h.serveQR(w, r, "image/png", QRPNG)
}

// QRSVG handles GET /api/v1/tickets/{token}/qr.svg: vector, so a thermal
// printer head draws sharp modules at any size.
func (h *Handler) QRSVG(w http.ResponseWriter, r *http.Request) {
	h.serveQR(w, r, "image/svg+xml", QRSVG)
}

// serveQR answers with the ticket's QR code in one format. A ticket's code
// never changes, and a kiosk fetches it again to reprint and a phone to
// show it, so the encoded image is kept in a small cache.
func (h *Handler) serveQR(w http.ResponseWriter, r *http.Request, contentType string, encode func(string) ([]byte, error)) {
	tk, err := h.ticket(r)
	if err != nil {
		web.Error(w, r, err)
		return
	}
	content := h.Clients.URL(r, "/t/"+tk.Token)
	key := contentType + " " + content // the URL's host follows the request
	img, ok := h.qrCodes.get(key)
	if !ok {
		if img, err = encode(content); err != nil {
			web.Error(w, r, err)
			return
		}
		h.qrCodes.add(key, img)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(img)
}

// qrSize is the side of the PNG in pixels: about 8 per module for a track URL.
const qrSize = 256

// pngBuffers lets PNG encodings share the compressor's buffers, which are
// most of an encoding's allocations.
var pngBuffers pngBufferPool

type pngBufferPool struct{ pool sync.Pool }

func (p *pngBufferPool) Get() *png.EncoderBuffer {
	b, _ := p.pool.Get().(*png.EncoderBuffer)
	return b
}

func (p *pngBufferPool) Put(b *png.EncoderBuffer) { p.pool.Put(b) }

// QRPNG draws content as a qrSize-pixel PNG QR code (medium error
// correction). The fastest compression is enough: a two-colour image of
// large squares compresses well at any level.
func QRPNG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: &pngBuffers}
	if err := enc.Encode(&out, q.Image(qrSize)); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// QRSVG draws content as an SVG QR code: one path of unit squares, with the
// quiet zone the library includes.
func QRSVG(content string) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bits := q.Bitmap()
	n := len(bits)
	b := make([]byte, 0, 4096)
	b = append(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 `...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" shape-rendering="crispEdges"><rect width="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" height="`...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, `" fill="#fff"/><path fill="#000" d="`...)
	for y, row := range bits {
		for x := 0; x < len(row); x++ {
			if !row[x] {
				continue
			}
			run := 1
			for x+run < len(row) && row[x+run] {
				run++
			}
			// M{x} {y}h{run}v1h-{run}z
			b = append(b, 'M')
			b = strconv.AppendInt(b, int64(x), 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(y), 10)
			b = append(b, 'h')
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, "v1h-"...)
			b = strconv.AppendInt(b, int64(run), 10)
			b = append(b, 'z')
			x += run - 1
		}
	}
	return append(b, `"/></svg>`...), nil
}

// qrCache keeps the most recently used encoded QR codes, up to
// qrCacheSize (a few MiB at most). The zero value is ready to use.
type qrCache struct {
	mu      sync.Mutex
	entries map[string]*list.Element // of *qrEntry
	recent  list.List                // most recently used first
}

type qrEntry struct {
	key string
	img []byte
}

const qrCacheSize = 1024

func (c *qrCache) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok {
		return nil, false
	}
	c.recent.MoveToFront(e)
	return e.Value.(*qrEntry).img, true
}

func (c *qrCache) add(key string, img []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]*list.Element)
	}
	if e, ok := c.entries[key]; ok { // encoded twice at once: keep one
		c.recent.MoveToFront(e)
		return
	}
	c.entries[key] = c.recent.PushFront(&qrEntry{key, img})
	if c.recent.Len() > qrCacheSize {
		oldest := c.recent.Back()
		c.recent.Remove(oldest)
		delete(c.entries, oldest.Value.(*qrEntry).key)
	}
}
