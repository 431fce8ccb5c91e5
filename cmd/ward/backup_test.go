package main

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// pingRecorder is a real HTTP server on 127.0.0.1 that records pings.
type pingRecorder struct {
	mu    sync.Mutex
	pings []recordedPing
	srv   *httptest.Server
}

type recordedPing struct {
	Method, Path, RID string
	Body              []byte
}

func newPingRecorder(t *testing.T) *pingRecorder {
	t.Helper()
	pr := &pingRecorder{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pr.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		pr.mu.Lock()
		pr.pings = append(pr.pings, recordedPing{r.Method, r.URL.Path, r.URL.Query().Get("rid"), body})
		pr.mu.Unlock()
		_, _ = io.WriteString(w, "OK")
	})}}
	pr.srv.Start()
	t.Cleanup(pr.srv.Close)
	return pr
}

func (pr *pingRecorder) got() []recordedPing {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return append([]recordedPing(nil), pr.pings...)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestBackupRunPings(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("tok-123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	restic := `{"message_type":"status","percent_done":0.5}` + "\n" +
		`{"message_type":"summary","files_new":3,"total_bytes_processed":123456,"snapshot_id":"abc"}`
	big := strings.Repeat("x", 50_000)
	for _, tc := range []struct {
		name     string
		flags    []string
		script   string
		wantCode int
		wantPing string // the finishing ping's action
		wantBody []string
		wantLast string // the body's last line
		wantLen  int    // the body's length, when set
	}{
		{"exit code passes through", nil, "echo out; echo err >&2; exit 3", 3, "3", []string{"out\n", "err\n"}, "", 0},
		{"success", nil, "echo done", 0, "0", []string{"done\n"}, "", 0},
		{"the tail is kept", nil, "printf %s " + big + "; echo END", 0, "0", []string{"END\n"}, "", 10_000},
		{"restic size", []string{"--job-bytes-from-restic"}, "echo '" + restic + "'", 0, "0", []string{"snapshot_id"}, "bytes=123456", 0},
		// The size line is the trailer: a long tail does not cut it off
		// and the command's own bytes= line comes before it.
		{"restic size after a long tail", []string{"--job-bytes-from-restic"}, "printf %s " + big + "; echo; echo bytes=1; echo '" + restic + "'", 0, "0", []string{"bytes=1\n"}, "bytes=123456", 10_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newPingRecorder(t)
			var stdout, stderr bytes.Buffer
			args := append([]string{"backup", "run", "--url", rec.srv.URL, "--token-file", tokenFile}, tc.flags...)
			args = append(args, "--", "/bin/sh", "-c", tc.script)
			if code := run(args, &stdout, &stderr); code != tc.wantCode {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, tc.wantCode, stderr.String())
			}
			pings := rec.got()
			if len(pings) != 2 {
				t.Fatalf("pings %+v, want start and finish", pings)
			}
			if pings[0].Path != "/ping/tok-123/start" || pings[1].Path != "/ping/tok-123/"+tc.wantPing {
				t.Errorf("paths %q, %q", pings[0].Path, pings[1].Path)
			}
			if !uuidPattern.MatchString(pings[0].RID) || pings[0].RID != pings[1].RID {
				t.Errorf("rids %q, %q: want one UUID pairing start and finish", pings[0].RID, pings[1].RID)
			}
			body := string(pings[1].Body)
			for _, w := range tc.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("finish body lacks %q: %q", w, clipTest(body))
				}
			}
			if tc.wantLast != "" && !strings.HasSuffix(body, "\n"+tc.wantLast+"\n") {
				t.Errorf("finish body ends %q, want %q", clipTest(body), tc.wantLast)
			}
			if tc.wantLen > 0 && len(body) != tc.wantLen {
				t.Errorf("finish body is %d bytes, want %d", len(body), tc.wantLen)
			}
			if !strings.Contains(stdout.String(), tc.wantBody[0]) && !strings.Contains(stderr.String(), tc.wantBody[0]) {
				t.Errorf("output not passed through: stdout %q", clipTest(stdout.String()))
			}
		})
	}
}

func TestBackupRunFailures(t *testing.T) {
	t.Setenv("WARD_TEST_PING_TOKEN", "secret-token")
	t.Run("command not found pings fail", func(t *testing.T) {
		rec := newPingRecorder(t)
		var stdout, stderr bytes.Buffer
		code := run([]string{"backup", "run", "--url", rec.srv.URL, "--token-env", "WARD_TEST_PING_TOKEN", "--", "/nonexistent/backup-tool"}, &stdout, &stderr)
		if code != 127 {
			t.Errorf("exit code %d, want 127", code)
		}
		pings := rec.got()
		if len(pings) != 2 || pings[1].Path != "/ping/secret-token/fail" || !strings.Contains(string(pings[1].Body), "backup-tool") {
			t.Errorf("pings %+v, want start then fail with the reason", pings)
		}
	})
	t.Run("ward unreachable keeps the exit code and hides the token", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		var stdout, stderr bytes.Buffer
		code := run([]string{"backup", "run", "--url", "http://" + addr, "--token-env", "WARD_TEST_PING_TOKEN", "--", "/bin/sh", "-c", "exit 4"}, &stdout, &stderr)
		if code != 4 {
			t.Errorf("exit code %d, want 4", code)
		}
		if !strings.Contains(stderr.String(), "ping start") || strings.Contains(stderr.String(), "secret-token") {
			t.Errorf("stderr %q: want the failed pings reported without the token", stderr.String())
		}
	})
	for _, args := range [][]string{
		{"backup", "run", "--", "true"},
		{"backup", "run", "--token-env", "WARD_TEST_PING_TOKEN", "--token-file", "/x", "--", "true"},
		{"backup", "run", "--token-env", "WARD_TEST_PING_TOKEN"},
		{"backup", "run", "--token-env", "WARD_TEST_UNSET_VAR", "--", "true"},
		{"backup", "run", "--url", "ftp://x", "--token-env", "WARD_TEST_PING_TOKEN", "--", "true"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, &stdout, &stderr); code != 2 {
			t.Errorf("%q: exit code %d, want 2 (usage)", args, code)
		}
	}
}

func clipTest(s string) string {
	if len(s) > 200 {
		return s[:100] + "…" + s[len(s)-100:]
	}
	return s
}
