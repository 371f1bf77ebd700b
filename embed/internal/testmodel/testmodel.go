package testmodel

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
)

// Special token ids shared by both generated tokenizers, as in BERT.
const (
	PadID = 0
	UnkID = 100
	ClsID = 101
	SepID = 102
)

// Toy is a tiny BERT-like token encoder with random weights:
//
//	h = tanh((wordEmb[id] + typeEmb[type]) · W + B) * attentionMask
//
// Its output last_hidden_state is [batch, seq, Hidden]. Forward computes the
// same thing in plain Go so tests can check what the ONNX runtime returns.
type Toy struct {
	// Vocab maps each token to its id (index in the slice).
	Vocab   []string
	Hidden  int
	WordEmb [][]float32
	TypeEmb [][]float32
	W       [][]float32
	B       []float32
}

// toyWords is a small vocabulary in the register of the corpus, plus the
// words the e5, bge and nomic prefixes are made of.
var toyWords = []string{
	"the", "a", "of", "and", "in", "on", "with", "to", "for", "this",
	"meeting", "party", "delegation", "foreign", "affairs", "minister",
	"plenary", "session", "china", "chinese", "friendship", "association",
	"met", "said", "cooperation", "talks", "vice", "president", "congress",
	"people", "government", "visit", "relations", "two", "countries",
	"query", "passage", "search", "document", "represent", "sentence",
	"searching", "relevant", "passages", ":", "_", ".", ",", "-",
	"##s", "##ing", "##ed", "##ly",
}

// NewToy builds a toy model with hidden size hidden, deterministic for seed.
func NewToy(seed uint64, hidden int) *Toy {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	vocab := make([]string, 0, 110+len(toyWords))
	vocab = appendSpecialTokens(vocab)
	vocab = append(vocab, toyWords...)
	t := &Toy{Vocab: vocab, Hidden: hidden}
	t.WordEmb = randMatrix(r, len(vocab), hidden, 1)
	t.TypeEmb = randMatrix(r, 2, hidden, 0.1)
	t.W = randMatrix(r, hidden, hidden, 1/math.Sqrt(float64(hidden)))
	t.B = randMatrix(r, 1, hidden, 0.1)[0]
	return t
}

func randMatrix(r *rand.Rand, rows, cols int, scale float64) [][]float32 {
	m := make([][]float32, rows)
	for i := range m {
		m[i] = make([]float32, cols)
		for j := range m[i] {
			m[i][j] = float32(r.NormFloat64() * scale)
		}
	}
	return m
}

func flatten(m [][]float32) []float32 {
	var out []float32
	for _, row := range m {
		out = append(out, row...)
	}
	return out
}

// Forward returns the hidden state of every token of one sequence, as the
// ONNX graph computes it with an attention mask of ones.
func (t *Toy) Forward(ids, typeIDs []int) [][]float32 {
	out := make([][]float32, len(ids))
	for p, id := range ids {
		x := make([]float64, t.Hidden)
		for k := range x {
			x[k] = float64(t.WordEmb[id][k]) + float64(t.TypeEmb[typeIDs[p]][k])
		}
		h := make([]float32, t.Hidden)
		for j := range h {
			s := float64(t.B[j])
			for k := range x {
				s += x[k] * float64(t.W[k][j])
			}
			h[j] = float32(math.Tanh(s))
		}
		out[p] = h
	}
	return out
}

// ONNX returns the encoded ModelProto of the toy graph.
func (t *Toy) ONNX() []byte { return t.graph(false).model() }

// ONNXSentence returns the toy graph with its output pooled inside the
// model, as some exports do: sentence_embedding [batch, Hidden] is the sum
// of the attended token vectors (the mean up to a scale, which L2
// normalization removes).
func (t *Toy) ONNXSentence() []byte { return t.graph(true).model() }

