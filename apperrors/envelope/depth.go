package envelope

import "fmt"

// checkDepth walks the tokens of a JSON document and refuses one that
// nests objects and arrays deeper than max. It runs before any decoder
// sees the document, in one pass without allocating, so a payload of a
// million '[' costs a scan, not a million stack frames. It does not
// check the syntax (json.Valid does); brackets inside strings, escaped
// quotes included, do not count.
func checkDepth(b []byte, max int) error {
	depth := 0
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			// Skip the string: to the next quote not escaped.
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
			if depth > max {
				return fmt.Errorf("nested deeper than %d levels at byte %d", max, i)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}
