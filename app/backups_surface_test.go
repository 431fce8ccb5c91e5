package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ward-monitoring/ward/auth"
	"github.com/ward-monitoring/ward/backups"
	"github.com/ward-monitoring/ward/servicetest"
)

// backupsSurfaceCall sends one request to the running ward, with a
// session cookie, the instance's admin token (session "") or nothing
// (session "-"), and returns the status,
// the headers and the body.
func backupsSurfaceCall(tb testing.TB, in *instance, method, path, contentType, body string, session string) (int, http.Header, string) {
	tb.Helper()
	req, err := http.NewRequest(method, in.base+path, strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	switch session {
	case "-": // public: no credential
	case "":
		req.Header.Set("Authorization", "Bearer "+in.token)
	default:
		req.AddCookie(&http.Cookie{Name: "ward_session", Value: session})
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// backupsWard starts a real PostgreSQL with pgBackRest (one full
// backup) and a ward watching it: stanza b.Stanza and the watched job
// "media" with the token mediaToken.
func backupsWard(tb testing.TB) (*instance, *servicetest.PgBackRest) {
	tb.Helper()
	pg := servicetest.StartPostgres(tb)
	b := servicetest.StartPgBackRest(tb, pg, servicetest.PgBackRestOptions{})
	b.Backup(tb, "full")
	tokenFile := filepath.Join(tb.TempDir(), "media.token")
	if err := os.WriteFile(tokenFile, []byte(mediaToken+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	// The drill's scratch lives under the data directory: the run_as
	// user must traverse it, and its socket path must fit 107 bytes.
	dir, err := os.MkdirTemp("/tmp", "wbs")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{dir, filepath.Join(dir, "data")} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			tb.Fatal(err)
		}
		if err := os.Chmod(d, 0o711); err != nil {
			tb.Fatal(err)
		}
	}
	in := startWardIn(tb, dir, noTwoFactor+fmt.Sprintf(`backups:
  run_as: postgres
  stanzas:
    - name: %s
      config: %s
  watched:
    - name: media
      token_file: %s
      schedule: "0 3 * * *"
`, b.Stanza, b.Config, tokenFile))
	return in, b
}

// mediaToken is the watched job's ping token in backupsWard.
const mediaToken = "3f6a2c1e-8d4b-4e7a-9c2f-1b5d7e9a0c3d"

// TestBackupsSurfacePings drives issue 12's HTTP surface through the
// real Manager in a running ward: a watched job pinged over HTTP shows
// on /api/backups/status/ and in the run list, an unknown token is 404,
// and /backups passes axe and fits a 390 px phone.
func TestBackupsSurfacePings(t *testing.T) {
	in, b := backupsWard(t)
	token := mediaToken
	// A watched job's run, by pings.
	rid := "9b2f4e6a-1c3d-4a5b-8e7f-0a1b2c3d4e5f"
	for _, step := range []struct{ path, body string }{{"/start?rid=" + rid, ""}, {"/0?rid=" + rid, "done\nbytes=7340032\n"}} {
		code, _, body := backupsSurfaceCall(t, in, "POST", "/ping/"+token+step.path, "text/plain", step.body, "-")
		if code != 200 || body != "OK" {
			t.Fatalf("ping %s: %d %q", step.path, code, body)
		}
	}
	if code, _, body := backupsSurfaceCall(t, in, "POST", "/ping/"+strings.Repeat("0", 36), "", "", "-"); code != 404 || body != "not found" {
		t.Errorf("unknown token: %d %q", code, body)
	}
	code, _, body := backupsSurfaceCall(t, in, "GET", "/api/backups/status/", "", "", "")
	var st struct{ Data backups.Status }
	if err := json.Unmarshal([]byte(body), &st); code != 200 || err != nil {
		t.Fatalf("status: %d %v %s", code, err, body)
	}
	var media *backups.JobStatus
	for i := range st.Data.Jobs {
		if st.Data.Jobs[i].Name == "media" {
			media = &st.Data.Jobs[i]
		}
	}
	if media == nil || media.LastSuccess == nil || media.LastSuccess.Bytes != 7340032 || media.LastSuccess.Trigger != backups.TriggerPing {
		t.Fatalf("status of the pinged job: %+v\n%s", media, body)
	}
	code, _, body = backupsSurfaceCall(t, in, "GET", "/api/backups/?job=media&status=success", "", "", "")
	var page struct{ Data backups.Page }
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || len(page.Data.Runs) != 1 || page.Data.Runs[0].ID != media.LastSuccess.ID {
		t.Errorf("runs of media: %d %s", code, body)
	}

	// The page on a phone.
	phone := signInBrowser(t, in, "vera", auth.RoleViewer, 390)
	if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/backups"), chromedp.WaitVisible(chromedp.CSS(`#tile-job-media`))); err != nil {
		t.Fatalf("/backups on a phone: %v", err)
	}
	servicetest.Axe(t, phone, "/backups")
	servicetest.NoSidewaysScroll(t, phone, "/backups")
	text, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"media", "Stanza " + b.Stanza, "Retention of " + b.Stanza, "Restore drills", "7.0 MiB"} {
		if !strings.Contains(text, want) {
			t.Errorf("/backups lacks %q", want)
		}
	}
	testBackupsSizeChart(t, phone, in)
}

// testBackupsSizeChart: at /backups' default range (30 days) the size
// chart shows a series only minutes old, its note is hidden once there is
// data, and its top gridline is at or above the highest value.
func testBackupsSizeChart(t *testing.T, phone context.Context, in *instance) {
	t.Helper()
	const fig = `document.getElementById("backup-size-jobs")`
	deadline := time.Now().Add(90 * time.Second)
	var state string
	for {
		// ward scrapes itself; the size reaches the TSDB with its next scrape.
		if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/backups")); err != nil {
			t.Fatalf("size chart: %v", err)
		}
		if _, err := chromedp.Run(phone, chromedp.Poll[bool](fig+`.dataset.state === "drawn" || `+fig+`.dataset.state === "empty"`, chromedp.WithPollingTimeout(30*time.Second))); err != nil {
			t.Fatalf("size chart: %v", err)
		}
		var err error
		if state, err = chromedp.Run(phone, chromedp.Evaluate[string](fig+`.dataset.state`)); err != nil {
			t.Fatal(err)
		}
		if state == "drawn" || time.Now().After(deadline) {
			break
		}
		time.Sleep(3 * time.Second)
	}
	if state != "drawn" {
		t.Fatalf("size chart at 30d: %s, want drawn (a fresh series)", state)
	}
	var got struct {
		NoteHidden bool      `json:"noteHidden"`
		Max        float64   `json:"max"`
		Splits     []float64 `json:"splits"`
	}
	raw, err := chromedp.Run(phone, chromedp.Evaluate[string](`JSON.stringify((() => { const f = `+fig+`, u = f.wardPlot;
  const vals = u.data.slice(1).flat().filter(v => v != null);
  return {noteHidden: f.querySelector(".chart-note").hidden, max: Math.max(...vals), splits: u.axes[1]._splits}; })())`))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(raw), &got); err != nil || len(got.Splits) == 0 {
		t.Fatalf("reading the size chart: %v %s", err, raw)
	}
	if !got.NoteHidden {
		t.Error("the size chart's empty-note shows although it has data")
	}
	if top := got.Splits[len(got.Splits)-1]; top < got.Max {
		t.Errorf("top gridline %v below the highest value %v (splits %v)", top, got.Max, got.Splits)
	}
}

