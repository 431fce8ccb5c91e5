package ui

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/a-h/templ"
	"github.com/yuin/goldmark"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// runbook is one section of the built-in runbooks, rendered.
type runbook struct {
	Name string
	HTML templ.Component
}

// runbookSet is the built-in runbooks in file order, and by name.
type runbookSet struct {
	list   []runbook
	byName map[string]runbook
}

// runbooks are rendered once, on first use: they are compiled in.
var runbooks = sync.OnceValues(func() (runbookSet, error) { return parseRunbooks(builtin.Runbooks) })

// parseRunbooks splits the runbooks file at its "## Name" headings and
// renders each section's Markdown. goldmark's default renderer is used
// as is: it drops raw HTML ("<!-- raw HTML omitted -->") and unsafe
// link schemes (javascript:), so a runbook cannot put script or markup
// into a page, whoever edits the file.
func parseRunbooks(src []byte) (runbookSet, error) {
	set := runbookSet{byName: map[string]runbook{}}
	md := goldmark.New()
	var name string
	var body []string
	flush := func() error {
		if name == "" {
			return nil
		}
		var buf bytes.Buffer
		if err := md.Convert([]byte(strings.Join(body, "\n")), &buf); err != nil {
			return fmt.Errorf("runbook %s: %w", name, err)
		}
		rb := runbook{Name: name, HTML: templ.Raw(buf.String())}
		set.list = append(set.list, rb)
		set.byName[name] = rb
		return nil
	}
	for _, line := range strings.Split(string(src), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			if err := flush(); err != nil {
				return set, err
			}
			name, body = strings.TrimSpace(h), nil
			continue
		}
		body = append(body, line)
	}
	return set, flush()
}

// find returns the runbook of an alert, its name matched exactly or,
// for links to the old lower-case anchors, ignoring case.
func (s runbookSet) find(alert string) (runbook, bool) {
	if rb, ok := s.byName[alert]; ok {
		return rb, true
	}
	for _, rb := range s.list {
		if strings.EqualFold(rb.Name, alert) {
			return rb, true
		}
	}
	return runbook{}, false
}

// runbooksIndex serves GET /runbooks: the built-in runbooks.
func (s *Server) runbooksIndex(w http.ResponseWriter, r *http.Request) {
	set, err := runbooks()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, runbooksIndexPage(s.page(r, "Runbooks"), set.list))
}

// runbookPage serves GET /runbooks/{alert}: one built-in runbook.
func (s *Server) runbookPage(w http.ResponseWriter, r *http.Request) {
	set, err := runbooks()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rb, ok := set.find(r.PathValue("alert"))
	if !ok {
		s.fail(w, r, notFound("there is no built-in runbook for "+clip(r.PathValue("alert"), 128)))
		return
	}
	s.render(w, r, http.StatusOK, runbookPageView(s.page(r, rb.Name+" runbook"), rb))
}
