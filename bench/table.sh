#!/usr/bin/env bash
# bench/table.sh (make bench, last): issue 15's one table. Reads the
# figures every bench appended to $WARD_BENCH_RESULTS (default
# bench/results/figures.tsv; format in bench/README.md "One table"):
#
#   issue  figure  ward  anchor  unit  goal      (tab-separated)
#
# and prints them as one table with ward/anchor and whether each goal is
# met. Goals: ratio<=X or ratio>=X (on ward/anchor), <=X or >=X (on ward,
# in unit), or - (none). A figure that is not a number is "n/a" and
# misses its goal.
#
# Settings (environment):
#   WARD_BENCH_RESULTS=bench/results/figures.tsv   the figures file
#   BENCH_STRICT=0                                 1: exit 1 when a goal is missed
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
results=${WARD_BENCH_RESULTS:-$root/bench/results/figures.tsv}
strict=${BENCH_STRICT:-0}

if [[ ! -s $results ]]; then
	echo "bench: no figures in $results" >&2
	exit 1
fi

echo
echo "One table (issue 15): every figure beside its anchor, measured in this run ($results)"
echo
awk -F'\t' -v strict="$strict" '
function num(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$/ }
function fmt(s) { return num(s) ? s : (s == "-" ? "-" : "n/a") }
BEGIN {
	n = 0
	hdr[1] = "issue"; hdr[2] = "figure"; hdr[3] = "ward"; hdr[4] = "anchor"
	hdr[5] = "unit"; hdr[6] = "ratio"; hdr[7] = "goal"; hdr[8] = "met?"
	for (c = 1; c <= 8; c++) w[c] = length(hdr[c])
}
/^[[:space:]]*(#|$)/ { next }
{
	n++
	cell[n, 1] = $1; cell[n, 2] = $2; cell[n, 3] = fmt($3); cell[n, 4] = fmt($4); cell[n, 5] = $5
	goal = ($6 == "") ? "-" : $6
	ratio = "-"
	if (num($3) && num($4) && $4 + 0 != 0) ratio = sprintf("%.2f", $3 / $4)
	met = "-"
	if (goal != "-") {
		if (match(goal, /^ratio(<=|>=)/)) {
			op = substr(goal, 6, 2); lim = substr(goal, 8); v = ratio
		} else if (match(goal, /^(<=|>=)/)) {
			op = substr(goal, 1, 2); lim = substr(goal, 3); v = num($3) ? $3 : "-"
		} else {
			op = "?"
		}
		if (op == "?" || !num(lim)) met = "bad goal"
		else if (v == "-") met = "no"
		else if (op == "<=") met = (v + 0 <= lim + 0) ? "yes" : "no"
		else met = (v + 0 >= lim + 0) ? "yes" : "no"
		if (met != "yes") missed++
	}
	cell[n, 6] = ratio; cell[n, 7] = goal; cell[n, 8] = met
	for (c = 1; c <= 8; c++) if (length(cell[n, c]) > w[c]) w[c] = length(cell[n, c])
}
END {
	line = ""
	for (c = 1; c <= 8; c++) line = line sprintf(c == 2 ? "%-*s  " : (c >= 3 && c <= 4 || c == 6 ? "%*s  " : "%-*s  "), w[c], hdr[c])
	sub(/ +$/, "", line)
	print line
	line = ""
	for (c = 1; c <= 8; c++) { s = ""; for (i = 0; i < w[c]; i++) s = s "-"; line = line s "  " }
	sub(/ +$/, "", line)
	print line
	for (r = 1; r <= n; r++) {
		line = ""
		for (c = 1; c <= 8; c++) line = line sprintf(c == 2 ? "%-*s  " : (c >= 3 && c <= 4 || c == 6 ? "%*s  " : "%-*s  "), w[c], cell[r, c])
		sub(/ +$/, "", line)
		print line
	}
	printf "\n%d figures, %d goals missed\n", n, missed + 0
	if (strict == 1 && missed > 0) exit 1
}' "$results"
