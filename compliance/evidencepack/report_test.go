package evidencepack

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ward-monitoring/ward/audit"
	"github.com/ward-monitoring/ward/compliance"
)

// TestReportWording: counts of one are singular ("1 evidence record",
// "1 attestation"), and a control's hint shows its commands as code and
// its links to ward's pages under the instance's URL.
func TestReportWording(t *testing.T) {
	st := openState(t)
	addEvidence(t, st, compliance.Evidence{Control: "admins-2fa", Status: compliance.Fail, Value: "1 of 2 admins", Checked: now.Add(-time.Minute),
		Detail: "They enrol on [/account/2fa](/account/2fa); run `ward user reset-2fa NAME`."})
	att, _ := json.Marshal(compliance.Attestation{Control: "privacy-policy", By: "ada", At: now.Add(-time.Hour), Comment: "ok", Expires: now.Add(24 * time.Hour)})
	if err := st.PutAttestation("privacy-policy", att, audit.Record{Time: now, Actor: "ada", Action: audit.ActionComplianceAttest, Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	in := testInput(st)
	in.Controls = []compliance.Control{testControls[0], testControls[2]}
	in.Audit.Records = 1
	pack, _ := makePack(t, in)
	_, files := unzip(t, pack)
	report := string(files[FileReport])
	for _, want := range []string{
		"2 controls, of which", "1 evidence record;", "1 attestation.", "1 record, head",
		`<a href="https://ward.example/account/2fa">/account/2fa</a>`, "<code>ward user reset-2fa NAME</code>",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	for _, bad := range []string{"1 records", "1 attestations", "1 evidence records", "`ward"} {
		if strings.Contains(report, bad) {
			t.Errorf("report.html says %q", bad)
		}
	}
}

// TestReportTableCSS: no table cell may break inside a word anywhere
// (overflow-wrap: anywhere lets the table squeeze the status column to a
// letter's width: "Sta/tus", "pas/s"), and the status and time columns do
// not wrap. The browser test (app) measures the rendered table.
func TestReportTableCSS(t *testing.T) {
	pack, _ := makePack(t, testInput(packState(t)))
	_, files := unzip(t, pack)
	report := string(files[FileReport])
	style, _, _ := strings.Cut(report, "</style>")
	if strings.Contains(style, "overflow-wrap: anywhere") || strings.Contains(style, "word-break: break-all") {
		t.Errorf("report.html's style breaks words anywhere:\n%s", style)
	}
	if !regexp.MustCompile(`\.c-status[^{]*\{[^}]*white-space: nowrap`).MatchString(style) {
		t.Errorf("the status column may wrap:\n%s", style)
	}
	if strings.Count(report, `<td class="c-status">`) != len(testControls)+1 {
		t.Errorf("status cells without their column's class")
	}
}
