package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/model"
)

// The explorer's label browser (issue 11), rendered on the server so
// that it works without JavaScript: metric names (filtered by a
// substring), a chosen metric's label names and a chosen label's values,
// each value a link that puts the selector into the expression. Every
// list comes from ward's own API handler as the user, so under its
// guards.

// Bounds of the label browser.
const (
	maxBrowseItems  = 200 // names or values shown
	maxBrowseFilter = 128 // bytes of the filter
	maxBrowseName   = 256 // bytes of a metric or label name
)

// labelBrowser is the browser's state and lists.
type labelBrowser struct {
	Open          bool
	Filter        string
	Metric, Label string
	Metrics       []browseLink
	MoreMetrics   int
	Labels        []browseLink
	Values        []browseLink
	// MoreValues says that the list was cut at maxBrowseItems.
	MoreValues bool
	Error      string
	// Hidden are the page's parameters the filter form keeps.
	Hidden [][2]string
}

// browseLink is one name or value of the browser.
type browseLink struct {
	Text, Href string
	Current    bool
}

// browseLabels fills the browser from r's browse.* parameters; it reads
// the API only when the browser was opened.
func (s *Server) browseLabels(r *http.Request) labelBrowser {
	q := r.URL.Query()
	b := labelBrowser{
		Filter: strings.TrimSpace(q.Get("browse.filter")),
		Metric: q.Get("browse.metric"),
		Label:  q.Get("browse.label"),
	}
	b.Open = q.Has("browse.filter") || b.Metric != "" || b.Label != ""
	for k, vs := range q {
		if strings.HasPrefix(k, "browse.") {
			continue
		}
		for _, v := range vs {
			b.Hidden = append(b.Hidden, [2]string{k, v})
		}
	}
	sort.Slice(b.Hidden, func(i, j int) bool { return b.Hidden[i][0] < b.Hidden[j][0] })
	if !b.Open {
		return b
	}
	switch {
	case len(b.Filter) > maxBrowseFilter:
		b.Error = fmt.Sprintf("browse.filter: longer than %d bytes", maxBrowseFilter)
		return b
	case len(b.Metric) > maxBrowseName || len(b.Label) > maxBrowseName:
		b.Error = fmt.Sprintf("browse.metric, browse.label: longer than %d bytes", maxBrowseName)
		return b
	case b.Metric != "" && !model.LegacyValidation.IsValidMetricName(b.Metric):
		b.Error = "browse.metric: not a metric name"
		return b
	case b.Label != "" && (b.Metric == "" || !model.LegacyValidation.IsValidLabelName(b.Label)):
		b.Error = "browse.label: not a label name (or no metric chosen)"
		return b
	}

	names, err := s.apiStrings(r, "/api/v1/label/__name__/values", url.Values{})
	if err != nil {
		b.Error = err.Error()
		return b
	}
	n := 0
	for _, name := range names {
		if b.Filter != "" && !strings.Contains(name, b.Filter) {
			continue
		}
		if n++; n > maxBrowseItems {
			continue
		}
		b.Metrics = append(b.Metrics, browseLink{Text: name, Href: browseHref(r, b.Filter, name, ""), Current: name == b.Metric})
	}
	b.MoreMetrics = max(n-maxBrowseItems, 0)
	if b.Metric == "" {
		return b
	}

	match := url.Values{"match[]": {b.Metric}, "limit": {strconv.Itoa(maxBrowseItems + 1)}}
	labels, err := s.apiStrings(r, "/api/v1/labels", match)
	if err != nil {
		b.Error = err.Error()
		return b
	}
	for _, l := range labels {
		if l == model.MetricNameLabel {
			continue
		}
		b.Labels = append(b.Labels, browseLink{Text: l, Href: browseHref(r, b.Filter, b.Metric, l), Current: l == b.Label})
	}
	b.Labels = b.Labels[:min(len(b.Labels), maxBrowseItems)]
	if b.Label == "" {
		return b
	}
	values, err := s.apiStrings(r, "/api/v1/label/"+b.Label+"/values", match)
	if err != nil {
		b.Error = err.Error()
		return b
	}
	b.MoreValues = len(values) > maxBrowseItems
	for _, v := range values[:min(len(values), maxBrowseItems)] {
		sel := fmt.Sprintf("%s{%s=%q}", b.Metric, b.Label, v)
		b.Values = append(b.Values, browseLink{Text: v, Href: exprHref(r, sel)})
	}
	return b
}

// browseHref is the explorer with the browser at metric and label,
// keeping r's other parameters.
func browseHref(r *http.Request, filter, metric, label string) string {
	q := r.URL.Query()
	q.Set("browse.filter", filter)
	q.Del("browse.metric")
	q.Del("browse.label")
	if metric != "" {
		q.Set("browse.metric", metric)
	}
	if label != "" {
		q.Set("browse.label", label)
	}
	return "/graph?" + q.Encode() + "#browse"
}

// apiStrings reads a list of strings (label names or values) from the
// API handler as r's principal.
func (s *Server) apiStrings(r *http.Request, path string, params url.Values) ([]string, error) {
	rec := s.apiGet(r, path, params)
	if rec.overflow {
		return nil, fmt.Errorf("the list is larger than %d MiB", maxGraphAnswer>>20)
	}
	var resp struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	if err := json.Unmarshal(rec.body.Bytes(), &resp); err != nil {
		return nil, fmt.Errorf("the API's answer to %s is not a list", path)
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("%s", clip(resp.Error, 512))
	}
	return resp.Data, nil
}
