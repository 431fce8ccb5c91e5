// Command gen writes the packed word lists of package dictionaries from
// upstream zxcvbn's frequency lists, ranked exactly as upstream's
// buildRankedDict ranks them: lower-cased, rank = position + 1, a word
// that occurs twice after lower-casing keeps its later rank.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	for name, list := range frequency.FrequencyLists {
		ranks := make(map[string]int, len(list))
		for i, w := range list {
			ranks[strings.ToLower(w)] = i + 1
		}
		words := make([]string, 0, len(ranks))
		for w := range ranks {
			words = append(words, w)
		}
		sort.Strings(words)
		var index, blob bytes.Buffer
		for _, w := range words {
			index.Write(binary.LittleEndian.AppendUint32(nil, uint32(blob.Len())))
			index.Write(binary.LittleEndian.AppendUint32(nil, uint32(ranks[w])))
			blob.WriteString(w)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".idx"), index.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name+".words"), blob.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
