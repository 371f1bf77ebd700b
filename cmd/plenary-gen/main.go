package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/plenary-search/plenary/index/corpusgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "plenary-gen:", err)
		}
		os.Exit(2)
	}
}

// run parses args and writes the reports to stdout. It returns an error
// for a bad command line, unreadable sentence files or a failed write.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plenary-gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	passages := fs.Int("passages", 10000, "about how many `N` passages (paragraphs) to write")
	perReport := fs.Int("per-report", 10, "paragraphs per report")
	seed := fs.Uint64("seed", 1, "random seed")
	from := fs.String("from", "", "comma-separated JSONL or text `FILES` to sample sentences from (required)")
	limit := fs.Int("sentences", 0, "use at most `N` sentences (0: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *from == "" || *passages <= 0 || *perReport <= 0 || fs.NArg() > 0 {
		fs.Usage()
		return errors.New("need --from FILES, --passages > 0, --per-report > 0 and no arguments")
	}
	sents, err := corpusgen.LoadSentences(strings.Split(*from, ","), *limit)
	if err != nil {
		return err
	}
	g, err := corpusgen.New(sents, corpusgen.Options{Seed: *seed, PassagesPerReport: *perReport})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	reports := max(*passages / *perReport, 1)
	if err := g.WriteJSONL(stdout, reports); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d reports of %d paragraphs from %d sentences\n", reports, *perReport, len(sents))
	return nil
}
