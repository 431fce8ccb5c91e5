package promapi

import (
	"log/slog"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	apiv1 "github.com/prometheus/prometheus/web/api/v1"

	"github.com/ward-monitoring/ward/ui"
)

// TestOpenAPIDescriptionIsSmall checks that the OpenAPI description
// apiv1.NewAPI builds from ward's options describes no path, and keeps
// far less memory than the full one, while ward routes no OpenAPI
// endpoint that could serve it.
func TestOpenAPIDescriptionIsSmall(t *testing.T) {
	for _, r := range ui.PrometheusAPIRoutes() {
		if strings.Contains(r, "openapi") {
			t.Fatalf("ward routes %q: the description must then keep its paths", r)
		}
	}
	build := func(o apiv1.OpenAPIOptions) (yaml string, kept int64) {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		b := apiv1.NewOpenAPIBuilder(o, slog.New(slog.DiscardHandler))
		runtime.GC()
		runtime.ReadMemStats(&after)
		rec := httptest.NewRecorder()
		b.ServeOpenAPI(rec, httptest.NewRequest("GET", "/api/v1/openapi.yaml", nil))
		return rec.Body.String(), int64(after.HeapAlloc) - int64(before.HeapAlloc)
	}
	full, fullKept := build(apiv1.OpenAPIOptions{ExternalURL: "http://ward.example/"})
	small, smallKept := build(openAPIOptions("http://ward.example/"))
	t.Logf("OpenAPI description: full %d bytes of YAML, %d bytes of heap kept; ward's %d and %d", len(full), fullKept, len(small), smallKept)
	if !strings.Contains(full, "/query_range:") {
		t.Fatalf("the full description lacks /query_range; has apiv1 changed?\n%.500s", full)
	}
	if strings.Contains(small, "/query_range:") || strings.Contains(small, "/series:") {
		t.Errorf("ward's description still lists paths:\n%.500s", small)
	}
	if 2*len(small) > len(full) {
		t.Errorf("ward's description is %d bytes, want under half of the full %d", len(small), len(full))
	}
}
