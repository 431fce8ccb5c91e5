package ui

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assets serves the embedded static files under content-hashed names
// (ward.css as ward.1a2b3c4d5e.css), so that they can be cached for a
// year and a new build is never served a stale copy.
type assets struct {
	byName map[string]string // ward.css -> /static/ward.<hash>.css
	byHash map[string]asset  // ward.<hash>.css -> content
}

type asset struct {
	body        []byte
	contentType string
}

func newAssets() *assets {
	a := &assets{byName: map[string]string{}, byHash: map[string]asset{}}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		// The directory is embedded at build time; it cannot be missing.
		return a
	}
	for _, e := range entries {
		body, err := staticFS.ReadFile("static/" + e.Name())
		if err != nil {
			continue
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:5]) + ext
		a.byName[e.Name()] = "/static/" + hashed
		a.byHash[hashed] = asset{body: body, contentType: mime.TypeByExtension(ext)}
	}
	return a
}

// path returns the URL of the static file name.
func (a *assets) path(name string) string { return a.byName[name] }

// static serves GET /static/{file}.
func (s *Server) static(w http.ResponseWriter, r *http.Request) {
	f, ok := s.assets.byHash[r.PathValue("file")]
	if !ok {
		s.fail(w, r, notFound("no such asset"))
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(f.body)
}
