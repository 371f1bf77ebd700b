package onnx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/knights-analytics/hugot/backends"
	"github.com/sugarme/tokenizer"
	"github.com/sugarme/tokenizer/pretrained"

	"github.com/plenary-search/plenary/embed"
)

// DefaultBatchSize is how many texts go through the network at once.
const DefaultBatchSize = 32

// Options configure Open. The zero value reads everything from the folder.
type Options struct {
	// Logger receives load-time information; nil discards it.
	Logger *slog.Logger
	// Label names the model in Name(); empty uses the folder's base name.
	Label string
	// Family overrides the prefix convention detected from the folder name
	// and config.json: "e5", "bge", "nomic" or "none".
	Family string
	// Pooling overrides 1_Pooling/config.json: "mean", "cls", "max" or "last".
	Pooling string
	// MaxLength caps the number of tokens per text (including [CLS] and
	// [SEP]); 0 uses sentence_bert_config.json's max_seq_length, then
	// config.json's max_position_embeddings, then 512.
	MaxLength int
	// BatchSize is the number of texts per forward pass; 0 means
	// DefaultBatchSize.
	BatchSize int
	// Runtime chooses what runs the network: [RuntimeGo] (hugot's pure-Go
	// GoMLX backend), [RuntimeORT] (ONNX Runtime's native library, only
	// in binaries built with -tags ort, see [ORTCompiled]), or empty for
	// ONNX Runtime when it is compiled in and its library loads, else Go.
	// Both give the same vectors up to float rounding, so the model's
	// Name does not depend on it.
	Runtime string
	// ORTLibrary is the path of libonnxruntime.so for [RuntimeORT]; empty
	// lets the dynamic loader search (LD_LIBRARY_PATH, the system
	// directories) for libonnxruntime.so.
	ORTLibrary string
}

// Runtimes accepted by Options.Runtime.
const (
	RuntimeGo  = "go"
	RuntimeORT = "ort"
)

// Model is an [embed.Embedder] running a sentence-transformers ONNX export
// with hugot's pure-Go (GoMLX simplego) backend, or with ONNX Runtime in
// builds with the ort tag. It drives hugot's backend functions directly
// (input tensors, running the graph) rather than its
// FeatureExtractionPipeline, which only mean-pools, exits the process on a
// tokenizer error, and expects tokenizer.json beside the ONNX file. It is
// safe for concurrent use: forward passes are serialized, because one
// already uses every core and a second session would double the memory.
type Model struct {
	name      string
	dim       int
	pooling   string
	maxLen    int
	batchSize int
	queryPre  string
	passPre   string

	runtime string // RuntimeGo or RuntimeORT
	// seqBuckets and batchBuckets are the padded shapes the Go runtime
	// compiles; nil for ONNX Runtime, which takes any shape.
	seqBuckets, batchBuckets []int

	mu       sync.Mutex  // guards everything below, and the compiled model
	ort      *ortSession // set when ONNX Runtime runs the network
	model    *backends.Model
	base     *backends.BasePipeline
	tok      *tokenizer.Tokenizer
	outIndex int
	closed   bool
}

