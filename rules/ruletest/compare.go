package ruletest

import (
	"math"
	"strings"
)

// exactFloatEqual is promtool's default sample comparison.
func exactFloatEqual(a, b float64) bool { return a == b }

// fuzzyFloatEqual also accepts neighbouring floats (one ULP apart), for
// results whose last bit depends on summation order. A test file opts in
// with `fuzzy_compare: true`, as in promtool.
func fuzzyFloatEqual(a, b float64) bool {
	return a == b || math.Nextafter(a, math.Inf(-1)) == b || math.Nextafter(a, math.Inf(1)) == b
}

// lineDiff renders the difference between exp and got, one entry per line:
// "- " for a line only expected, "+ " for a line only got, "  " for both.
// The inputs are small (one line per alert or sample), so a quadratic
// longest-common-subsequence table is fine.
func lineDiff(exp, got []string) string {
	// lcs[i][j] is the length of the LCS of exp[i:] and got[j:].
	lcs := make([][]int, len(exp)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(got)+1)
	}
	for i := len(exp) - 1; i >= 0; i-- {
		for j := len(got) - 1; j >= 0; j-- {
			if exp[i] == got[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}

	var b strings.Builder
	line := func(mark, s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(mark + s)
	}
	i, j := 0, 0
	for i < len(exp) || j < len(got) {
		switch {
		case i < len(exp) && j < len(got) && exp[i] == got[j]:
			line("  ", exp[i])
			i, j = i+1, j+1
		case j == len(got) || (i < len(exp) && lcs[i+1][j] >= lcs[i][j+1]):
			line("- ", exp[i])
			i++
		default:
			line("+ ", got[j])
			j++
		}
	}
	if b.Len() == 0 {
		return "(both empty)"
	}
	return b.String()
}
