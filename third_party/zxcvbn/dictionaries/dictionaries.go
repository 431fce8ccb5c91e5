// Package dictionaries holds zxcvbn's ranked word lists (common
// passwords, English words, names, TV and film words) in a packed form
// that costs no heap: each list is sorted and embedded as two read-only
// strings, looked up by binary search. Upstream builds the same lists
// into Go maps in its package init, about 8 MB of heap in every process
// that imports it, whether or not it ever checks a password (ward issue
// 15). The lookups give exactly upstream's ranks: gen builds the files
// from upstream's own lists, and a test compares every word.
package dictionaries

import (
	_ "embed"
	"strings"
)

//go:generate go run ./gen

// Dictionary is one ranked word list: lower-case words, rank 1 the most
// common.
type Dictionary struct {
	name string
	// index holds 8 bytes per word in sorted order: the offset of the
	// word in words and its rank, both little-endian uint32.
	index string
	words string
}

// Name is the list's name in upstream zxcvbn (match.DictionaryName).
func (d Dictionary) Name() string { return d.name }

// Len is the number of words.
func (d Dictionary) Len() int { return len(d.index) / 8 }

// u32 reads the little-endian uint32 at s[i:i+4].
func u32(s string, i int) uint32 {
	return uint32(s[i]) | uint32(s[i+1])<<8 | uint32(s[i+2])<<16 | uint32(s[i+3])<<24
}

func (d Dictionary) word(i int) string {
	end := uint32(len(d.words))
	if i+1 < d.Len() {
		end = u32(d.index, 8*i+8)
	}
	return d.words[u32(d.index, 8*i):end]
}

// Rank reports the rank of the lower-case word, and whether it is on the
// list at all.
func (d Dictionary) Rank(word string) (int, bool) {
	lo, hi := 0, d.Len()
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		switch c := strings.Compare(d.word(mid), word); {
		case c == 0:
			return int(u32(d.index, 8*mid+4)), true
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return 0, false
}

var (
	//go:embed passwords.idx
	passwordsIndex string
	//go:embed passwords.words
	passwordsWords string
	//go:embed english_wikipedia.idx
	englishIndex string
	//go:embed english_wikipedia.words
	englishWords string
	//go:embed female_names.idx
	femaleIndex string
	//go:embed female_names.words
	femaleWords string
	//go:embed male_names.idx
	maleIndex string
	//go:embed male_names.words
	maleWords string
	//go:embed surnames.idx
	surnamesIndex string
	//go:embed surnames.words
	surnamesWords string
	//go:embed us_tv_and_film.idx
	tvIndex string
	//go:embed us_tv_and_film.words
	tvWords string
)

// Passwords is the list of the 30,000 most common passwords.
func Passwords() Dictionary {
	return Dictionary{name: "passwords", index: passwordsIndex, words: passwordsWords}
}

// All returns every list.
func All() []Dictionary {
	return []Dictionary{
		Passwords(),
		{name: "english_wikipedia", index: englishIndex, words: englishWords},
		{name: "female_names", index: femaleIndex, words: femaleWords},
		{name: "male_names", index: maleIndex, words: maleWords},
		{name: "surnames", index: surnamesIndex, words: surnamesWords},
		{name: "us_tv_and_film", index: tvIndex, words: tvWords},
	}
}
