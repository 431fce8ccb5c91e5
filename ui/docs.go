package ui

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"

	"github.com/ward-monitoring/ward"
)

// readmeHTML is ward's README rendered once. Headings get ids
// ("## Health checks" → #health-checks), which the console's links to
// sections use. goldmark's default renderer drops raw HTML and unsafe
// link schemes.
var readmeHTML = sync.OnceValues(func() (templ.Component, error) {
	md := goldmark.New(goldmark.WithExtensions(extension.Table), goldmark.WithParserOptions(parser.WithAutoHeadingID()))
	var buf bytes.Buffer
	if err := md.Convert(ward.README, &buf); err != nil {
		return nil, err
	}
	return templ.Raw(buf.String()), nil
})

// docsPage serves GET /docs: the README ward was built with.
func (s *Server) docsPage(w http.ResponseWriter, r *http.Request) {
	html, err := readmeHTML()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, docsPageView(s.page(r, "Documentation"), html))
}

// exampleConfig serves GET /docs/config.example.yaml as text.
func (s *Server) exampleConfig(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(ward.ExampleConfig)
}
