package slack

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	commoncfg "github.com/prometheus/common/config"

	"github.com/ward-monitoring/ward/secret"
)

// defaultAPIBase is Slack's Web API, which slack-go addresses as base+method.
const defaultAPIBase = "https://slack.com/api/"

type mode int

const (
	modeBot mode = iota + 1
	modeWebhook
)

// credential is a secret given inline or in a file. Files are read again on
// every notification, as Alertmanager does, so a rotated token or webhook
// takes effect without a reload.
type credential struct {
	value string
	file  string
}

func (s credential) read() (string, error) {
	if s.file == "" {
		return s.value, nil
	}
	b, err := secret.Read("", s.file)
	if err != nil {
		return "", err
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s is empty", s.file)
	}
	return v, nil
}

// target is where and how a Notifier delivers.
type target struct {
	mode    mode
	apiBase string     // bot mode: Web API base URL ending in "/"
	token   credential // bot mode
	webhook credential // webhook mode: the incoming-webhook URL, itself a secret
}

// resolveTarget picks bot or webhook mode from an Alertmanager Slack config.
// The config may come straight from YAML or through Alertmanager's loader,
// which sets api_url to app_url and copies app_token into
// http_config.authorization in bot mode; both shapes are understood. So is
// the older bot setup of api_url pointing at chat.postMessage with a bearer
// token in http_config (alertmanager#2513).
func resolveTarget(cfg *amslack.SlackConfig) (target, error) {
	var t target
	switch {
	case cfg.AppToken != "" || cfg.AppTokenFile != "":
		var appURL *url.URL
		if cfg.AppURL != nil {
			appURL = cfg.AppURL.URL
		}
		t = target{mode: modeBot, apiBase: apiBase(appURL), token: credential{value: string(cfg.AppToken), file: cfg.AppTokenFile}}
	case bearerToPostMessage(cfg):
		auth := cfg.HTTPConfig.Authorization
		t = target{mode: modeBot, apiBase: apiBase(cfg.APIURL.URL), token: credential{value: string(auth.Credentials), file: auth.CredentialsFile}}
	case cfg.APIURL != nil && cfg.APIURL.URL != nil:
		return target{mode: modeWebhook, webhook: credential{value: cfg.APIURL.String()}}, nil
	case cfg.APIURLFile != "":
		return target{mode: modeWebhook, webhook: credential{file: cfg.APIURLFile}}, nil
	default:
		return target{}, errors.New("one of app_token, app_token_file, api_url or api_url_file is required")
	}
	if cfg.Channel == "" {
		return target{}, errors.New("channel is required with a bot token")
	}
	return t, nil
}

func bearerToPostMessage(cfg *amslack.SlackConfig) bool {
	if cfg.APIURL == nil || cfg.APIURL.URL == nil || !strings.HasSuffix(cfg.APIURL.Path, "/chat.postMessage") {
		return false
	}
	if cfg.HTTPConfig == nil || cfg.HTTPConfig.Authorization == nil {
		return false
	}
	a := cfg.HTTPConfig.Authorization
	return (a.Type == "" || strings.EqualFold(a.Type, "Bearer")) && (a.Credentials != "" || a.CredentialsFile != "")
}

// apiBase turns Alertmanager's app_url, which names the chat.postMessage
// endpoint, into the base URL slack-go appends method names to. A URL that
// is already a base (a proxy, or slacktest in tests) is kept.
func apiBase(u *url.URL) string {
	if u == nil {
		return defaultAPIBase
	}
	b := *u
	b.RawQuery, b.Fragment, b.RawPath = "", "", ""
	b.Path = strings.TrimSuffix(b.Path, "chat.postMessage")
	if !strings.HasSuffix(b.Path, "/") {
		b.Path += "/"
	}
	return b.String()
}

// newHTTPClient returns the client for Slack calls: a copy of custom when
// given, otherwise one built from the receiver's http_config (proxy, TLS).
// In bot mode the bearer header is dropped, because slack-go sends the token
// itself and Alertmanager's loader has copied it into http_config.
func newHTTPClient(cfg *amslack.SlackConfig, m mode, custom *http.Client) (*http.Client, error) {
	var c *http.Client
	if custom != nil {
		cp := *custom
		c = &cp
	} else {
		hc := commoncfg.DefaultHTTPClientConfig
		if cfg.HTTPConfig != nil {
			hc = *cfg.HTTPConfig
		}
		if m == modeBot {
			hc.Authorization = nil
		}
		var err error
		if c, err = notify.NewClientWithTracing(hc, "slack"); err != nil {
			return nil, err
		}
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	c.Transport = retryAfterTransport{next: next}
	return c, nil
}

// retryAfterTransport rewrites a 429's Retry-After given as an HTTP date
// into seconds. slack-go only understands seconds and otherwise fails with a
// parse error that hides the rate limit.
type retryAfterTransport struct {
	next http.RoundTripper
}

func (t retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusTooManyRequests {
		return resp, err
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return resp, nil
	}
	if _, err := strconv.ParseUint(v, 10, 32); err == nil {
		return resp, nil
	}
	if d := notify.ParseRetryAfter(resp.Header, time.Now()); d > 0 {
		resp.Header.Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
	} else {
		resp.Header.Del("Retry-After")
	}
	return resp, nil
}
