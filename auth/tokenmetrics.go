package auth

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// tokenExpiryDesc is one series per API token that expires: a token's
// name and maker are bounded by the number of tokens (MaxTokensPerCreator
// each).
var tokenExpiryDesc = prometheus.NewDesc("ward_api_token_expiry_timestamp_seconds",
	"When each API token stops working (Unix seconds); tokens without expiry have no series.",
	[]string{"token", "created_by"}, nil)

// TokenExpiryCollector exports ward_api_token_expiry_timestamp_seconds,
// read from the store at each scrape, for the APITokenExpiringSoon alert.
type TokenExpiryCollector struct{ s *Service }

var _ prometheus.Collector = TokenExpiryCollector{}

// NewTokenExpiryCollector returns the collector of s's API token expiries.
func NewTokenExpiryCollector(s *Service) TokenExpiryCollector { return TokenExpiryCollector{s} }

// Describe implements prometheus.Collector.
func (c TokenExpiryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- tokenExpiryDesc }

// Collect implements prometheus.Collector.
func (c TokenExpiryCollector) Collect(ch chan<- prometheus.Metric) {
	all, err := c.s.st.APITokens()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(tokenExpiryDesc, err)
		return
	}
	for _, t := range all {
		if t.Expires.IsZero() {
			continue
		}
		ch <- prometheus.MustNewConstMetric(tokenExpiryDesc, prometheus.GaugeValue,
			float64(t.Expires.UnixMilli())/float64(time.Second/time.Millisecond), t.Name, t.CreatedBy)
	}
}
