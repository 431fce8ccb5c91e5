package slack

import (
	"fmt"
	"strings"
	"testing"
	"time"

	amconfig "github.com/prometheus/alertmanager/config"
	amcommoncfg "github.com/prometheus/alertmanager/config/common"
	"github.com/prometheus/alertmanager/notify"
	amslack "github.com/prometheus/alertmanager/notify/slack"
	"github.com/prometheus/alertmanager/template"
	commoncfg "github.com/prometheus/common/config"
)

func TestNewRejectsUnusableConfig(t *testing.T) {
	f := newFakeSlack(t)
	noChannel := botConfig(t, f)
	noChannel.Channel = ""
	tmpl := testTemplate(t)
	noURL, _ := template.FromGlobs(nil)
	tests := []struct {
		name string
		cfg  *amslack.SlackConfig
		tmpl *template.Template
		want string
	}{
		{"nil config", nil, tmpl, "missing configuration"},
		{"no credentials", &amslack.SlackConfig{Channel: "#a"}, tmpl, "one of app_token, app_token_file, api_url or api_url_file is required"},
		{"bot without channel", noChannel, tmpl, "channel is required"},
		{"template without external URL", botConfig(t, f), noURL, "template without external URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, tc.tmpl, nil, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New() error = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestAlertmanagerYAML loads slack_configs through Alertmanager's own
// loader, which rewrites bot configs (api_url := app_url, token copied into
// http_config), and checks each still reaches the right endpoint.
func TestAlertmanagerYAML(t *testing.T) {
	f := newFakeSlack(t)
	base := strings.TrimSuffix(f.srv.GetAPIURL(), "/")
	tests := []struct {
		name, slackConfig, method string
	}{
		{"bot with app_url of chat.postMessage", fmt.Sprintf("app_token: %s\n    app_url: %s/chat.postMessage\n    channel: '#alerts'", testToken, base), "chat.postMessage"},
		{"bot with token file", fmt.Sprintf("app_token_file: %s\n    app_url: %s/\n    channel: '#alerts'", writeFile(t, testToken), base), "chat.postMessage"},
		{"bot with bearer in http_config", fmt.Sprintf("api_url: %s/chat.postMessage\n    channel: '#alerts'\n    http_config:\n      authorization:\n        credentials: %s", base, testToken), "chat.postMessage"},
		{"webhook", fmt.Sprintf("api_url: %s%s", base, webhookPath), "webhook"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			yml := "route:\n  receiver: team\nreceivers:\n- name: team\n  slack_configs:\n  - send_resolved: true\n    " + tc.slackConfig + "\n"
			cfg, err := amconfig.Load(yml)
			if err != nil {
				t.Fatalf("%v\n%s", err, yml)
			}
			before := len(f.received())
			n := newNotifier(t, cfg.Receivers[0].SlackConfigs[0], nil)
			mustSucceed(t, n.Notify(notifyContext(t, notify.ReasonFirstNotification, nil), testAlert("api-1", time.Now(), false)))
			calls := f.received()[before:]
			if len(calls) != 1 || calls[0].Method != tc.method {
				t.Fatalf("calls = %+v, want one %s", calls, tc.method)
			}
			if calls[0].Auth != "" {
				t.Errorf("Authorization header %q sent besides slack-go's token", calls[0].Auth)
			}
		})
	}
}

func TestAPIBase(t *testing.T) {
	for in, want := range map[string]string{
		"":                                       defaultAPIBase,
		"https://slack.com/api/chat.postMessage": "https://slack.com/api/",
		"http://127.0.0.1:8080/":                 "http://127.0.0.1:8080/",
		"https://proxy.internal/slack":           "https://proxy.internal/slack/",
	} {
		var cfg amslack.SlackConfig
		cfg.AppToken, cfg.Channel = commoncfg.Secret(testToken), "#a"
		if in != "" {
			cfg.AppURL = &amcommoncfg.URL{URL: mustURL(t, in)}
		}
		tg, err := resolveTarget(&cfg)
		if err != nil || tg.apiBase != want {
			t.Errorf("app_url %q: base %q (err %v), want %q", in, tg.apiBase, err, want)
		}
	}
}