// Open loads the model folder dir: the ONNX file (onnx/model.onnx or
// model.onnx), tokenizer.json, and the optional config.json,
// sentence_bert_config.json, 1_Pooling/config.json and modules.json. It
// returns an error if a file is missing or malformed, if the model has no
// token-level or sentence-level float output, or if opts are invalid.
func Open(ctx context.Context, dir string, opts Options) (m *Model, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve model folder %s: %w", dir, err)
	}
	f, err := readFolder(abs)
	if err != nil {
		return nil, err
	}
	onnxBytes, err := os.ReadFile(f.onnxPath)
	if err != nil {
		return nil, fmt.Errorf("read onnx model: %w", err)
	}
	digest := sha256.Sum256(onnxBytes)
	sum := hex.EncodeToString(digest[:])

	m = &Model{batchSize: opts.BatchSize, pooling: f.pooling}
	if m.batchSize <= 0 {
		m.batchSize = DefaultBatchSize
	}
	var suffix []string
	if opts.Pooling != "" {
		switch opts.Pooling {
		case PoolMean, PoolCLS, PoolMax, PoolLast:
		default:
			return nil, fmt.Errorf("unknown pooling %q (want mean, cls, max or last)", opts.Pooling)
		}
		if opts.Pooling != f.pooling {
			suffix = append(suffix, "pool="+opts.Pooling)
		}
		m.pooling = opts.Pooling
	}
	label := opts.Label
	if label == "" {
		label = filepath.Base(abs)
	}
	family := DetectFamily(label, filepath.Base(abs), f.nameOrPath)
	if opts.Family != "" {
		if opts.Family != family {
			suffix = append(suffix, "prefix="+opts.Family)
		}
		family = opts.Family
	}
	if m.queryPre, m.passPre, err = FamilyPrefixes(family); err != nil {
		return nil, err
	}
	m.maxLen = 512
	switch {
	case f.maxSeqLength > 0:
		m.maxLen = f.maxSeqLength
	case f.maxPositions > 0:
		m.maxLen = f.maxPositions
	}
	if f.maxPositions > 0 && m.maxLen > f.maxPositions {
		m.maxLen = f.maxPositions
	}
	if opts.MaxLength > 0 && opts.MaxLength < m.maxLen {
		suffix = append(suffix, fmt.Sprintf("max=%d", opts.MaxLength))
		m.maxLen = opts.MaxLength
	}
	if m.maxLen < 2 {
		return nil, fmt.Errorf("max length %d leaves no room for text", m.maxLen)
	}
	m.name = "onnx:" + label + "@sha256:" + sum[:12]
	if len(suffix) > 0 {
		m.name += "," + strings.Join(suffix, ",")
	}

	// hugot and the tokenizer library panic on some malformed files
	// instead of returning errors.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("load onnx model %s: %v", abs, r)
			m = nil
		}
	}()
	model := &backends.Model{
		ID:                    f.onnxPath,
		Path:                  filepath.Dir(f.onnxPath), // external weights are relative to the ONNX file
		OnnxFilename:          f.onnxName,
		Pipelines:             map[string]backends.Pipeline{},
		MaxPositionEmbeddings: f.maxPositions,
		PadToken:              f.padToken,
	}
	m.model = model
	if err := m.loadRuntime(opts, f.onnxPath, onnxBytes, log); err != nil {
		return nil, err
	}
	tk, err := loadTokenizer(filepath.Join(abs, "tokenizer.json"))
	if err != nil {
		m.destroy()
		return nil, err
	}
	// Truncation and padding are done here, keeping [SEP] at the end.
	tk.WithTruncation(nil)
	tk.WithPadding(nil)
	m.tok = tk
	model.Tokenizer = &backends.Tokenizer{
		Runtime:          "GO",
		GoTokenizer:      &backends.GoTokenizer{Tokenizer: tk},
		MaxAllowedTokens: m.maxLen,
		Destroy:          func() error { return nil },
	}
	m.base = &backends.BasePipeline{Model: model, Runtime: "GO", PipelineName: "plenary"}
	if err := m.finishLoad(); err != nil {
		m.destroy()
		return nil, err
	}
	log.Info("onnx model loaded", "name", m.name, "runtime", m.runtime, "dim", m.dim, "pooling", m.pooling,
		"max_tokens", m.maxLen, "family", family, "normalize_module", f.normalize,
		"output", model.OutputsMeta[m.outIndex].Name)
	return m, nil
}

