// Command lexbench measures the lexical index on test collections in the
// BEIR layout: it indexes each corpus document as one passage (title and
// text), runs every query for the top 100 and prints nDCG@10, MAP@100,
// Recall@100 and MRR@10 with index and query times.
//
//	go run ./index/eval/internal/lexbench -data ../shared/datasets -sets time,scifact
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/plenary-search/plenary/index/eval"
	"github.com/plenary-search/plenary/index/lexical"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "lexbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lexbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", filepath.Join("..", "shared", "datasets"), "directory of collections")
	sets := fs.String("sets", "time,medline,cisi,cranfield,cacm,scifact,adi", "comma-separated collection names")
	analyzer := fs.String("analyzer", lexical.DefaultAnalyzer, "analyzer for the index")
	k1 := fs.Float64("k1", lexical.DefaultK1, "BM25 k1")
	b := fs.Float64("b", lexical.DefaultB, "BM25 b")
	title := fs.Float64("title", lexical.DefaultTitleBoost, "title weight")
	bleveScoring := fs.Bool("bleve", false, "rank with bleve's own scoring model")
	depth := fs.Int("k", 100, "ranking depth per query")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := []lexical.Option{lexical.WithAnalyzer(*analyzer), lexical.WithBM25(*k1, *b), lexical.WithTitleBoost(*title)}
	if *bleveScoring {
		opts = append(opts, lexical.WithBleveScoring())
	}
	tmp, err := os.MkdirTemp("", "lexbench")
	if err != nil {
		return fmt.Errorf("couldn't make a scratch directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "set\tdocs\tqueries\tnDCG@10\tMAP@100\tR@100\tMRR@10\tindex\tms/query\t\n")
	var sum eval.Metrics
	names := strings.Split(*sets, ",")
	for _, name := range names {
		r, err := measure(ctx, filepath.Join(*data, name), filepath.Join(tmp, name), *depth, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m := r.metrics
		sum.NDCG10 += m.NDCG10
		sum.MAP100 += m.MAP100
		sum.Recall100 += m.Recall100
		sum.MRR10 += m.MRR10
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%s\t%.2f\t\n", name, r.docs, r.queries,
			m.NDCG10, m.MAP100, m.Recall100, m.MRR10, r.index.Round(time.Millisecond), r.perQuery.Seconds()*1000)
	}
	if n := float64(len(names)); n > 1 {
		fmt.Fprintf(tw, "mean\t\t\t%.3f\t%.3f\t%.3f\t%.3f\t\t\t\n", sum.NDCG10/n, sum.MAP100/n, sum.Recall100/n, sum.MRR10/n)
	}
	return tw.Flush()
}

type result struct {
	docs, queries int
	metrics       eval.Metrics
	index         time.Duration
	perQuery      time.Duration
}

func measure(ctx context.Context, dataset, dir string, depth int, opts []lexical.Option) (result, error) {
	var r result
	ds, err := eval.Load(dataset)
	if err != nil {
		return r, err
	}
	if len(ds.Queries) == 0 {
		return r, errors.New("no queries")
	}
	var docs []lexical.Doc
	err = eval.ReadCorpus(ctx, ds.CorpusPath(), func(d eval.CorpusDoc) error {
		docs = append(docs, lexical.Doc{ID: d.ID, DocID: d.ID, Title: d.Title, Text: d.Text})
		return nil
	})
	if err != nil {
		return r, err
	}
	x, err := lexical.Open(dir, opts...)
	if err != nil {
		return r, err
	}
	defer x.Close()
	start := time.Now()
	if err := x.Apply(ctx, docs, nil, 1); err != nil {
		return r, err
	}
	r.index = time.Since(start)
	start = time.Now()
	runs, err := eval.Run(ctx, ds, depth, func(ctx context.Context, q string, k int) ([]string, error) {
		hits, err := x.Search(ctx, q, k)
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.DocID
		}
		return ids, err
	})
	if err != nil {
		return r, err
	}
	r.perQuery = time.Since(start) / time.Duration(len(ds.Queries))
	r.docs, r.queries, r.metrics = len(docs), len(ds.Queries), eval.Score(ds, runs)
	return r, nil
}
