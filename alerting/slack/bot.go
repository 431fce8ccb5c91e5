package slack

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/prometheus/alertmanager/nflog"
	"github.com/prometheus/alertmanager/notify"
	"github.com/slack-go/slack"
)

// Keys in the notification log's per-group store. threadTs and channelId
// are the keys Alertmanager's own Slack notifier uses for the same message.
const (
	keyTS       = "threadTs"
	keyChannel  = "channelId"
	keyResolved = "resolved"
)

// posted is the group's message in Slack, as kept in the notification log.
type posted struct {
	channel, ts string
	resolved    bool
}

func loadPosted(st *nflog.Store) posted {
	var p posted
	p.ts, _ = st.GetStr(keyTS)
	p.channel, _ = st.GetStr(keyChannel)
	r, _ := st.GetStr(keyResolved)
	p.resolved = r == "true"
	return p
}

func (p posted) save(st *nflog.Store) {
	st.SetStr(keyTS, p.ts)
	st.SetStr(keyChannel, p.channel)
	st.SetStr(keyResolved, fmt.Sprint(p.resolved))
}

// notifyBot posts the group's first message of an episode and afterwards
// edits it in place and replies in its thread. Without a store in ctx (a
// pipeline without notification log, or a test send) every notification is
// a new message.
//
// Alertmanager saves the store only after Notify succeeds, and hands the
// same store to every retry, so a retry after a failed thread reply edits
// the message again (harmless) before replying.
func (n *Notifier) notifyBot(ctx context.Context, logger *slog.Logger, m *message, reason notify.NotifyReason) notify.NotifyVerdict {
	token, err := n.target.token.read()
	if err != nil {
		return notify.Unrecoverable(fmt.Errorf("slack: read app token: %w", err), notify.FileReadErrorReason)
	}
	api := slack.New(token, slack.OptionAPIURL(n.target.apiBase), slack.OptionHTTPClient(n.client))

	st, ok := notify.NflogStore(ctx)
	var prev posted
	if ok {
		prev = loadPosted(st)
	} else {
		logger.Debug("no notification log store in context, posting a new Slack message")
	}
	// A new episode gets a new message: Alertmanager hands a group's first
	// notification a fresh store, and a resolved message is never reopened.
	if reason == notify.ReasonFirstNotification || prev.resolved || prev.ts == "" || prev.channel == "" {
		return n.post(ctx, api, m, st, token)
	}

	_, _, _, err = api.UpdateMessageContext(ctx, prev.channel, prev.ts,
		slack.MsgOptionText(m.text, false), slack.MsgOptionBlocks(m.blocks...))
	if isAPIError(err, "message_not_found", "cant_update_message", "edit_window_closed") {
		logger.Info("Slack message can no longer be edited, posting a new one", "channel", prev.channel, "ts", prev.ts, "err", err)
		return n.post(ctx, api, m, st, token)
	}
	if err != nil {
		return verdict(ctx, err, fmt.Sprintf("update message in channel %q", prev.channel), token)
	}

	opts := append(n.senderOptions(m), slack.MsgOptionTS(prev.ts), slack.MsgOptionText(m.reply, false))
	if reason == notify.ReasonNewAlertsInGroup || reason == notify.ReasonRepeatIntervalElapsed {
		// News a channel should see, not only the thread's followers.
		opts = append(opts, slack.MsgOptionBroadcast())
	}
	if _, _, err := api.PostMessageContext(ctx, prev.channel, opts...); err != nil {
		return verdict(ctx, err, fmt.Sprintf("reply in thread in channel %q", prev.channel), token)
	}
	if m.resolved && st != nil {
		st.SetStr(keyResolved, "true")
	}
	return notify.Success()
}

// post sends m as a new top-level message and remembers it in st.
func (n *Notifier) post(ctx context.Context, api *slack.Client, m *message, st *nflog.Store, token string) notify.NotifyVerdict {
	opts := append(n.senderOptions(m), slack.MsgOptionText(m.text, false), slack.MsgOptionBlocks(m.blocks...),
		slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
	channel, ts, err := api.PostMessageContext(ctx, m.channel, opts...)
	if err != nil {
		return verdict(ctx, err, fmt.Sprintf("post to channel %q", m.channel), token)
	}
	if st != nil {
		posted{channel: channel, ts: ts, resolved: m.resolved}.save(st)
	}
	return notify.Success()
}

// senderOptions carry the config's username, icon and link_names. Slack
// applies username and icon only when the app has chat:write.customize.
func (n *Notifier) senderOptions(m *message) []slack.MsgOption {
	var opts []slack.MsgOption
	if m.username != "" {
		opts = append(opts, slack.MsgOptionUsername(m.username))
	}
	if m.iconEmoji != "" {
		opts = append(opts, slack.MsgOptionIconEmoji(m.iconEmoji))
	}
	if m.iconURL != "" {
		opts = append(opts, slack.MsgOptionIconURL(m.iconURL))
	}
	if n.conf.LinkNames {
		opts = append(opts, slack.MsgOptionLinkNames(true))
	}
	return opts
}