// loadRuntime prepares what runs the network, as opts.Runtime asks, and
// fills m.model's input and output descriptions.
func (m *Model) loadRuntime(opts Options, onnxPath string, onnxBytes []byte, log *slog.Logger) error {
	switch opts.Runtime {
	case "", RuntimeGo, RuntimeORT:
	default:
		return fmt.Errorf("unknown onnx runtime %q (want %s or %s)", opts.Runtime, RuntimeGo, RuntimeORT)
	}
	if opts.Runtime == RuntimeORT || (opts.Runtime == "" && ORTCompiled) {
		s, err := openORT(onnxPath, opts.ORTLibrary)
		switch {
		case err == nil:
			m.ort, m.runtime = s, RuntimeORT
			m.model.InputsMeta, m.model.OutputsMeta = s.inputs, s.outputs
			return nil
		case opts.Runtime == RuntimeORT:
			return fmt.Errorf("load onnx model %s with ONNX Runtime: %w", onnxPath, err)
		}
		log.Warn("ONNX Runtime unavailable; running the model in pure Go, much slower", "err", err)
	}
	// Shapes are padded to buckets so that the number of compiled graphs
	// stays bounded (simplego otherwise compiles one per distinct
	// batch×length and keeps them all).
	// Steps of 16 tokens up to 256 keep padding small for passages of a
	// few hundred words (planBatches picks batches that fill them).
	m.seqBuckets = bucketsUpTo([]int{16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 320, 384, 448}, m.maxLen)
	m.batchBuckets = bucketsUpTo([]int{1, 2, 4, 8, 16}, m.batchSize)
	if err := loadGoMLX(m.model, onnxBytes, m.batchBuckets, m.seqBuckets); err != nil {
		return fmt.Errorf("load onnx model %s: %w", onnxPath, err)
	}
	m.runtime = RuntimeGo
	return nil
}

// destroy releases the runtime's resources.
func (m *Model) destroy() {
	if m.ort != nil {
		m.ort.close()
		m.ort = nil
	}
	if m.model != nil && m.model.GoMLXModel != nil {
		m.model.GoMLXModel.Destroy()
		m.model.GoMLXModel = nil
	}
}

// finishLoad picks the output and learns the dimension.
func (m *Model) finishLoad() error {
	model := m.model
	m.outIndex = -1
	for _, want := range []string{"last_hidden_state", "token_embeddings", "sentence_embedding"} {
		for i, o := range model.OutputsMeta {
			if o.Name == want {
				m.outIndex = i
				break
			}
		}
		if m.outIndex >= 0 {
			break
		}
	}
	if m.outIndex < 0 {
		if len(model.OutputsMeta) == 0 {
			return errors.New("onnx model has no outputs")
		}
		m.outIndex = 0
	}
	dims := model.OutputsMeta[m.outIndex].Dimensions
	if len(dims) != 2 && len(dims) != 3 {
		return fmt.Errorf("onnx output %s has shape %v, want [batch, dim] or [batch, seq, dim]", model.OutputsMeta[m.outIndex].Name, dims)
	}
	if d := dims[len(dims)-1]; d > 0 {
		m.dim = int(d)
		return nil
	}
	// The export left the hidden size symbolic: learn it from one text.
	vecs, err := m.run([]string{"dimension probe"})
	if err != nil {
		return fmt.Errorf("probe onnx output dimension: %w", err)
	}
	m.dim = len(vecs[0])
	if m.dim == 0 {
		return errors.New("onnx model returned empty vectors")
	}
	return nil
}

// bucketsUpTo returns the sizes below limit, then limit itself: padding
// never goes past the model's maximum.
func bucketsUpTo(sizes []int, limit int) []int {
	var out []int
	for _, s := range sizes {
		if s < limit {
			out = append(out, s)
		}
	}
	return append(out, limit)
}

func loadTokenizer(path string) (tk *tokenizer.Tokenizer, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open tokenizer: %w", err)
	}
	defer f.Close()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parse tokenizer %s: %v", path, r)
		}
	}()
	tk, err = pretrained.FromReader(f)
	if err != nil {
		return nil, fmt.Errorf("parse tokenizer %s: %w", path, err)
	}
	return tk, nil
}

// Name returns "onnx:LABEL@sha256:HASH" (first 12 hex digits of the ONNX
// file's SHA-256), followed by ",pool=…", ",prefix=…" or ",max=…" when an
// option changed what the folder says.
func (m *Model) Name() string { return m.name }

// Dim returns the model's output dimension.
func (m *Model) Dim() int { return m.dim }

// Pooling returns the pooling mode in use.
func (m *Model) Pooling() string { return m.pooling }

// Runtime returns what runs the network: [RuntimeGo] or [RuntimeORT].
func (m *Model) Runtime() string { return m.runtime }

