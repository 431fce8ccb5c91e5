package matching

import (
	"strings"

	"github.com/ward-monitoring/ward/third_party/zxcvbn/dictionaries"
	"github.com/ward-monitoring/ward/third_party/zxcvbn/match"
)

// ranker is a ranked dictionary: the packed built-in lists
// (dictionaries.Dictionary) or the caller's words (rankedDictionnary).
// ward: upstream holds every list as a map built in package init.
type ranker interface {
	Rank(word string) (int, bool)
}

type namedRanker struct {
	name string
	dict ranker
}

type dictionaryMatch struct {
	rankedDictionaries []namedRanker
}

func (dm dictionaryMatch) Matches(password string) []*match.Match {
	var results []*match.Match

	for _, d := range dm.rankedDictionaries {
		for i := range password {
			for delta := range password[i:] {
				j := i + delta
				word := strings.ToLower(password[i : j+1])
				if val, ok := d.dict.Rank(word); ok {
					matchDic := &match.Match{
						Pattern:        "dictionary",
						I:              i,
						J:              j,
						Token:          password[i : j+1],
						MatchedWord:    word,
						Rank:           val,
						DictionaryName: d.name,
					}

					results = append(results, matchDic)
				}
			}
		}
	}

	match.Sort(results)
	return results
}

func (dm dictionaryMatch) withDict(name string, d ranker) dictionaryMatch {
	rd2 := make([]namedRanker, 0, len(dm.rankedDictionaries)+1)
	for _, r := range dm.rankedDictionaries {
		if r.name != name {
			rd2 = append(rd2, r)
		}
	}
	rd2 = append(rd2, namedRanker{name: name, dict: d})
	return dictionaryMatch{rankedDictionaries: rd2}
}

type rankedDictionnary map[string]int

// Rank reports word's rank.
func (d rankedDictionnary) Rank(word string) (int, bool) {
	r, ok := d[word]
	return r, ok
}

func buildRankedDict(unrankedList []string) rankedDictionnary {
	result := make(rankedDictionnary)

	for i, v := range unrankedList {
		result[strings.ToLower(v)] = i + 1
	}

	return result
}

// loadDefaultDictionnaries wraps the packed lists; it allocates only the
// slice of names.
func loadDefaultDictionnaries() dictionaryMatch {
	all := dictionaries.All()
	rd := make([]namedRanker, len(all))
	for i, d := range all {
		rd[i] = namedRanker{name: d.Name(), dict: d}
	}
	return dictionaryMatch{rankedDictionaries: rd}
}
