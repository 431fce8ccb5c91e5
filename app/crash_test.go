package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/servicetest"
)

// process is ward running as a separate OS process (the test binary
// re-executed, see TestMain).
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // its exit status, once done
}

func startProcess(tb testing.TB, cfgFile, logFile string) *process {
	tb.Helper()
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), serveEnv+"="+cfgFile)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); log.Close(); close(p.done) }()
	tb.Cleanup(func() { _ = cmd.Process.Kill(); <-p.done })
	return p
}

// countAt evaluates count_over_time of ward's own up series at t; -1
// means ward did not answer.
func countAt(tb testing.TB, client *http.Client, base string, t time.Time) int {
	tb.Helper()
	resp, err := client.Get(base + "/api/v1/query?" + url.Values{
		"query": {`count_over_time(up{job="ward"}[1h])`},
		"time":  {strconv.FormatFloat(float64(t.UnixMilli())/1000, 'f', 3, 64)},
	}.Encode())
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var r struct {
		Data struct {
			Result []sample `json:"result"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&r) != nil {
		return -1
	}
	if len(r.Data.Result) != 1 {
		return 0
	}
	n, err := strconv.Atoi(value(r.Data.Result[0]))
	if err != nil {
		tb.Fatalf("count: %v", err)
	}
	return n
}

// TestCrashKeepsData kills a real ward process with SIGKILL and checks
// that every sample it had appended is there after a restart, then does
// the same across a graceful stop.
func TestCrashKeepsData(t *testing.T) {
	dir := t.TempDir()
	addr := servicetest.FreeAddr(t)
	cfgFile := filepath.Join(dir, "ward.yaml")
	writeFile(t, cfgFile, fastGlobal+fmt.Sprintf("rules: {builtin: false}\nscrape_configs: []\nstorage: {path: %s}\nserver: {listen: %q}\n", filepath.Join(dir, "data"), addr))
	logFile := filepath.Join(dir, "ward.log")
	base := "http://" + addr
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logFile)
			t.Logf("ward log:\n%s", b)
		}
	})

	client := tokenClient(createTokenOffline(t, cfgFile))
	p := startProcess(t, cfgFile, logFile)
	var mark time.Time
	var before int
	servicetest.Eventually(t, 30*time.Second, "ward scraped itself 5 times", func() bool {
		mark = time.Now()
		before = countAt(t, client, base, mark)
		return before >= 5
	})
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done

	p = startProcess(t, cfgFile, logFile)
	servicetest.Eventually(t, 30*time.Second, "ward back after SIGKILL", func() bool { return countAt(t, client, base, mark) >= 0 })
	if after := countAt(t, client, base, mark); after < before {
		t.Fatalf("after kill -9: %d samples up to the mark, had %d", after, before)
	}

	mark = time.Now()
	before = countAt(t, client, base, mark)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-p.done
	if p.err != nil {
		t.Fatalf("graceful stop: %v", p.err)
	}
	startProcess(t, cfgFile, logFile)
	servicetest.Eventually(t, 30*time.Second, "ward back after SIGTERM", func() bool { return countAt(t, client, base, mark) >= 0 })
	if after := countAt(t, client, base, mark); after < before {
		t.Fatalf("after graceful restart: %d samples up to the mark, had %d", after, before)
	}
}
