package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// bodyReader sends strings as they are and anything else as JSON.
func bodyReader(body any) io.Reader {
	switch b := body.(type) {
	case nil:
		return nil
	case string:
		return bytes.NewReader([]byte(b))
	default:
		raw, _ := json.Marshal(b)
		return bytes.NewReader(raw)
	}
}
