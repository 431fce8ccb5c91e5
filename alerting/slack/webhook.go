package slack

import (
	"context"
	"fmt"

	"github.com/prometheus/alertmanager/notify"
	"github.com/slack-go/slack"
)

// notifyWebhook posts m to an incoming webhook. Webhooks cannot edit a
// message or reply in a thread, so a resolved notification is a new message
// of its own, showing the same Block Kit layout in its resolved state.
//
// slack.PostWebhookCustomHTTPContext is what slack.PostWebhookContext calls
// with http.DefaultClient; it is used directly so the receiver's
// http_config (proxy, TLS) applies.
func (n *Notifier) notifyWebhook(ctx context.Context, m *message) notify.NotifyVerdict {
	u, err := n.target.webhook.read()
	if err != nil {
		return notify.Unrecoverable(fmt.Errorf("slack: read webhook URL: %w", err), notify.FileReadErrorReason)
	}
	unfurl := false
	msg := &slack.WebhookMessage{
		Channel:     m.channel,
		Username:    m.username,
		IconEmoji:   m.iconEmoji,
		IconURL:     m.iconURL,
		Text:        m.text,
		Blocks:      &slack.Blocks{BlockSet: m.blocks},
		UnfurlLinks: &unfurl,
		UnfurlMedia: &unfurl,
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, u, n.client, msg); err != nil {
		// The URL is the credential: net/http puts it in errors, and
		// slack-go formats those into its own message, so both are scrubbed.
		return verdict(ctx, notify.RedactURL(err), "post to webhook", u)
	}
	return notify.Success()
}