// TestBackupsSurfaceDrill: through the real Manager and its drills, a
// drill over the API is refused without a step-up (403) and starts with
// one (202, Location); it runs on real data to success, and the stanza's
// tile and the run's page show it on a 390 px phone, axe-clean.
func TestBackupsSurfaceDrill(t *testing.T) {
	in, b := backupsWard(t)
	// A drill needs a step-up: 403 without, 202 with.
	ctx := context.Background()
	if _, err := in.app.auth.CreateUser(ctx, auth.Local("test"), auth.NewUser{Name: "olga", Email: "olga@example.com", Role: auth.RoleOperator, Password: browserPassword}); err != nil {
		t.Fatal(err)
	}
	res, err := in.app.auth.Login(ctx, auth.LoginRequest{Username: "olga", Password: browserPassword, IP: "127.0.0.1", UserAgent: "test"})
	if err != nil {
		t.Fatal(err)
	}
	drill := `{"stanza":"` + b.Stanza + `","confirm":"` + b.Stanza + `"}`
	if code, _, body := backupsSurfaceCall(t, in, "POST", "/api/backups/restore/", "application/json", drill, res.Token); code != 403 || !strings.Contains(body, "confirm with your password") {
		t.Fatalf("drill without step-up: %d %s", code, body)
	}
	form := url.Values{"proof": {browserPassword}, "next": {"/backups"}}.Encode()
	if code, _, body := backupsSurfaceCall(t, in, "POST", "/account/step-up", "application/x-www-form-urlencoded", form, res.Token); code != 303 {
		t.Fatalf("step-up: %d %s", code, body)
	}
	code, hdr, body := backupsSurfaceCall(t, in, "POST", "/api/backups/restore/", "application/json", drill, res.Token)
	var started struct{ Data struct{ ID string } }
	if err := json.Unmarshal([]byte(body), &started); code != 202 || err != nil || hdr.Get("Location") != "/api/backups/runs/"+started.Data.ID {
		t.Fatalf("drill after step-up: %d Location %q %s", code, hdr.Get("Location"), body)
	}
	var prog struct {
		Data struct {
			State, Progress, Log, Error string
			Done                        bool
		}
	}
	servicetest.Eventually(t, 3*time.Minute, "the drill to finish", func() bool {
		_, _, body := backupsSurfaceCall(t, in, "GET", hdr.Get("Location"), "", "", "")
		return json.Unmarshal([]byte(body), &prog) == nil && prog.Data.Done
	})
	t.Logf("drill through the API ended %s", prog.Data.State)
	if prog.Data.State != string(backups.StateSuccess) {
		t.Errorf("drill: %s: %s\n%s", prog.Data.State, prog.Data.Error, prog.Data.Log)
	}

	// The page on a phone.
	phone := signInBrowser(t, in, "vera", auth.RoleOperator, 390)
	if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/backups"), chromedp.WaitVisible(chromedp.CSS(`#tile-job-media`))); err != nil {
		t.Fatalf("/backups on a phone: %v", err)
	}
	servicetest.Axe(t, phone, "/backups")
	servicetest.NoSidewaysScroll(t, phone, "/backups")
	text, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"media", "Stanza " + b.Stanza, "Retention of " + b.Stanza, "Restore drills"} {
		if !strings.Contains(text, want) {
			t.Errorf("/backups lacks %q", want)
		}
	}
	tile, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`[id^="tile-stanza-"]`)))
	if err != nil || !strings.Contains(tile, "Drill RTO") || !strings.Contains(tile, "within target") {
		t.Errorf("the stanza's tile does not show the drill's RTO against its target (%v):\n%s", err, tile)
	}
	if err := chromedp.Do(phone, chromedp.Navigate(in.base+"/backups/runs/"+started.Data.ID), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
		t.Fatal(err)
	}
	servicetest.Axe(t, phone, "drill run page")
	servicetest.NoSidewaysScroll(t, phone, "drill run page")
}
