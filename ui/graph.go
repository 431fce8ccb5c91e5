package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/ward-monitoring/ward/errkind"
)

// Bounds of the expression page.
const (
	// maxGraphExpr bounds the expression: alert expressions are short;
	// longer queries go to the API, which takes POST bodies.
	maxGraphExpr = 4096
	// maxGraphRows bounds the series the table shows.
	maxGraphRows = 200
)

// graphRow is one series of an instant query's result.
type graphRow struct {
	Metric string
	Value  string
}

type graphView struct {
	Expr       string
	ResultType string
	Rows       []graphRow
	Total      int
	Error      string
	Warnings   []string
}

// graphPage serves GET /graph?g0.expr=...: the expression an alert's
// generator URL names (Prometheus' form of the link) and its current
// result as a table. The query goes through ward's own
// /api/v1/query handler, so it is under exactly the API's limits
// (querylimit: samples, series, time, concurrency).
func (s *Server) graphPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	expr := strings.TrimSpace(q.Get("g0.expr"))
	if expr == "" {
		expr = strings.TrimSpace(q.Get("expr"))
	}
	if len(expr) > maxGraphExpr {
		s.fail(w, r, badRequest(fmt.Sprintf("g0.expr: longer than %d bytes", maxGraphExpr)))
		return
	}
	v := graphView{Expr: expr}
	status := http.StatusOK
	if expr != "" {
		status = s.instantQuery(r, &v)
	}
	s.render(w, r, status, graphPageView(s.page(r, "Expression"), v))
}

// instantQuery evaluates v.Expr now through the API handler and fills
// v with its result or its error; it returns the page's status.
func (s *Server) instantQuery(r *http.Request, v *graphView) int {
	fwd := r.Clone(r.Context())
	fwd.Method = http.MethodGet
	fwd.URL = &url.URL{Path: "/api/v1/query", RawQuery: url.Values{"query": {v.Expr}}.Encode()}
	fwd.RequestURI = fwd.URL.RequestURI()
	fwd.Body, fwd.ContentLength = http.NoBody, 0
	fwd.Header.Del("Accept-Encoding") // the API would gzip its answer
	rec := &bufferWriter{}
	s.deps.API.ServeHTTP(rec, fwd)

	var resp struct {
		Status    string   `json:"status"`
		Error     string   `json:"error"`
		ErrorType string   `json:"errorType"`
		Warnings  []string `json:"warnings"`
		Data      struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if rec.overflow {
		v.Error = fmt.Sprintf("The result is larger than %d MiB; narrow the expression, or query the API.", maxGraphAnswer>>20)
		return http.StatusUnprocessableEntity
	}
	if err := json.Unmarshal(rec.body.Bytes(), &resp); err != nil {
		p := s.explain(r, errkind.Wrap(fmt.Errorf("ui: decoding a query answer: %w", err), errkind.Internal, ""))
		v.Error = p.sentence()
		return p.status
	}
	v.Warnings = resp.Warnings
	if resp.Status != "success" {
		v.Error = resp.Error
		if rec.status >= 400 {
			return rec.status
		}
		return http.StatusUnprocessableEntity
	}
	v.ResultType = resp.Data.ResultType
	switch v.ResultType {
	case "vector":
		var samples []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		}
		_ = json.Unmarshal(resp.Data.Result, &samples)
		v.Total = len(samples)
		for _, smp := range samples {
			v.Rows = append(v.Rows, graphRow{Metric: metricText(smp.Metric), Value: fmt.Sprint(smp.Value[1])})
		}
	case "matrix":
		var series []struct {
			Metric map[string]string `json:"metric"`
			Values [][2]any          `json:"values"`
		}
		_ = json.Unmarshal(resp.Data.Result, &series)
		v.Total = len(series)
		for _, ser := range series {
			vals := make([]string, 0, len(ser.Values))
			for _, p := range ser.Values {
				vals = append(vals, fmt.Sprint(p[1]))
			}
			v.Rows = append(v.Rows, graphRow{Metric: metricText(ser.Metric), Value: clip(strings.Join(vals, ", "), 512)})
		}
	case "scalar", "string":
		var p [2]any
		_ = json.Unmarshal(resp.Data.Result, &p)
		v.Total = 1
		v.Rows = []graphRow{{Metric: "(" + v.ResultType + ")", Value: fmt.Sprint(p[1])}}
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Metric < v.Rows[j].Metric })
	if len(v.Rows) > maxGraphRows {
		v.Rows = v.Rows[:maxGraphRows]
	}
	return http.StatusOK
}

// metricText writes a series' labels as Prometheus does:
// name{a="1",b="2"}.
func metricText(m map[string]string) string {
	name := m["__name__"]
	names := make([]string, 0, len(m))
	for n := range m {
		if n != "__name__" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s=%q", n, m[n]))
	}
	if len(parts) == 0 && name != "" {
		return name
	}
	return name + "{" + strings.Join(parts, ",") + "}"
}

// maxGraphAnswer bounds the API answer the expression page reads.
const maxGraphAnswer = 8 << 20

// bufferWriter keeps an answer of the API handler, up to
// maxGraphAnswer bytes.
type bufferWriter struct {
	h        http.Header
	status   int
	body     bytes.Buffer
	overflow bool
}

func (b *bufferWriter) Header() http.Header {
	if b.h == nil {
		b.h = http.Header{}
	}
	return b.h
}

func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	if b.body.Len()+len(p) > maxGraphAnswer {
		b.overflow = true
		return len(p), nil
	}
	return b.body.Write(p)
}
