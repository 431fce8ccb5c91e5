package ui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

// static holds ward's own script and style sheet and, under
// static/uplot/, the vendored uPlot (scripts/vendor-npm.sh; its LICENSE
// and VERSION sit beside it).
//
//go:embed static
var staticFS embed.FS

// servedExt are the kinds of static file ward serves; the licence and
// version files are embedded for the record, not served.
var servedExt = map[string]bool{".js": true, ".css": true, ".svg": true, ".png": true}

// assets serves the embedded static files under content-hashed names
// (ward.css as ward.1a2b3c4d5e.css), so that they can be cached for a
// year and a new build is never served a stale copy.
type assets struct {
	byName map[string]string // ward.css -> /static/ward.<hash>.css
	byHash map[string]asset  // ward.<hash>.css -> content
}

type asset struct {
	body        []byte
	gzipped     []byte // nil when gzip does not make it smaller
	contentType string
}

// newAssets indexes every served file under static/ by its path
// relative to static/ ("ward.css", "uplot/uPlot.min.css") and
// compresses the text ones once, at start.
func newAssets() *assets {
	a := &assets{byName: map[string]string{}, byHash: map[string]asset{}}
	// The directory is embedded at build time; the walk cannot fail.
	_ = fs.WalkDir(staticFS, "static", func(name string, d fs.DirEntry, err error) error {
		ext := path.Ext(name)
		if err != nil || d.IsDir() || !servedExt[ext] {
			return err
		}
		body, err := staticFS.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		base := path.Base(name)
		hashed := strings.TrimSuffix(base, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[strings.TrimPrefix(name, "static/")] = "/static/" + hashed
		a.byHash[hashed] = asset{body: body, gzipped: gzipOf(body), contentType: mime.TypeByExtension(ext)}
		return nil
	})
	return a
}

// gzipOf returns body gzipped, or nil when that saves nothing.
func gzipOf(body []byte) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if b.Len() >= len(body) {
		return nil
	}
	return b.Bytes()
}

// path returns the URL of the static file name (relative to static/).
func (a *assets) path(name string) string { return a.byName[name] }

// static serves GET /static/{file}.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.byHash[r.PathValue("file")]
	if !ok {
		s.fail(w, r, notFound("no such asset"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Add("Vary", "Accept-Encoding")
	if f.gzipped != nil && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		_, _ = w.Write(f.gzipped)
		return
	}
	_, _ = w.Write(f.body)
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip
// (RFC 9110 12.5.3): named, or "*", with a q-value above 0.
func acceptsGzip(r *http.Request) bool {
	ok := false
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		if coding == "gzip" {
			return q > 0 // an explicit gzip entry wins over "*"
		}
		ok = q > 0
	}
	return ok
}
