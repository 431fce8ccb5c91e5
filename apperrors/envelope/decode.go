package envelope

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// MaxCompressedBytes bounds a request body as sent: the decompressed
// limit and room for the framing of an incompressible body.
const MaxCompressedBytes = MaxRequestBytes + 64<<10

// Decode reads body (at most MaxCompressedBytes of it) and undoes
// encoding, the request's Content-Encoding: gzip, deflate (zlib, or raw
// deflate as some clients send it) or identity. The output is capped at
// MaxRequestBytes while it is read, so a zip bomb stops there: 413.
// Other encodings are 415.
func Decode(body io.Reader, encoding string) ([]byte, error) {
	enc := strings.ToLower(strings.TrimSpace(encoding))
	switch enc {
	case "", "identity", "gzip", "x-gzip", "deflate":
	default:
		return nil, &Error{Status: http.StatusUnsupportedMediaType,
			Reason: fmt.Sprintf("Content-Encoding %q is not supported (want gzip, deflate or identity)", encoding)}
	}
	raw, err := io.ReadAll(io.LimitReader(body, MaxCompressedBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge("body exceeds %d bytes", mbe.Limit)
		}
		return nil, badRequest("reading the body: %v", err)
	}
	if len(raw) > MaxCompressedBytes {
		return nil, tooLarge("body exceeds %d bytes", MaxCompressedBytes)
	}
	switch enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, badRequest("Content-Encoding gzip: %v", err)
		}
		return readCapped(zr, "gzip")
	case "deflate":
		// RFC 9110's deflate is zlib-wrapped; some clients send raw
		// deflate. A zlib stream starts with a header whose two bytes
		// are a multiple of 31.
		if len(raw) >= 2 && raw[0]&0x0f == 8 && (uint16(raw[0])<<8|uint16(raw[1]))%31 == 0 {
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				return nil, badRequest("Content-Encoding deflate: %v", err)
			}
			return readCapped(zr, "deflate")
		}
		return readCapped(flate.NewReader(bytes.NewReader(raw)), "deflate")
	}
	if len(raw) > MaxRequestBytes {
		return nil, tooLarge("request of %d bytes exceeds %d bytes", len(raw), MaxRequestBytes)
	}
	return raw, nil
}

// readCapped reads a decompressor to its end, stopping at
// MaxRequestBytes.
func readCapped(r io.ReadCloser, name string) ([]byte, error) {
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, MaxRequestBytes+1))
	if len(out) > MaxRequestBytes {
		return nil, tooLarge("request exceeds %d bytes decompressed", MaxRequestBytes)
	}
	if err != nil {
		return nil, badRequest("Content-Encoding %s: %v", name, err)
	}
	return out, nil
}
