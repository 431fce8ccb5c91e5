package compliance

import (
	"fmt"
	"strings"

	"github.com/ward-monitoring/ward/audit"
)

// checkAuditChain verifies the audit chain now, and it against the
// anchors in compliance.audit_anchors: copies of its head kept outside
// the database. ward logs the head every hour, but cannot know whether
// anyone keeps it; without a configured anchor the control warns.
func checkAuditChain(e *env) Result {
	threshold := "verified within 24h; matches a head kept outside the database"
	var anchors []audit.External
	for _, s := range e.cfg.Compliance.AuditAnchors {
		a, err := audit.ParseExternal(s)
		if err != nil {
			return failed("", threshold, "compliance.audit_anchors: "+err.Error(), configSource("compliance.audit_anchors"))
		}
		anchors = append(anchors, a)
	}
	res, err := e.facts.VerifyAudit(e.now, anchors...)
	if err != nil {
		return failed("not verified", threshold, "The verification failed to run: "+err.Error(), Source{Kind: "audit", Ref: "chain", URL: "/admin/audit"})
	}
	if !res.Valid {
		return failed(fmt.Sprintf("BROKEN at record #%d", res.FirstBad), threshold,
			"The audit chain is broken ("+res.Problem+"): records were modified, removed or reordered. Compare with a backup and `ward audit verify`.",
			auditSource(res.FirstBad))
	}
	value := fmt.Sprintf("%d records verified, head %s", res.Records, res.Head)
	src := []Source{auditSource(res.Head.Seq)}
	var bad []string
	for _, a := range res.Anchors {
		src = append(src, Source{Kind: "audit", Ref: "anchor " + a.Anchor.String()})
		if !a.OK {
			bad = append(bad, a.Anchor.Anchor.String()+": "+a.How)
		}
	}
	if len(bad) > 0 {
		return failed(value, threshold, "The chain does not match its anchors ("+strings.Join(bad, "; ")+"): it was rewritten since they were taken.", src...)
	}
	if len(anchors) == 0 {
		return Result{Status: Warn, Value: value + "; no external anchor", Threshold: threshold, Sources: src,
			Detail: "ward logs the chain head every hour (\"audit chain head\"): copy one to another host and list it under `compliance.audit_anchors` (see [Compliance](/docs#compliance)), or check it with `ward audit verify --anchor SEQ:HASH`."}
	}
	return Result{Status: Pass, Value: fmt.Sprintf("%s; %d anchors match", value, len(anchors)), Threshold: threshold, Sources: src}
}
