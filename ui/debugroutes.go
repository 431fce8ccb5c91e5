package ui

import (
	"bytes"
	"net/http"
	"runtime"
	"runtime/pprof"
	"strconv"
)

// debugProfiles are the runtime profiles GET /debug/pprof/{profile}
// serves, as Prometheus serves them under the same path: heap and allocs
// for memory work (issue 15), goroutine, mutex, block and threadcreate for
// stuck servers. The CPU profile and trace are left out: they hold a
// request open for their whole duration.
var debugProfiles = map[string]bool{
	"heap": true, "allocs": true, "goroutine": true,
	"mutex": true, "block": true, "threadcreate": true,
}

// debugRoutes serve the Go runtime's profiles to admins (fetch with an
// admin API token, read with go tool pprof). A profile names functions
// and allocation sites, never data.
func (s *Server) debugRoutes() []endpoint {
	return []endpoint{
		admin(kindAPI, "GET /debug/pprof/{profile}", http.HandlerFunc(s.debugProfile)),
	}
}

// debugProfile serves one profile in pprof's format; ?debug=1 or 2 for
// text, ?gc=1 to collect garbage first (heap), as net/http/pprof does.
// runtime/pprof directly: net/http/pprof would register its handlers on
// http.DefaultServeMux in its init.
func (s *Server) debugProfile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("profile")
	p := pprof.Lookup(name)
	if !debugProfiles[name] || p == nil {
		http.Error(w, "profile: unknown; one of heap, allocs, goroutine, mutex, block, threadcreate", http.StatusNotFound)
		return
	}
	debug := 0
	if v := r.FormValue("debug"); v != "" {
		d, err := strconv.Atoi(v)
		if err != nil || d < 0 || d > 2 {
			http.Error(w, "debug: must be 0, 1 or 2", http.StatusBadRequest)
			return
		}
		debug = d
	}
	if name == "heap" && r.FormValue("gc") == "1" {
		runtime.GC()
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, debug); err != nil {
		s.logger.Error("writing a profile", "profile", name, "err", err)
		http.Error(w, "could not write the profile", http.StatusInternalServerError)
		return
	}
	if debug == 0 {
		w.Header().Set("Content-Type", "application/octet-stream")
	} else {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(buf.Bytes())
}
