package checks

import (
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

func TestTCP(t *testing.T) {
	plain := servicetest.Blackhole(t)
	soon := newTestCert(t, time.Now().Add(10*24*time.Hour))
	secure := httptest.NewUnstartedServer(nil)
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{soon.cert}}
	secure.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes this test fails on purpose
	secure.StartTLS()
	defer secure.Close()
	secureAddr := secure.Listener.Addr().String()
	_, securePort, _ := net.SplitHostPort(secureAddr)

	tests := []struct {
		name   string
		yaml   string
		status Status
		reason string
		detail string
	}{
		{name: "open", yaml: "address: " + plain, status: StatusUp, detail: "connected"},
		{name: "refused", yaml: "address: " + servicetest.FreeAddr(t), status: StatusDown, reason: ReasonNetwork},
		{name: "TLS close to expiry", yaml: "address: " + secureAddr + "\n    tls: true\n    tls_config: {ca_file: " + soon.caFile + "}",
			status: StatusUp, detail: "TLS certificate expires in 10d"},
		{name: "TLS by host name", yaml: "address: localhost:" + securePort + "\n    tls: true\n    tls_config: {ca_file: " + soon.caFile + "}",
			status: StatusUp},
		{name: "TLS wrong name", yaml: "address: " + secureAddr + "\n    tls: true\n    tls_config: {ca_file: " + soon.caFile + ", server_name: db.example.com}",
			status: StatusDown, reason: ReasonTLS},
		{name: "TLS untrusted", yaml: "address: " + secureAddr + "\n    tls: true", status: StatusDown, reason: ReasonTLS},
		{name: "TLS handshake never answered", yaml: "address: " + plain + "\n    tls: true\n    timeout: 200ms",
			status: StatusDown, reason: ReasonTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := probeOnce(t, loadCheck(t, "  - name: port\n    kind: tcp\n    "+tt.yaml+"\n"))
			t.Logf("%s %s: error %q, details %q", o.result.Status, o.result.Reason, o.result.Error, o.result.Details)
			wantResult(t, o, tt.status, tt.reason)
			if !strings.Contains(o.result.Details, tt.detail) {
				t.Errorf("details %q lack %q", o.result.Details, tt.detail)
			}
		})
	}
	o := probeOnce(t, loadCheck(t, "  - name: port\n    kind: tcp\n    address: "+secureAddr+"\n    tls: true\n    tls_config: {ca_file: "+soon.caFile+"}\n"))
	if left, ok := gaugeValue(o, certExpiryMetric); !ok || left > (10*24*time.Hour).Seconds() || left < (10*24*time.Hour).Seconds()-60 {
		t.Errorf("%s = %v (reported %v), want about 10 days", certExpiryMetric, left, ok)
	}
}
