package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// server is a Prometheus-compatible server under test: Debian's
// prometheus or ward. Both speak the same /metrics and /api/v1.
type server struct {
	base   string // http://127.0.0.1:PORT
	token  string // bearer token for /metrics and /api/v1, if the server wants one
	client *http.Client
}

func newServer(base, token string) *server {
	return &server{base: strings.TrimSuffix(base, "/"), token: token, client: &http.Client{Timeout: 2 * time.Minute}}
}

// get builds a GET request for path, authorised when the server has a token.
func (s *server) get(ctx context.Context, path string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+path, nil)
	if err != nil {
		return nil, err
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	return req, nil
}

// ready reports whether /-/ready answers 200.
func (s *server) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/-/ready", nil)
	if err != nil {
		return false
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// metrics scrapes the server's own /metrics in the text format and sums
// every sample of each named family over its label sets (for example
// prometheus_tsdb_head_samples_appended_total{type="float"} and
// {type="histogram"}).
func (s *server) metrics(ctx context.Context, names []string) (map[string]float64, error) {
	req, err := s.get(ctx, "/metrics")
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest := splitName(line)
		if !want[name] {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return nil, fmt.Errorf("/metrics line %q: %w", line, err)
		}
		out[name] += v
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := out[n]; !ok {
			return nil, fmt.Errorf("/metrics has no %s", n)
		}
	}
	return out, nil
}

// splitName splits a text-format sample line into its metric name and
// what follows the label set.
func splitName(line string) (name, rest string) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return line, ""
	}
	if line[i] == ' ' {
		return line[:i], line[i:]
	}
	// Skip the label set, minding quoted values.
	inQuote := false
	for j := i + 1; j < len(line); j++ {
		switch c := line[j]; {
		case c == '\\' && inQuote:
			j++
		case c == '"':
			inQuote = !inQuote
		case c == '}' && !inQuote:
			return line[:i], line[j+1:]
		}
	}
	return line[:i], ""
}

// apiResponse is the envelope of every /api/v1 answer.
type apiResponse struct {
	Status    string          `json:"status"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Data      json.RawMessage `json:"data"`
}

// queryData is the data of a query or query_range answer.
type queryData struct {
	ResultType string `json:"resultType"`
	Result     []struct {
		Metric map[string]string `json:"metric"`
		Value  []any             `json:"value"`
		Values [][]any           `json:"values"`
	} `json:"result"`
}

// api calls an /api/v1 endpoint with form parameters and returns the
// decoded data. The whole body is read, so timing a call covers the
// server's encoding and the transfer.
func (s *server) api(ctx context.Context, path string, params url.Values) (*queryData, error) {
	req, err := s.get(ctx, path+"?"+params.Encode())
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%s: %s: %.200s", path, resp.Status, body)
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	var d queryData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &d, nil
}

// scalar runs an instant query that yields one number (e.g. count(...)).
// An empty result is 0.
func (s *server) scalar(ctx context.Context, q string) (float64, error) {
	d, err := s.api(ctx, "/api/v1/query", url.Values{"query": {q}})
	if err != nil {
		return 0, err
	}
	if len(d.Result) == 0 {
		return 0, nil
	}
	if len(d.Result[0].Value) != 2 {
		return 0, fmt.Errorf("query %q: unexpected value %v", q, d.Result[0].Value)
	}
	str, _ := d.Result[0].Value[1].(string)
	return strconv.ParseFloat(str, 64)
}
