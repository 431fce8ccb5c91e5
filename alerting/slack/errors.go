package slack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/alertmanager/notify"
	"github.com/slack-go/slack"

	"github.com/ward-monitoring/ward/secret"
)

// authErrors are Slack API error codes saying the token may not do this;
// another attempt cannot succeed.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true,
	"token_revoked": true, "token_expired": true, "no_permission": true,
	"missing_scope": true, "not_allowed_token_type": true,
	"team_access_not_granted": true, "ekm_access_denied": true,
}

// transientErrors are Slack API error codes worth another attempt. Every
// other code (channel_not_found, not_in_channel, is_archived,
// invalid_blocks, ...) is a configuration or payload problem.
var transientErrors = map[string]notify.Reason{
	"ratelimited":         notify.RateLimitedReason,
	"rate_limited":        notify.RateLimitedReason,
	"internal_error":      notify.ServerErrorReason,
	"fatal_error":         notify.ServerErrorReason,
	"service_unavailable": notify.ServerErrorReason,
	"request_timeout":     notify.ServerErrorReason,
}

// verdict turns the error of a Slack call into Alertmanager's verdict,
// with the secrets scrubbed from its text.
func verdict(ctx context.Context, err error, what string, secrets ...string) notify.NotifyVerdict {
	retry, after, reason := classify(err)
	if ctxErr := ctx.Err(); ctxErr != nil && reason == notify.RequestErrorReason {
		// net/http reports the context's cause, which hides the deadline.
		reason = notify.ContextCanceledReason
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			reason = notify.ContextDeadlineExceededReason
		}
		if cause := context.Cause(ctx); !strings.Contains(err.Error(), cause.Error()) {
			err = fmt.Errorf("%w: %w", err, cause)
		}
	}
	err = redact(fmt.Errorf("slack: %s: %w", what, err), secrets...)
	if retry {
		return notify.Retry(after, err, reason)
	}
	return notify.Unrecoverable(err, reason)
}

// classify sorts errors the way Alertmanager's notify.Retrier sorts status
// codes: 5xx and 429 are retried, other HTTP errors are not; failures to
// reach Slack at all, or answers that are not Slack's, are retried.
func classify(err error) (retry bool, after time.Duration, reason notify.Reason) {
	var (
		limited *slack.RateLimitedError
		status  slack.StatusCodeError
		api     slack.SlackErrorResponse
	)
	switch {
	case errors.As(err, &limited):
		return true, max(0, limited.RetryAfter), notify.RateLimitedReason
	case errors.As(err, &status):
		return status.Retryable(), 0, notify.GetFailureReasonFromStatusCode(status.Code)
	case errors.As(err, &api):
		if authErrors[api.Err] {
			return false, 0, notify.AuthErrorReason
		}
		if r, ok := transientErrors[api.Err]; ok {
			return true, 0, r
		}
		return false, 0, notify.ClientErrorReason
	case errors.Is(err, context.DeadlineExceeded):
		return true, 0, notify.ContextDeadlineExceededReason
	case errors.Is(err, context.Canceled):
		return true, 0, notify.ContextCanceledReason
	}
	return true, 0, notify.RequestErrorReason
}

// isAPIError reports whether err is the Slack API error code.
func isAPIError(err error, codes ...string) bool {
	var api slack.SlackErrorResponse
	return errors.As(err, &api) && slices.Contains(codes, api.Err)
}

// redact removes every secret from err's text. net/http errors carry the
// request URL, and an incoming webhook's URL is its credential; slack-go
// wraps those errors with the URL already formatted into the message, so
// the text is scrubbed, not just the *url.Error.
func redact(err error, secrets ...string) error {
	msg := err.Error()
	clean := secret.Redact(msg, secretForms(secrets)...)
	if clean == msg {
		return err
	}
	// The wrapped chain still holds the secret, so it is dropped.
	return errors.New(clean)
}

// secretForms lists each secret as written and, for URLs, as net/http
// prints it and its path alone (a webhook's path is the credential),
// longest first so a longer form is replaced before its parts.
func secretForms(secrets []string) []string {
	var forms []string
	for _, s := range secrets {
		if s == "" {
			continue
		}
		forms = append(forms, s)
		if u, err := url.Parse(s); err == nil && u.Host != "" {
			forms = append(forms, u.String(), u.Redacted())
			if len(u.Path) > 1 {
				forms = append(forms, u.Path, u.EscapedPath())
			}
		}
	}
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b)) })
	return slices.Compact(forms)
}
