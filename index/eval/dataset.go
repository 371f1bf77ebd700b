package eval

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// maxLine bounds one line of a dataset file; BEIR corpora have long
// abstracts, queries and qrels are short.
const maxLine = 16 << 20

// Query is one test question.
type Query struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Dataset is a test collection's queries and relevance judgments.
type Dataset struct {
	Name    string
	Dir     string
	Queries []Query
	// Qrels maps query ID → document ID → graded relevance; pairs not
	// listed, and grades below 1, are non-relevant.
	Qrels map[string]map[string]int
}

// CorpusPath is where the collection's documents are, one JSON object
// {"id", "title", "text"} per line.
func (ds *Dataset) CorpusPath() string { return filepath.Join(ds.Dir, "corpus.jsonl") }

// Load reads queries.jsonl and qrels.tsv from dir. It returns an error
// naming the file and line for a malformed line, a query without an ID,
// a duplicate query ID or judgment, or a non-integer grade, and an error
// when a file cannot be read.
func Load(dir string) (*Dataset, error) {
	ds := &Dataset{Name: filepath.Base(filepath.Clean(dir)), Dir: dir}
	var err error
	if ds.Queries, err = loadQueries(filepath.Join(dir, "queries.jsonl")); err != nil {
		return nil, err
	}
	if ds.Qrels, err = loadQrels(filepath.Join(dir, "qrels.tsv")); err != nil {
		return nil, err
	}
	return ds, nil
}

func loadQueries(path string) ([]Query, error) {
	var qs []Query
	seen := make(map[string]bool)
	err := eachLine(path, func(n int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		var q Query
		if err := json.Unmarshal([]byte(line), &q); err != nil {
			return fmt.Errorf("%s:%d: couldn't parse query: %w", path, n, err)
		}
		if q.ID == "" {
			return fmt.Errorf("%s:%d: query has no id", path, n)
		}
		if seen[q.ID] {
			return fmt.Errorf("%s:%d: duplicate query id %q", path, n, q.ID)
		}
		seen[q.ID] = true
		qs = append(qs, q)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return qs, nil
}

// loadQrels reads BEIR qrels: a header line, then
// query-id<TAB>corpus-id<TAB>score.
func loadQrels(path string) (map[string]map[string]int, error) {
	qrels := make(map[string]map[string]int)
	err := eachLine(path, func(n int, line string) error {
		if strings.TrimSpace(line) == "" {
			return nil
		}
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if n == 1 {
			// A first line that parses as a judgment means the header is
			// missing, and silently skipping it would lose that judgment.
			if len(f) == 3 {
				if _, err := strconv.Atoi(strings.TrimSpace(f[2])); err == nil {
					return fmt.Errorf("%s:1: missing header line (query-id, corpus-id, score)", path)
				}
			}
			return nil
		}
		if len(f) != 3 {
			return fmt.Errorf("%s:%d: want 3 tab-separated fields, got %d", path, n, len(f))
		}
		qid, did := strings.TrimSpace(f[0]), strings.TrimSpace(f[1])
		if qid == "" || did == "" {
			return fmt.Errorf("%s:%d: empty query or corpus id", path, n)
		}
		rel, err := strconv.Atoi(strings.TrimSpace(f[2]))
		if err != nil {
			return fmt.Errorf("%s:%d: bad score %q: %w", path, n, f[2], err)
		}
		m := qrels[qid]
		if m == nil {
			m = make(map[string]int)
			qrels[qid] = m
		}
		if _, dup := m[did]; dup {
			return fmt.Errorf("%s:%d: duplicate judgment for %s/%s", path, n, qid, did)
		}
		m[did] = rel
		return nil
	})
	if err != nil {
		return nil, err
	}
	return qrels, nil
}

// eachLine calls fn with each line of path and its 1-based number. An
// empty file is an error: a dataset without queries or judgments is a
// mistake.
func eachLine(path string, fn func(n int, line string) error) error {
	n, err := scanLines(path, fn)
	if err == nil && n == 0 {
		return fmt.Errorf("%s: empty file", path)
	}
	return err
}

// scanLines calls fn with each line of path and its 1-based number, and
// returns how many lines it read. It stops at fn's first error; it names
// the line of one too long to read.
func scanLines(path string, fn func(n int, line string) error) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("couldn't open dataset file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Text()); err != nil {
			return n, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return n, fmt.Errorf("%s:%d: line longer than %d bytes: %w", path, n+1, maxLine, err)
		}
		return n, fmt.Errorf("couldn't read %s: %w", path, err)
	}
	return n, nil
}
