package slack

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/alert"
	"github.com/prometheus/alertmanager/notify"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	promtemplate "github.com/prometheus/prometheus/template"

	"github.com/ward-monitoring/ward/rules/builtin"
)

// TestErrorIssueMessageLinksToIssue: the built-in NewErrorIssue alert,
// its annotations expanded as Prometheus' rule manager does with ward's
// external URL, makes a Slack message that links to the issue's page.
func TestErrorIssueMessageLinksToIssue(t *testing.T) {
	const ext = "https://ward.example.com"
	lbls := map[string]string{"alertname": "NewErrorIssue", "severity": "warning", "kind": "new", "environment": "production",
		"project": "shop", "issue": "a1b2c3", "title": "ZeroDivisionError: division by zero", "job": "ward", "instance": "ward:9740"}
	ann := model.LabelSet{}
	for k, v := range builtinAnnotations(t, "NewErrorIssue") {
		ann[model.LabelName(k)] = model.LabelValue(expandAnnotation(t, v, lbls, ext))
	}
	ls := model.LabelSet{}
	for k, v := range lbls {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	a := alert.New(model.Alert{Labels: ls, Annotations: ann, StartsAt: time.Now()}, time.Now(), false)

	f := newFakeSlack(t)
	n := newNotifier(t, botConfig(t, f), nil)
	ctx := notify.WithGroupKey(t.Context(), `{}:{alertname="NewErrorIssue"}`)
	ctx = notify.WithReceiverName(ctx, "team")
	ctx = notify.WithGroupLabels(ctx, model.LabelSet{"alertname": "NewErrorIssue"})
	ctx = notify.WithNotificationReason(ctx, notify.ReasonFirstNotification)
	mustSucceed(t, n.Notify(ctx, a))

	blocks := blocksOf(t, f.received()[0])
	for _, want := range []string{
		"<" + ext + "/errors/issues/a1b2c3|:link: Open the issue>",
		"<" + ext + "/runbooks/NewErrorIssue|:book: Runbook>",
		"New error in shop (production): ZeroDivisionError: division by zero",
		ext + "/errors/issues/a1b2c3", // in the description too
	} {
		if !strings.Contains(blocks, want) {
			t.Errorf("message lacks %q:\n%s", want, blocks)
		}
	}
}

// builtinAnnotations are the annotations of the built-in alert name.
func builtinAnnotations(tb testing.TB, name string) map[string]string {
	tb.Helper()
	content, err := builtin.FS.ReadFile("errors.yml")
	if err != nil {
		tb.Fatal(err)
	}
	groups, errs := rulefmt.Parse(content, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
	if len(errs) > 0 {
		tb.Fatal(errs)
	}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert == name {
				return r.Annotations
			}
		}
	}
	tb.Fatalf("no alert %s in errors.yml", name)
	return nil
}

// expandAnnotation expands text as Prometheus' alerting rules do.
func expandAnnotation(tb testing.TB, text string, lbls map[string]string, ext string) string {
	tb.Helper()
	defs := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"
	data := promtemplate.AlertTemplateData(lbls, nil, ext, promql.Sample{Metric: labels.FromMap(lbls), F: 1})
	out, err := promtemplate.NewTemplateExpander(context.Background(), defs+text, "test", data, 0, nil, mustURL(tb, ext), nil).Expand()
	if err != nil {
		tb.Fatal(err)
	}
	return out
}
