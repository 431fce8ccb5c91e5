package ui

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestAcceptsGzip: gzip only where the client allows it, q-values read
// as numbers.
func TestAcceptsGzip(t *testing.T) {
	for h, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"gzip, deflate, br":     true,
		"br;q=1.0, gzip;q=0.8":  true,
		"GZIP":                  true,
		"gzip;q=0":              false,
		"gzip;q=0.0":            false,
		"gzip; q=0.000":         false,
		"gzip;Q=0":              false,
		"gzip;q=bogus":          false,
		"*":                     true,
		"*;q=0":                 false,
		"*, gzip;q=0":           false,
		"gzip;q=0.001":          true,
		"identity":              false,
		"deflate, x-gzip;q=1.0": false,
	} {
		r := httptest.NewRequest("GET", "/static/x.js", nil)
		r.Header.Set("Accept-Encoding", h)
		if got := acceptsGzip(r); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", h, got, want)
		}
	}
}

// TestAssetsVendored: uPlot is served from its subdirectory under a
// hashed name, compressed; the licence and version files are not served.
func TestAssetsVendored(t *testing.T) {
	a := newAssets()
	for _, name := range []string{"ward.js", "ward.css", "graphs.js", "graphs-format.js", "uplot/uPlot.iife.min.js", "uplot/uPlot.min.css"} {
		u := a.path(name)
		f, ok := a.byHash[strings.TrimPrefix(u, "/static/")]
		if u == "" || !ok {
			t.Errorf("%s: not served (%q)", name, u)
			continue
		}
		if f.gzipped == nil || len(f.gzipped) >= len(f.body) {
			t.Errorf("%s: not compressed", name)
		}
	}
	for _, name := range []string{"uplot/LICENSE", "uplot/VERSION"} {
		if u := a.path(name); u != "" {
			t.Errorf("%s is served at %s", name, u)
		}
	}
}
