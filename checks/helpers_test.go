package checks

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"

	"github.com/ward-monitoring/ward/config"
)

// loadChecks loads a `checks:` section through the real config loader,
// so tests see defaults and validation as ward does.
func loadChecks(tb testing.TB, section string) []config.Check {
	tb.Helper()
	cfg, err := config.Load([]byte("checks:\n"+section), "test.yaml")
	if err != nil {
		tb.Fatalf("config: %v\n%s", err, section)
	}
	return cfg.Checks
}

// loadCheck loads a single check.
func loadCheck(tb testing.TB, section string) config.Check {
	tb.Helper()
	cs := loadChecks(tb, section)
	if len(cs) != 1 {
		tb.Fatalf("want one check, got %d", len(cs))
	}
	return cs[0]
}

// probeOnce runs cfg once as the Runner would.
func probeOnce(tb testing.TB, cfg config.Check) outcome {
	tb.Helper()
	p, err := newProber(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return runProbe(context.Background(), cfg, p)
}

// gaugeValue returns the value of a kind-specific sample whose extra
// labels include want (name, value pairs).
func gaugeValue(o outcome, name string, want ...string) (float64, bool) {
	for _, g := range o.report.gauges {
		if g.name != name {
			continue
		}
		ls := labels.New(g.extra...)
		match := true
		for i := 0; i+1 < len(want); i += 2 {
			if ls.Get(want[i]) != want[i+1] {
				match = false
			}
		}
		if match {
			return g.value, true
		}
	}
	return 0, false
}

// wantResult checks a run's status and reason.
func wantResult(tb testing.TB, o outcome, status Status, reason string) {
	tb.Helper()
	r := o.result
	if r.Status != status || r.Reason != reason {
		tb.Errorf("status %s reason %q (error %q), want %s %q", r.Status, r.Reason, r.Error, status, reason)
	}
	if status == StatusDown && r.Error == "" {
		tb.Error("a failed run has no error message")
	}
}

// openTSDB opens a real TSDB in a temporary directory.
func openTSDB(tb testing.TB) *tsdb.DB {
	tb.Helper()
	db, err := tsdb.Open(tb.TempDir(), slog.New(slog.DiscardHandler), nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// sample is one stored value.
type sample struct {
	t int64
	v float64
}

func (s sample) stale() bool { return value.IsStaleNaN(s.v) }

// series returns every stored series matching ms, by label string, with
// its samples in time order (staleness markers included).
func series(tb testing.TB, db *tsdb.DB, ms ...*labels.Matcher) map[string][]sample {
	tb.Helper()
	q, err := db.Querier(math.MinInt64, math.MaxInt64)
	if err != nil {
		tb.Fatal(err)
	}
	defer q.Close()
	out := map[string][]sample{}
	ss := q.Select(context.Background(), false, nil, ms...)
	for ss.Next() {
		s := ss.At()
		it := s.Iterator(nil)
		var got []sample
		for it.Next() == chunkenc.ValFloat {
			t, v := it.At()
			got = append(got, sample{t, v})
		}
		out[s.Labels().String()] = got
	}
	if err := ss.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func nameIs(name string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, model.MetricNameLabel, name)
}

func labelIs(name, value string) *labels.Matcher {
	return labels.MustNewMatcher(labels.MatchEqual, name, value)
}

// logBuffer is a goroutine-safe log sink.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testCert is a self-signed certificate for 127.0.0.1 and localhost.
type testCert struct {
	cert   tls.Certificate
	caFile string // the certificate as PEM, to trust it
}

func newTestCert(tb testing.TB, notAfter time.Time) testCert {
	tb.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "ward test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     notAfter,
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		tb.Fatal(err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	caFile := filepath.Join(tb.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		tb.Fatal(err)
	}
	return testCert{cert: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, caFile: caFile}
}

// writeSecret writes a secret file and returns its path.
func writeSecret(tb testing.TB, content string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}
