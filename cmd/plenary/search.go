package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/plenary-search/plenary/index"
	"github.com/plenary-search/plenary/web"
)

// runSearch answers cfg.Question from the index in cfg.DataDir and prints
// the hits, as text or as JSON. It returns an error when the index cannot be
// opened or the query cannot be run.
func runSearch(ctx context.Context, cfg config, stdin io.Reader, stdout io.Writer, getenv func(string) string, log *slog.Logger) error {
	q := cfg.Question
	if q == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<20))
		if err != nil {
			return fmt.Errorf("read question from stdin: %w", err)
		}
		q = strings.TrimSpace(string(b))
		if q == "" {
			return fmt.Errorf("%w: empty question on stdin", errUsage)
		}
	}

	// Opening creates a missing data directory; for a search that would
	// hide a mistyped --data behind an empty answer.
	if _, err := os.Stat(cfg.DataDir); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no index in %s: index reports first with \"plenary index --data %s PATH...\"", cfg.DataDir, cfg.DataDir)
	}
	ix, closeIndex, err := openIndex(ctx, cfg, getenv, log)
	if err != nil {
		return err
	}
	defer closeIndex()
	if st, err := ix.Stats(ctx); err == nil && st.Documents == 0 {
		return fmt.Errorf("the index in %s is empty: index reports first with \"plenary index --data %s PATH...\"", cfg.DataDir, cfg.DataDir)
	}

	start := time.Now()
	res, err := ix.Search(ctx, index.Query{Text: q, K: cfg.K, Mode: cfg.Mode})
	if err != nil {
		return fmt.Errorf("search %q: %w", q, err)
	}
	took := time.Since(start)

	if cfg.JSON {
		return writeJSON(stdout, web.NewSearchResponse(res.Query, cfg.Mode, res.Hits, took))
	}
	why := index.Mode("")
	if cfg.Why {
		why = cfg.Mode
		if why == "" {
			why = index.ModeHybrid
		}
	}
	return writeHits(stdout, res, emphasis(isTerminal(stdout)), why)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// emphasis marks the matching words of a snippet: bold on a terminal,
// Markdown-style asterisks elsewhere, which read well in a pipe or a file.
type emphasis bool

func (e emphasis) wrap(s string) string {
	if e {
		return "\x1b[1m" + s + "\x1b[0m"
	}
	return "**" + s + "**"
}

// writeHits prints one block per hit: rank, title, date and place, score,
// the passage's URL path, and the snippet. When why is a mode, a last line
// says why the hit was found, in the words of the result pages.
func writeHits(w io.Writer, res index.Results, em emphasis, why index.Mode) error {
	bw := bufio.NewWriter(w)
	if len(res.Hits) == 0 {
		fmt.Fprintf(bw, "No passages answer %q.\n", res.Query)
		return bw.Flush()
	}
	for i, h := range res.Hits {
		if i > 0 {
			bw.WriteString("\n")
		}
		title := h.Title
		if title == "" {
			title = h.DocID
		}
		fmt.Fprintf(bw, "%d. %s\n", i+1, oneLine(title))
		var meta []string
		if h.Date != "" {
			meta = append(meta, h.Date)
		}
		if h.Place != "" {
			meta = append(meta, h.Place)
		}
		meta = append(meta, fmt.Sprintf("score %.3f", h.Score))
		fmt.Fprintf(bw, "   %s\n", strings.Join(meta, " · "))
		fmt.Fprintf(bw, "   %s\n", web.PassageURL(h.DocID, h.Anchor))
		fmt.Fprintf(bw, "   %s\n", snippetText(h, em))
		if why != "" {
			fmt.Fprintf(bw, "   why: %s\n", oneLine(strings.Join(web.WhyLines(why, h), " · ")))
		}
	}
	return bw.Flush()
}

// snippetText renders a hit's snippet with its matches emphasised, or the
// start of the passage when the index gave no snippet.
func snippetText(h index.Hit, em emphasis) string {
	if len(h.Snippet) == 0 {
		return oneLine(truncate(h.Text, 300))
	}
	var b strings.Builder
	for _, f := range h.Snippet {
		t := oneLine(f.Text)
		if f.Match && strings.TrimSpace(t) != "" {
			// Keep the spaces around the word outside the markers.
			lead := t[:len(t)-len(strings.TrimLeft(t, " "))]
			trail := t[len(strings.TrimRight(t, " ")):]
			b.WriteString(lead + em.wrap(strings.TrimSpace(t)) + trail)
			continue
		}
		b.WriteString(t)
	}
	return strings.TrimSpace(b.String())
}

// oneLine collapses runs of white space, newlines included, into single
// spaces, so that a hit prints as a tidy block whatever the source's layout.
func oneLine(s string) string {
	f := strings.Fields(s)
	out := strings.Join(f, " ")
	// Fields drops leading and trailing space that separates fragments.
	if len(s) > 0 && len(f) > 0 {
		if isSpace(s[0]) {
			out = " " + out
		}
		if isSpace(s[len(s)-1]) {
			out += " "
		}
	} else if len(s) > 0 {
		return " "
	}
	return out
}

func isSpace(b byte) bool { return b == ' ' || b == '\n' || b == '\t' || b == '\r' }

// truncate shortens s to at most n bytes at a word boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut <= 0 {
		cut = n
		for cut > 0 && cut < len(s) && s[cut]&0xC0 == 0x80 {
			cut-- // do not split a UTF-8 sequence
		}
	}
	return s[:cut] + "…"
}