// MaxLength returns the token limit per text.
func (m *Model) MaxLength() int { return m.maxLen }

// Prefixes returns what is put before queries and before passages.
func (m *Model) Prefixes() (query, passage string) { return m.queryPre, m.passPre }

// Close releases the compiled model. Embed returns an error afterwards.
func (m *Model) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	m.destroy()
	return nil
}

// maxTextBytes bounds the text handed to the tokenizer: far more than
// MaxLength tokens ever need, and it keeps a pathological input (megabytes
// without a useful token) from costing seconds.
func (m *Model) maxTextBytes() int { return m.maxLen * 64 }

// sanitize makes text safe for the tokenizer: valid UTF-8, never empty, not
// absurdly long, and without the characters BERT's text cleaning deletes
// (NUL, U+FFFD, control and format characters). Deleting them here gives
// the same tokens and avoids an index bug in the tokenizer library's
// cleaning, which panics on such characters after multi-byte ones.
func (m *Model) sanitize(prefix, text string) string {
	if limit := m.maxTextBytes(); len(text) > limit {
		text = text[:limit]
	}
	text = strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case r == 0 || r == utf8.RuneError || unicode.In(r, unicode.Cc, unicode.Cf):
			return -1
		}
		return r
	}, text)
	text = prefix + text
	if strings.TrimSpace(text) == "" {
		// An empty encoding would be [CLS][SEP] anyway; the explicit
		// placeholder keeps every tokenizer happy.
		text = "."
	}
	return text
}

// Embed embeds texts in batches of the configured size, applying the
// model family's query or passage prefix. It returns ctx.Err() if ctx is
// cancelled between batches (a running forward pass is not interrupted),
// and an error if the model is closed or tokenization or inference fails.
func (m *Model) Embed(ctx context.Context, kind embed.Kind, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	prefix := m.passPre
	if kind == embed.Query {
		prefix = m.queryPre
	}
	in := make([]string, len(texts))
	for i, t := range texts {
		in[i] = m.sanitize(prefix, t)
	}
	inputs, err := m.encodeLocked(ctx, in)
	if err != nil {
		return nil, err
	}
	lens := make([]int, len(inputs))
	for i, ti := range inputs {
		lens[i] = len(ti.TokenIDs)
	}
	out := make([][]float32, len(texts))
	// The lock is taken per batch, so that a question waits for one
	// batch of an indexing run, not for all of it.
	for _, idx := range planBatches(lens, m.batchSize, m.batchBuckets, m.seqBuckets) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		batch := make([]backends.TokenizedInput, len(idx))
		for j, i := range idx {
			batch[j] = inputs[i]
		}
		vecs, err := m.forwardLocked(ctx, batch)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = vecs[j]
		}
	}
	return out, nil
}

// encodeLocked tokenizes texts under the model's lock (the tokenizer is
// not documented as safe for concurrent use).
func (m *Model) encodeLocked(ctx context.Context, texts []string) ([]backends.TokenizedInput, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errors.New("onnx model is closed")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return m.encode(texts)
}

// forwardLocked runs one batch under the model's lock and normalizes the
// vectors.
func (m *Model) forwardLocked(ctx context.Context, inputs []backends.TokenizedInput) ([][]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, errors.New("onnx model is closed")
	}
	// The lock may have been waited for a long time.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	vecs, err := m.forward(inputs)
	if err != nil {
		return nil, err
	}
	for i, v := range vecs {
		if len(v) != m.dim {
			return nil, fmt.Errorf("onnx model returned a vector of length %d, want %d", len(v), m.dim)
		}
		vecs[i] = embed.Normalize(v)
	}
	return vecs, nil
}

// passCost is the fixed cost of one forward pass, in padded tokens, that
// planBatches weighs against padding: the many small operations of a
// pass cost about as much as this many tokens of matrix products.
const passCost = 64

