package lexical

import (
	"sync"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
)

// maxCachedStems bounds the stem cache: past it, new words are stemmed
// without being remembered, so memory stays bounded whatever the text.
const maxCachedStems = 1 << 17

// cachedAnalyzer runs an analyzer whose last filter is a stemmer, a pure
// function of each term, and remembers each term's stem. Highlighting
// analyses the whole text of every hit on every search, and stemming was
// 40 % of that (docs/performance.md); a passage's words are mostly words
// already seen. It gives exactly the tokens the analyzer gives.
type cachedAnalyzer struct {
	base    *analysis.DefaultAnalyzer
	before  []analysis.TokenFilter // the filters before the stemmer
	stemmer analysis.TokenFilter

	mu    sync.RWMutex
	stems map[string][]byte
}

// newCachedAnalyzer returns a caching form of a, or a itself when its
// last filter is not one of the stemmers known to be per-term functions.
func newCachedAnalyzer(a analysis.Analyzer) analysis.Analyzer {
	d, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(d.TokenFilters) == 0 {
		return a
	}
	last := d.TokenFilters[len(d.TokenFilters)-1]
	switch last.(type) {
	case *en.EnglishStemmerFilter, *en.EnglishPluralStemmerFilter, *porter.PorterStemmer:
	default:
		return a
	}
	return &cachedAnalyzer{
		base:    d,
		before:  d.TokenFilters[:len(d.TokenFilters)-1],
		stemmer: last,
		stems:   make(map[string][]byte),
	}
}

// Analyze is the base analyzer's Analyze with stems looked up first.
func (c *cachedAnalyzer) Analyze(input []byte) analysis.TokenStream {
	for _, cf := range c.base.CharFilters {
		input = cf.Filter(input)
	}
	tokens := c.base.Tokenizer.Tokenize(input)
	for _, f := range c.before {
		tokens = f.Filter(tokens)
	}
	var one [1]*analysis.Token
	for _, tok := range tokens {
		if tok.KeyWord {
			// Porter leaves keywords alone; not worth caching.
			one[0] = tok
			c.stemmer.Filter(one[:])
			continue
		}
		c.mu.RLock()
		stem, ok := c.stems[string(tok.Term)]
		c.mu.RUnlock()
		if ok {
			tok.Term = stem
			continue
		}
		word := string(tok.Term)
		one[0] = tok
		c.stemmer.Filter(one[:])
		c.mu.Lock()
		if len(c.stems) < maxCachedStems {
			// A copy: the token's bytes belong to its caller.
			c.stems[word] = append([]byte(nil), tok.Term...)
		}
		c.mu.Unlock()
	}
	return tokens
}
