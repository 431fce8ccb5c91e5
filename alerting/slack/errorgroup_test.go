package slack

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/common/model"
)

// TestErrorIssuesGroupedLines: two NewErrorIssue alerts in one group
// read as their summaries with their issue's link, not as the raw issue
// id and a title the summary repeats.
func TestErrorIssuesGroupedLines(t *testing.T) {
	const ext = "https://ward.example.com"
	var as []*alert.Alert
	for _, is := range []struct{ id, title string }{
		{"0123456789abcdef0123456789abcdef", "ZeroDivisionError: division by zero"},
		{"fedcba9876543210fedcba9876543210", "KeyError: 'sku'"},
	} {
		lbls := map[string]string{"alertname": "NewErrorIssue", "severity": "warning", "kind": "new", "environment": "production",
			"project": "shop", "issue": is.id, "title": is.title}
		ann, ls := model.LabelSet{}, model.LabelSet{}
		for k, v := range builtinAnnotations(t, "NewErrorIssue") {
			ann[model.LabelName(k)] = model.LabelValue(expandAnnotation(t, v, lbls, ext))
		}
		for k, v := range lbls {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		as = append(as, alert.New(model.Alert{Labels: ls, Annotations: ann, StartsAt: time.Now()}, time.Now(), false))
	}
	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	ctx := notify.WithGroupKey(t.Context(), `{}:{alertname="NewErrorIssue"}`)
	ctx = notify.WithReceiverName(ctx, "team")
	ctx = notify.WithGroupLabels(ctx, model.LabelSet{"alertname": "NewErrorIssue"})
	ctx = notify.WithNotificationReason(ctx, notify.ReasonFirstNotification)
	mustSucceed(t, n.Notify(ctx, as...))

	blocks := blocksOf(t, f.received()[0])
	for _, want := range []string{
		"New error in shop (production): ZeroDivisionError: division by zero",
		"<" + ext + "/errors/issues/0123456789abcdef0123456789abcdef|Open the issue>",
		"<" + ext + "/errors/issues/fedcba9876543210fedcba9876543210|Open the issue>",
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("grouped message lacks %q:\n%s", want, blocks)
		}
	}
	if strings.Contains(blocks, "issue=") || strings.Contains(blocks, "title=") {
		t.Errorf("grouped lines name issues by raw labels:\n%s", blocks)
	}
}