// planBatches splits texts of the given token counts into batches, as
// lists of indexes, minimizing the padded tokens the network processes
// plus passCost per pass. A batch holds texts of neighbouring lengths and
// at most maxBatch of them; when batchBuckets is set (the Go runtime,
// which pads shapes to compiled buckets) its size is one of them, so
// that no padded rows are computed, and its length is padded to the
// first of seqBuckets that holds its longest text. Texts of similar
// length in one batch waste less than a fixed batch size of texts sorted
// by bytes did (measured: 40% padding down to under 10% on the corpus).
func planBatches(lens []int, maxBatch int, batchBuckets, seqBuckets []int) [][]int {
	n := len(lens)
	if n == 0 {
		return nil
	}
	maxBatch = max(maxBatch, 1)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return lens[order[a]] < lens[order[b]] })
	sizes := batchBuckets
	if len(sizes) == 0 {
		sizes = make([]int, maxBatch)
		for i := range sizes {
			sizes[i] = i + 1
		}
	}
	padded := func(l int) int {
		for _, b := range seqBuckets {
			if b >= l {
				return b
			}
		}
		return l
	}
	// best[i] is the least cost of the i shortest texts; take[i] the size
	// of the last batch that achieves it. Sizes include 1, or every text
	// could not be covered; a bucket list without 1 falls back to it.
	best := make([]int, n+1)
	take := make([]int, n+1)
	for i := 1; i <= n; i++ {
		best[i], take[i] = -1, 1
		for _, b := range sizes {
			if b > i || b > maxBatch {
				continue
			}
			c := best[i-b] + b*padded(lens[order[i-1]]) + passCost
			if best[i] < 0 || c < best[i] {
				best[i], take[i] = c, b
			}
		}
		if best[i] < 0 {
			best[i] = best[i-1] + padded(lens[order[i-1]]) + passCost
		}
	}
	var batches [][]int
	for i := n; i > 0; i -= take[i] {
		batches = append(batches, order[i-take[i]:i])
	}
	// Longest first: the slowest passes come while the caller's progress
	// bar is still young, and its estimate only gets better.
	return batches
}

// run tokenizes texts and runs them as one batch. The caller holds m.mu
// (or is Open, before m is shared).
func (m *Model) run(texts []string) ([][]float32, error) {
	inputs, err := m.encode(texts)
	if err != nil {
		return nil, err
	}
	return m.forward(inputs)
}

// encode tokenizes texts, truncated to the model's limit. The caller
// holds m.mu.
func (m *Model) encode(texts []string) (inputs []backends.TokenizedInput, err error) {
	defer func() {
		if r := recover(); r != nil {
			inputs, err = nil, fmt.Errorf("tokenize: %v", r)
		}
	}()
	inputs = make([]backends.TokenizedInput, len(texts))
	for i, t := range texts {
		enc, err := m.tok.EncodeSingle(t, true)
		if err != nil {
			return nil, fmt.Errorf("tokenize text %d: %w", i, err)
		}
		ti := truncate(enc, m.maxLen)
		ti.Raw = t
		inputs[i] = ti
	}
	return inputs, nil
}

