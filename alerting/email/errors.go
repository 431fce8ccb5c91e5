package email

import (
	"context"
	"errors"
	"net/textproto"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/prometheus/alertmanager/notify"

	"github.com/ward-monitoring/ward/secret"
)

// verdict classifies a failed delivery for Alertmanager's retry stage.
//
// An SMTP reply code decides when the server gave one: 4xx is a temporary
// condition (greylisting, "451 try again later", a full mailbox queue) and is
// retried; 5xx is a refusal that repeating will not change (550 unknown
// recipient, 535 bad credentials, 554 rejected) and is not. Everything else
// (connection refused, timeouts, TLS handshake failures, a cancelled
// context) is retried: the pipeline's backoff and ward's fallback receiver
// handle an SMTP server that stays away.
func verdict(ctx context.Context, err error) notify.NotifyVerdict {
	if reason, done := contextReason(ctx); done {
		return notify.Retry(0, err, reason)
	}
	code := replyCode(err)
	reason := replyReason(code)
	if code >= 500 {
		return notify.Unrecoverable(err, reason)
	}
	return notify.Retry(0, err, reason)
}

// contextReason reports whether ctx ended the attempt. A passed deadline
// counts even before ctx.Err is set: the connection's own I/O deadline,
// derived from ctx's, can fire a moment before the context's timer does.
func contextReason(ctx context.Context) (notify.Reason, bool) {
	if errors.Is(ctx.Err(), context.Canceled) {
		return notify.ContextCanceledReason, true
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return notify.ContextDeadlineExceededReason, true
	}
	return 0, false
}

// replyCode returns the SMTP reply code carried by err, or 0 if the failure
// did not come from an SMTP reply.
func replyCode(err error) int {
	var red *redactedError
	if errors.As(err, &red) {
		return red.code
	}
	var sendErr *mail.SendError
	if errors.As(err, &sendErr) && sendErr.ErrorCode() != 0 {
		return sendErr.ErrorCode()
	}
	var protoErr *textproto.Error
	if errors.As(err, &protoErr) {
		return protoErr.Code
	}
	return 0
}

// replyReason maps an SMTP reply code to the failure reason Alertmanager's
// metrics are labelled with.
func replyReason(code int) notify.Reason {
	switch {
	case code == 0:
		return notify.RequestErrorReason
	case code == 530 || code == 534 || code == 535 || code == 538 || code == 454:
		// Authentication required, too weak, invalid credentials, needs
		// encryption; 454 is a temporary authentication failure.
		return notify.AuthErrorReason
	case code == 421 || code == 450 || code == 451 || code == 452:
		return notify.ServerErrorReason
	case code >= 500:
		return notify.ClientErrorReason
	default:
		return notify.ServerErrorReason
	}
}

// redact replaces every occurrence of the given secrets in err's message. An
// SMTP server may echo what it received; ward must not then log a password.
// When nothing needs hiding err is returned unchanged, keeping its chain.
func redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	hidden := secret.Redact(msg, secrets...)
	if hidden == msg {
		return err
	}
	return &redactedError{msg: hidden, code: replyCode(err)}
}

// redactedError stands in for an error whose text held a secret. It keeps the
// SMTP reply code for classification but drops the original chain, which
// would still carry the secret.
type redactedError struct {
	msg  string
	code int
}

func (e *redactedError) Error() string { return e.msg }
