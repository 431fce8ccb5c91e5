package ui

import (
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/version"
)

// statusView is what /status shows about ward itself.
type statusView struct {
	Now               time.Time
	Version, Revision string
	GoVersion         string
	Status            WardStatus
}

// statusPage serves GET /status: version, uptime, configuration and last
// reload, and the TSDB's size.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	v := statusView{Now: s.now(), Version: version.Version, Revision: version.Revision, GoVersion: runtime.Version()}
	if s.deps.Status != nil {
		v.Status = s.deps.Status()
	}
	s.render(w, r, http.StatusOK, statusPageView(s.page(r, "Status"), v))
}

// reloadBanner is the error of the last configuration reload when it
// failed, for the banner admins see on every page; empty otherwise.
func (s *Server) reloadBanner() string {
	if s.deps.LastReload == nil {
		return ""
	}
	if st := s.deps.LastReload(); !st.OK {
		if st.Err == "" {
			return "the configuration reload failed"
		}
		return st.Err
	}
	return ""
}

// retentionText says how long and how much the TSDB keeps.
func retentionText(st WardStatus) string {
	s := "time " + model.Duration(st.Retention).String()
	if st.RetentionSize > 0 {
		s += ", size " + bytesText(st.RetentionSize)
	} else {
		s += ", no size bound"
	}
	return s
}

// versionText is ward's version, revision and Go version; a build
// without version information (go run, go test) says so.
func versionText(v statusView) string {
	s := v.Version
	if s == "" {
		s = "development build"
	}
	if v.Revision != "" {
		s += ", revision " + v.Revision
	}
	return s + ", " + v.GoVersion
}