// forward runs one forward pass over tokenized texts and pools. The
// caller holds m.mu (or is Open, before m is shared).
func (m *Model) forward(inputs []backends.TokenizedInput) (vecs [][]float32, err error) {
	defer func() {
		if r := recover(); r != nil {
			vecs, err = nil, fmt.Errorf("onnx inference failed: %v", r)
		}
	}()
	batch := backends.NewBatch(len(inputs))
	defer func() {
		if derr := batch.Destroy(); derr != nil && err == nil {
			err = fmt.Errorf("release onnx tensors: %w", derr)
		}
	}()
	maxSeq := 0
	for _, ti := range inputs {
		maxSeq = max(maxSeq, len(ti.TokenIDs))
	}
	if maxSeq == 0 {
		return nil, errors.New("tokenizer produced no tokens")
	}
	var output any
	if m.ort != nil {
		if output, err = m.ort.run(inputs, maxSeq, m.outIndex); err != nil {
			return nil, fmt.Errorf("run onnx model: %w", err)
		}
	} else {
		batch.Input = inputs
		batch.MaxSequenceLength = maxSeq
		if err := backends.CreateInputTensors(batch, m.model, m.base.Runtime); err != nil {
			return nil, fmt.Errorf("build onnx inputs: %w", err)
		}
		if err := backends.RunSessionOnBatch(batch, m.base); err != nil {
			return nil, fmt.Errorf("run onnx model: %w", err)
		}
		if m.outIndex >= len(batch.OutputValues) {
			return nil, fmt.Errorf("onnx model returned %d outputs, want at least %d", len(batch.OutputValues), m.outIndex+1)
		}
		output = batch.OutputValues[m.outIndex]
	}
	switch out := output.(type) {
	case [][]float32:
		if len(out) < len(inputs) {
			return nil, fmt.Errorf("onnx model returned %d vectors for %d texts", len(out), len(inputs))
		}
		vecs = make([][]float32, len(inputs))
		for i := range inputs {
			vecs[i] = append([]float32(nil), out[i]...)
		}
	case [][][]float32:
		if len(out) < len(inputs) {
			return nil, fmt.Errorf("onnx model returned %d sequences for %d texts", len(out), len(inputs))
		}
		vecs = make([][]float32, len(inputs))
		for i := range inputs {
			v, err := pool(m.pooling, out[i], inputs[i].AttentionMask)
			if err != nil {
				return nil, fmt.Errorf("pool text %d: %w", i, err)
			}
			vecs[i] = v
		}
	default:
		return nil, fmt.Errorf("onnx output has unsupported type %T", out)
	}
	return vecs, nil
}

// truncate converts an encoding to hugot's input, keeping at most maxLen
// tokens; a trailing special token ([SEP]) is kept at the end, as
// sentence-transformers' truncation does.
func truncate(enc *tokenizer.Encoding, maxLen int) backends.TokenizedInput {
	n := len(enc.Ids)
	keep := make([]int, 0, min(n, maxLen))
	if n <= maxLen {
		for i := range n {
			keep = append(keep, i)
		}
	} else {
		lastSpecial := len(enc.SpecialTokenMask) == n && enc.SpecialTokenMask[n-1] == 1
		limit := maxLen
		if lastSpecial {
			limit--
		}
		for i := range limit {
			keep = append(keep, i)
		}
		if lastSpecial {
			keep = append(keep, n-1)
		}
	}
	ti := backends.TokenizedInput{
		TokenIDs:      make([]uint32, len(keep)),
		TypeIDs:       make([]uint32, len(keep)),
		AttentionMask: make([]uint32, len(keep)),
	}
	for j, i := range keep {
		ti.TokenIDs[j] = uint32(enc.Ids[i])
		if i < len(enc.TypeIds) {
			ti.TypeIDs[j] = uint32(enc.TypeIds[i])
		}
		ti.AttentionMask[j] = 1
		if i < len(enc.AttentionMask) && enc.AttentionMask[i] == 0 {
			ti.AttentionMask[j] = 0
		}
		if ti.AttentionMask[j] != 0 {
			ti.MaxAttentionIndex = j
		}
	}
	return ti
}

// pool reduces a sequence of token vectors to one. hugot drops padded
// positions, so tokens[i] corresponds to mask[i].
func pool(mode string, tokens [][]float32, mask []uint32) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, errors.New("no token vectors")
	}
	dim := len(tokens[0])
	attended := func(i int) bool { return i >= len(mask) || mask[i] != 0 }
	out := make([]float32, dim)
	switch mode {
	case PoolCLS:
		copy(out, tokens[0])
	case PoolLast:
		last := 0
		for i := range tokens {
			if attended(i) {
				last = i
			}
		}
		copy(out, tokens[last])
	case PoolMax:
		first := true
		for i, t := range tokens {
			if !attended(i) {
				continue
			}
			for k := range out {
				if first || t[k] > out[k] {
					out[k] = t[k]
				}
			}
			first = false
		}
	default:
		// Summing in float64 keeps long sequences accurate.
		sum := make([]float64, dim)
		n := 0
		for i, t := range tokens {
			if !attended(i) {
				continue
			}
			for k := range sum {
				sum[k] += float64(t[k])
			}
			n++
		}
		if n == 0 {
			return nil, errors.New("every token is masked")
		}
		for k := range out {
			out[k] = float32(sum[k] / float64(n))
		}
	}
	return out, nil
}