func (t *Toy) graph(pooled bool) graph {
	h := int64(t.Hidden)
	g := graph{
		name: "toy-encoder",
		initializers: []tensor{
			{name: "word_emb", dims: []int64{int64(len(t.Vocab)), h}, floats: flatten(t.WordEmb)},
			{name: "type_emb", dims: []int64{2, h}, floats: flatten(t.TypeEmb)},
			{name: "dense_w", dims: []int64{h, h}, floats: flatten(t.W)},
			{name: "dense_b", dims: []int64{h}, floats: t.B},
		},
		inputs: []valueInfo{
			{name: "input_ids", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
			{name: "attention_mask", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
			{name: "token_type_ids", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
		},
		outputs: []valueInfo{
			{name: "last_hidden_state", elem: dtFloat, dims: []int64{-1, -1, h}, params: []string{"batch", "seq", ""}},
		},
		nodes: []node{
			{op: "Gather", name: "word", inputs: []string{"word_emb", "input_ids"}, outputs: []string{"we"}},
			{op: "Gather", name: "type", inputs: []string{"type_emb", "token_type_ids"}, outputs: []string{"te"}},
			{op: "Add", name: "emb", inputs: []string{"we", "te"}, outputs: []string{"x"}},
			{op: "MatMul", name: "mm", inputs: []string{"x", "dense_w"}, outputs: []string{"xw"}},
			{op: "Add", name: "bias", inputs: []string{"xw", "dense_b"}, outputs: []string{"xwb"}},
			{op: "Tanh", name: "act", inputs: []string{"xwb"}, outputs: []string{"hid"}},
			{op: "Cast", name: "maskf", inputs: []string{"attention_mask"}, outputs: []string{"mf"}, attrs: []attr{intAttr("to", dtFloat)}},
			{op: "Constant", name: "axes", outputs: []string{"axes_last"}, attrs: []attr{tensorAttr("value", tensor{name: "axes_last", dims: []int64{1}, ints: []int64{-1}})}},
			{op: "Unsqueeze", name: "mask3", inputs: []string{"mf", "axes_last"}, outputs: []string{"mf3"}},
			{op: "Mul", name: "masked", inputs: []string{"hid", "mf3"}, outputs: []string{"last_hidden_state"}},
		},
	}
	if pooled {
		g.outputs = []valueInfo{{name: "sentence_embedding", elem: dtFloat, dims: []int64{-1, h}, params: []string{"batch", ""}}}
		g.nodes = append(g.nodes,
			node{op: "Constant", name: "axes1", outputs: []string{"axes_1"}, attrs: []attr{tensorAttr("value", tensor{name: "axes_1", dims: []int64{1}, ints: []int64{1}})}},
			node{op: "Unsqueeze", name: "maskrow", inputs: []string{"mf", "axes_1"}, outputs: []string{"mrow"}},
			node{op: "MatMul", name: "sum", inputs: []string{"mrow", "last_hidden_state"}, outputs: []string{"summed"}},
			node{op: "Squeeze", name: "squeeze", inputs: []string{"summed", "axes_1"}, outputs: []string{"sentence_embedding"}},
		)
	}
	return g
}

// TokenizerJSON returns a BERT WordPiece tokenizer.json for vocab, in the
// format the Hugging Face tokenizers library writes (lower-casing, BERT
// pre-tokenizer, [CLS] A [SEP] template).
func TokenizerJSON(vocab []string) ([]byte, error) {
	v := make(map[string]int, len(vocab))
	for i, w := range vocab {
		v[w] = i
	}
	type added struct {
		ID         int    `json:"id"`
		Content    string `json:"content"`
		SingleWord bool   `json:"single_word"`
		Lstrip     bool   `json:"lstrip"`
		Rstrip     bool   `json:"rstrip"`
		Normalized bool   `json:"normalized"`
		Special    bool   `json:"special"`
	}
	var specials []added
	for i, w := range vocab {
		if w == "[PAD]" || w == "[UNK]" || w == "[CLS]" || w == "[SEP]" || w == "[MASK]" {
			specials = append(specials, added{ID: i, Content: w, Special: true})
		}
	}
	sort.Slice(specials, func(i, j int) bool { return specials[i].ID < specials[j].ID })
	special := func(id string) map[string]any {
		return map[string]any{"SpecialToken": map[string]any{"id": id, "type_id": 0}}
	}
	seq := func(id string, typ int) map[string]any {
		return map[string]any{"Sequence": map[string]any{"id": id, "type_id": typ}}
	}
	doc := map[string]any{
		"version":      "1.0",
		"truncation":   nil,
		"padding":      nil,
		"added_tokens": specials,
		"normalizer": map[string]any{
			"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
			"strip_accents": nil, "lowercase": true,
		},
		"pre_tokenizer": map[string]any{"type": "BertPreTokenizer"},
		"post_processor": map[string]any{
			"type":   "TemplateProcessing",
			"single": []any{special("[CLS]"), seq("A", 0), special("[SEP]")},
			"pair":   []any{special("[CLS]"), seq("A", 0), special("[SEP]"), seq("B", 1), special("[SEP]")},
			"special_tokens": map[string]any{
				"[CLS]": map[string]any{"id": "[CLS]", "ids": []int{v["[CLS]"]}, "tokens": []string{"[CLS]"}},
				"[SEP]": map[string]any{"id": "[SEP]", "ids": []int{v["[SEP]"]}, "tokens": []string{"[SEP]"}},
			},
		},
		"decoder": map[string]any{"type": "WordPiece", "prefix": "##", "cleanup": true},
		"model": map[string]any{
			"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
			"max_input_chars_per_word": 100, "vocab": v,
		},
	}
	return json.MarshalIndent(doc, "", " ")
}

// Folder says how to lay out a sentence-transformers model folder.
type Folder struct {
	// Pooling is "mean", "cls" or "max"; empty writes no 1_Pooling/config.json.
	Pooling string
	// Normalize adds a Normalize module to modules.json.
	Normalize bool
	// MaxSeqLength is written to sentence_bert_config.json when > 0.
	MaxSeqLength int
	// ONNXSubdir puts the model at onnx/model.onnx instead of model.onnx.
	ONNXSubdir bool
	// MaxPositions is config.json's max_position_embeddings (512 when 0).
	MaxPositions int
}

// WriteFolder writes the model, its tokenizer and the sentence-transformers
// configuration files into dir. It returns the path of the ONNX file.
func WriteFolder(dir string, onnx []byte, vocab []string, hidden int, f Folder) (string, error) {
	tok, err := TokenizerJSON(vocab)
	if err != nil {
		return "", fmt.Errorf("encode tokenizer: %w", err)
	}
	modelPath := filepath.Join(dir, "model.onnx")
	if f.ONNXSubdir {
		modelPath = filepath.Join(dir, "onnx", "model.onnx")
	}
	maxPos := f.MaxPositions
	if maxPos == 0 {
		maxPos = 512
	}
	files := map[string]any{
		"config.json": map[string]any{
			"architectures": []string{"BertModel"}, "model_type": "bert", "hidden_size": hidden,
			"max_position_embeddings": maxPos, "vocab_size": len(vocab), "pad_token_id": 0,
		},
	}
	modules := []map[string]any{
		{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
	}
	if f.Pooling != "" {
		files["1_Pooling/config.json"] = map[string]any{
			"word_embedding_dimension":          hidden,
			"pooling_mode_cls_token":            f.Pooling == "cls",
			"pooling_mode_mean_tokens":          f.Pooling == "mean",
			"pooling_mode_max_tokens":           f.Pooling == "max",
			"pooling_mode_mean_sqrt_len_tokens": false,
			"pooling_mode_lasttoken":            f.Pooling == "last",
		}
		modules = append(modules, map[string]any{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"})
	}
	if f.Normalize {
		modules = append(modules, map[string]any{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
	}
	files["modules.json"] = modules
	if f.MaxSeqLength > 0 {
		files["sentence_bert_config.json"] = map[string]any{"max_seq_length": f.MaxSeqLength, "do_lower_case": false}
	}
	write := func(path string, data []byte) error {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create folder for %s: %w", path, err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	for name, v := range files {
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return "", fmt.Errorf("encode %s: %w", name, err)
		}
		if err := write(filepath.Join(dir, filepath.FromSlash(name)), data); err != nil {
			return "", err
		}
	}
	if err := write(filepath.Join(dir, "tokenizer.json"), tok); err != nil {
		return "", err
	}
	if err := write(modelPath, onnx); err != nil {
		return "", err
	}
	return modelPath, nil
}

// appendSpecialTokens appends BERT's first 104 vocabulary entries: [PAD],
// [UNK], [CLS], [SEP] and [MASK] at their usual IDs, the rest [unusedN].
func appendSpecialTokens(vocab []string) []string {
	for i := 0; i <= 103; i++ {
		switch i {
		case PadID:
			vocab = append(vocab, "[PAD]")
		case UnkID:
			vocab = append(vocab, "[UNK]")
		case ClsID:
			vocab = append(vocab, "[CLS]")
		case SepID:
			vocab = append(vocab, "[SEP]")
		case 103:
			vocab = append(vocab, "[MASK]")
		default:
			vocab = append(vocab, fmt.Sprintf("[unused%d]", i))
		}
	}
	return vocab
}
