package apperrors

import (
	"encoding/json"

	"github.com/ward-monitoring/ward/storage"
)

// MaxProjectIssues bounds a project's issues: once it has this many, an
// event of a new kind counts into the project's one overflow issue
// (OverflowTitle) instead of making an issue, and
// ward_app_issue_overflow_total counts it. Retention's deleting old
// issues makes room again.
const MaxProjectIssues = 10000

// OverflowTitle is the title of a project's overflow issue.
const OverflowTitle = "Other errors: this project has 10,000 issues, new kinds of error are counted here"

// overflowFingerprint groups the overflow issue (no SDK's fingerprint
// hashes to it: the others are hashes of grouping keys).
const overflowFingerprint = "overflow"

func issueKey(is *Issue) storage.AppIssueKey {
	return storage.AppIssueKey{Project: is.Project, Status: string(is.Status), LastSeen: is.LastSeen}
}

// putIssue stores an issue and keeps the issue index in step.
func putIssue(tx *storage.Tx, is *Issue) error {
	v, err := json.Marshal(is)
	if err != nil {
		return err
	}
	return tx.PutAppIssueIndexed(is.ID, v, issueKey(is))
}

// ensureIssueIndex fills the issue index once, from the issues stored
// before it existed.
func (s *Service) ensureIssueIndex() error {
	return s.opts.State.Update(func(tx *storage.Tx) error {
		return tx.EnsureAppIssueIndex(func(v []byte) (storage.AppIssueKey, bool) {
			var is Issue
			if json.Unmarshal(v, &is) != nil {
				return storage.AppIssueKey{}, false
			}
			return issueKey(&is), true
		})
	})
}
