package corpusgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/plenary-search/plenary/index/clean"
)

// Options shapes the generated reports. Zero fields take the defaults.
type Options struct {
	// Seed makes the output reproducible; the same seed and sentences
	// give the same reports.
	Seed uint64
	// PassagesPerReport is how many paragraphs each report has (default
	// 10); the chunker keeps a paragraph of this length as one passage.
	PassagesPerReport int
	// MinSentences and MaxSentences bound the sentences per paragraph
	// (defaults 2 and 5, about 60 to 120 words with news sentences).
	MinSentences, MaxSentences int
}

// Generator writes synthetic reports from a pool of sentences.
type Generator struct {
	sentences []string
	opts      Options
}

// Report is one generated report.
type Report struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
	Text  string `json:"text"`
	// Paragraphs are the report's paragraphs, in order; Text joins them
	// with blank lines.
	Paragraphs []string `json:"-"`
}

// New returns a Generator sampling from sentences. It returns an error if
// sentences is empty or the options are inconsistent.
func New(sentences []string, opts Options) (*Generator, error) {
	if len(sentences) == 0 {
		return nil, errors.New("new generator: no sentences to sample from")
	}
	if opts.PassagesPerReport == 0 {
		opts.PassagesPerReport = 10
	}
	if opts.MinSentences == 0 {
		opts.MinSentences = 2
	}
	if opts.MaxSentences == 0 {
		opts.MaxSentences = max(5, opts.MinSentences)
	}
	if opts.PassagesPerReport < 0 || opts.MinSentences < 0 || opts.MaxSentences < opts.MinSentences {
		return nil, fmt.Errorf("new generator: bad options %+v", opts)
	}
	return &Generator{sentences: sentences, opts: opts}, nil
}

// PassagesPerReport is the number of paragraphs in each report.
func (g *Generator) PassagesPerReport() int { return g.opts.PassagesPerReport }

// Report returns report number i. It depends only on i, the seed and the
// sentences, so reports can be made in any order or in parallel.
func (g *Generator) Report(i int) Report {
	rng := rand.New(rand.NewPCG(g.opts.Seed, uint64(i)))
	r := Report{
		ID: fmt.Sprintf("gen-%07d", i),
		// Titles are sentences cut short, as headlines are.
		Title: headline(g.pick(rng)),
		Date:  fmt.Sprintf("%04d-%02d-%02d", 2005+rng.IntN(20), 1+rng.IntN(12), 1+rng.IntN(28)),
	}
	var text strings.Builder
	text.WriteString(r.Title)
	for range g.opts.PassagesPerReport {
		var p strings.Builder
		n := g.opts.MinSentences + rng.IntN(g.opts.MaxSentences-g.opts.MinSentences+1)
		for j := range n {
			if j > 0 {
				p.WriteByte(' ')
			}
			p.WriteString(g.pick(rng))
		}
		r.Paragraphs = append(r.Paragraphs, p.String())
		text.WriteString("\n\n")
		text.WriteString(p.String())
	}
	r.Text = text.String()
	return r
}

func (g *Generator) pick(rng *rand.Rand) string {
	return g.sentences[rng.IntN(len(g.sentences))]
}

// headline keeps the first words of a sentence, without its full stop.
func headline(s string) string {
	ws := strings.Fields(strings.TrimRight(s, ". "))
	return strings.Join(ws[:min(len(ws), 12)], " ")
}

// WriteJSONL writes reports 0..n-1 to w, one JSON object a line, in the
// format "plenary index" reads. It returns the first write error.
func (g *Generator) WriteJSONL(w io.Writer, n int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	for i := range n {
		if err := enc.Encode(g.Report(i)); err != nil {
			return fmt.Errorf("write report %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write reports: %w", err)
	}
	return nil
}

// Sentence lengths kept from a corpus, in words: shorter ones are mostly
// headings and furniture, longer ones lists of names.
const (
	minWords = 6
	maxWords = 60
)

// LoadSentences reads the "text" of every record of the JSONL files at
// paths (BEIR corpus.jsonl, or Plenary's own JSONL) or the lines of plain
// text files, splits them into sentences and returns those of 6 to 60
// words, at most limit of them (0: no limit). It returns an error if a
// file cannot be read; lines that are not JSON are skipped.
func LoadSentences(paths []string, limit int) ([]string, error) {
	var out []string
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("load sentences: %w", err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		jsonl := strings.HasSuffix(path, ".jsonl")
		for sc.Scan() {
			text := sc.Text()
			if jsonl {
				var rec struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(sc.Bytes(), &rec) != nil {
					continue
				}
				text = rec.Text
			}
			out = appendSentences(out, text)
			if limit > 0 && len(out) >= limit {
				f.Close()
				return out[:limit], nil
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("load sentences from %s: %w", path, err)
		}
	}
	return out, nil
}

func appendSentences(out []string, text string) []string {
	for _, sp := range clean.Sentences(text) {
		s := strings.Join(strings.Fields(text[sp[0]:sp[1]]), " ")
		if n := strings.Count(s, " ") + 1; n >= minWords && n <= maxWords {
			out = append(out, s)
		}
	}
	return out
}
