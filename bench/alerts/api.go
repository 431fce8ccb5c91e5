package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

// The rule evaluator's /api/v1 (ward's and Prometheus' are the same code)
// tells what the harness cannot see from outside: when each rule group
// evaluates, and at which evaluation each alert became active.

// apiClient calls one server's /api/v1, with a bearer token when the
// server wants one (ward with identity).
type apiClient struct {
	base  string
	token string
}

// newAPIClient reads the token, if any, from tokenFile: a file keeps it
// off command lines and out of the process list.
func newAPIClient(base, tokenFile string) (*apiClient, error) {
	c := &apiClient{base: strings.TrimSuffix(base, "/")}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, err
		}
		if c.token = strings.TrimSpace(string(b)); c.token == "" {
			return nil, fmt.Errorf("%s is empty", tokenFile)
		}
	}
	return c, nil
}

// evalTimes returns, per rule group name, when the group last started an
// evaluation. Groups keep a fixed phase within the interval, so this
// gives each group's evaluation phase.
func (c *apiClient) evalTimes(ctx context.Context) (map[string]time.Time, error) {
	var doc struct {
		Groups []struct {
			Name           string    `json:"name"`
			LastEvaluation time.Time `json:"lastEvaluation"`
		} `json:"groups"`
	}
	if err := c.get(ctx, "/api/v1/rules", &doc); err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, g := range doc.Groups {
		if !g.LastEvaluation.IsZero() {
			out[g.Name] = g.LastEvaluation
		}
	}
	return out, nil
}

// activeAt returns, per bench_id, the timestamp of the evaluation that
// first found the alert's expression true.
func (c *apiClient) activeAt(ctx context.Context) (map[string]time.Time, error) {
	var doc struct {
		Alerts []struct {
			Labels   map[string]string `json:"labels"`
			ActiveAt time.Time         `json:"activeAt"`
		} `json:"alerts"`
	}
	if err := c.get(ctx, "/api/v1/alerts", &doc); err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, a := range doc.Alerts {
		if id := a.Labels["bench_id"]; id != "" {
			out[id] = a.ActiveAt
		}
	}
	return out, nil
}

// get decodes the data of a successful /api/v1 answer into data.
func (c *apiClient) get(ctx context.Context, path string, data any) error {
	if c.base == "" {
		return errors.New("no -api given")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("GET %s: %s: %.200s", path, resp.Status, body)
	}
	if env.Status != "success" {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, env.Error)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}
