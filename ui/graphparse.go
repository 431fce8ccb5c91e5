package ui

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/prometheus/prometheus/promql/parser"
)

// exprParser parses the explorer's expressions before they are sent to
// the API, to show a syntax error at its position.
var exprParser = parser.NewParser(parser.Options{})

// exprError is a syntax error of the explorer's expression, with the
// expression split around the offending characters.
type exprError struct {
	Line, Column int    // 1-based; Column counts characters
	Message      string // the parser's, without the position
	Before       string // the expression before the mark
	Marked       string // the offending characters; a space at the end
	After        string
}

// Text is the error as the page says it: "line 1, column 9: ...".
func (e exprError) Text() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Message)
}

// parseExprError parses expr and returns its first syntax error, or nil.
func parseExprError(expr string) *exprError {
	_, err := exprParser.ParseExpr(expr)
	if err == nil {
		return nil
	}
	var pe parser.ParseErrors
	var one *parser.ParseErr
	switch {
	case errors.As(err, &pe) && len(pe) > 0:
		return positionError(expr, pe[0])
	case errors.As(err, &one):
		return positionError(expr, *one)
	}
	return &exprError{Line: 1, Column: 1, Message: err.Error(), After: expr}
}

// positionError splits expr around e's position range, clamped to expr
// (the parser may point past its end: "unexpected end of input").
func positionError(expr string, e parser.ParseErr) *exprError {
	start, end := int(e.PositionRange.Start), int(e.PositionRange.End)
	start = min(max(start, 0), len(expr))
	end = min(max(end, start), len(expr))
	for start > 0 && start < len(expr) && !utf8.RuneStart(expr[start]) {
		start--
	}
	for end < len(expr) && !utf8.RuneStart(expr[end]) {
		end++
	}
	if end == start && end < len(expr) {
		_, n := utf8.DecodeRuneInString(expr[start:])
		end = start + n
	}
	x := &exprError{Message: fmt.Sprint(e.Err), Before: expr[:start], Marked: expr[start:end], After: expr[end:]}
	if x.Marked == "" {
		x.Marked = " " // the end of the input: mark where more was expected
	}
	x.Line = strings.Count(x.Before, "\n") + 1
	x.Column = utf8.RuneCountInString(x.Before[strings.LastIndex(x.Before, "\n")+1:]) + 1
	return x
}
