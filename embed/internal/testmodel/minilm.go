package testmodel

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// MiniLM sizes: the architecture of sentence-transformers/all-MiniLM-L6-v2.
const (
	MiniLMLayers    = 6
	MiniLMHidden    = 384
	MiniLMHeads     = 12
	MiniLMFFN       = 1536
	MiniLMVocab     = 30522
	MiniLMPositions = 512
)

// MiniLMVocabulary returns a vocabulary of exactly MiniLMVocab entries with
// BERT's special ids, the given words first, then filler tokens. Benchmarks
// pass words drawn from the text they embed so that sequence lengths are
// realistic.
func MiniLMVocabulary(words []string) []string {
	vocab := make([]string, 0, MiniLMVocab)
	vocab = appendSpecialTokens(vocab)
	seen := make(map[string]bool, len(vocab))
	for _, w := range vocab {
		seen[w] = true
	}
	add := func(w string) {
		if len(vocab) < MiniLMVocab && !seen[w] {
			seen[w] = true
			vocab = append(vocab, w)
		}
	}
	// Single characters and continuations let every word be tokenized.
	for c := '!'; c <= '~'; c++ {
		add(string(c))
		add("##" + string(c))
	}
	for _, w := range words {
		add(w)
	}
	for i := 0; len(vocab) < MiniLMVocab; i++ {
		add(fmt.Sprintf("[filler%d]", i))
	}
	return vocab
}

// MiniLMArch returns an ONNX BERT encoder with the shape of
// all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, FFN 1536, vocabulary
// 30522, 512 positions) and random weights, with inputs input_ids,
// attention_mask, token_type_ids and output last_hidden_state. It is for
// measuring speed only; its vectors mean nothing.
func MiniLMArch(seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	const (
		h    = MiniLMHidden
		head = MiniLMHidden / MiniLMHeads
	)
	var inits []tensor
	param := func(name string, scale float64, dims ...int64) string {
		n := int64(1)
		for _, d := range dims {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64() * scale)
		}
		inits = append(inits, tensor{name: name, dims: dims, floats: v})
		return name
	}
	fill := func(name string, x float32, dims ...int64) string {
		n := int64(1)
		for _, d := range dims {
			n *= d
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = x
		}
		inits = append(inits, tensor{name: name, dims: dims, floats: v})
		return name
	}
	var nodes []node
	op := func(typ, out string, inputs []string, attrs ...attr) string {
		nodes = append(nodes, node{op: typ, name: out, inputs: inputs, outputs: []string{out}, attrs: attrs})
		return out
	}
	constInts := func(name string, v ...int64) string {
		return op("Constant", name, nil, tensorAttr("value", tensor{name: name, dims: []int64{int64(len(v))}, ints: v}))
	}
	constFloat := func(name string, v float32) string {
		return op("Constant", name, nil, tensorAttr("value", tensor{name: name, dims: []int64{}, floats: []float32{v}}))
	}
	layerNorm := func(prefix, x string) string {
		return op("LayerNormalization", prefix+".ln", []string{x, fill(prefix+".gamma", 1, h), fill(prefix+".beta", 0, h)},
			intAttr("axis", -1), floatAttr("epsilon", 1e-12))
	}
	dense := func(prefix, x string, in, out int64) string {
		y := op("MatMul", prefix+".mm", []string{x, param(prefix+".w", 0.02, in, out)})
		return op("Add", prefix+".add", []string{y, fill(prefix+".b", 0, out)})
	}

	// Embeddings: word + position (sliced to the sequence length) + type.
	we := op("Gather", "emb.word", []string{param("emb.word_table", 0.02, MiniLMVocab, h), "input_ids"})
	shape := op("Shape", "emb.shape", []string{"input_ids"})
	seqLen := op("Slice", "emb.seqlen", []string{shape, constInts("c.one", 1), constInts("c.two", 2)})
	pos := op("Slice", "emb.pos", []string{param("emb.pos_table", 0.02, MiniLMPositions, h), constInts("c.zero", 0), seqLen, constInts("c.axis0", 0)})
	te := op("Gather", "emb.type", []string{param("emb.type_table", 0.02, 2, h), "token_type_ids"})
	x := op("Add", "emb.sum1", []string{we, pos})
	x = op("Add", "emb.sum2", []string{x, te})
	x = layerNorm("emb", x)

	// Additive attention mask [batch, 1, 1, seq]: 0 where attended, -10000 on padding.
	mf := op("Cast", "mask.f", []string{"attention_mask"}, intAttr("to", dtFloat))
	m4 := op("Unsqueeze", "mask.4d", []string{mf, constInts("c.axes12", 1, 2)})
	inv := op("Sub", "mask.inv", []string{constFloat("c.onef", 1), m4})
	bias := op("Mul", "mask.bias", []string{inv, constFloat("c.neg", -10000)})

	splitShape := constInts("c.split", 0, 0, MiniLMHeads, head)
	mergeShape := constInts("c.merge", 0, 0, h)
	scale := constFloat("c.scale", float32(math.Sqrt(head)))
	sqrt2 := constFloat("c.sqrt2", float32(math.Sqrt2))
	onef := constFloat("c.onef2", 1)
	half := constFloat("c.half", 0.5)
	for l := range MiniLMLayers {
		p := fmt.Sprintf("l%d", l)
		q := op("Transpose", p+".qt", []string{op("Reshape", p+".qr", []string{dense(p+".q", x, h, h), splitShape})}, intsAttr("perm", 0, 2, 1, 3))
		k := op("Transpose", p+".kt", []string{op("Reshape", p+".kr", []string{dense(p+".k", x, h, h), splitShape})}, intsAttr("perm", 0, 2, 3, 1))
		v := op("Transpose", p+".vt", []string{op("Reshape", p+".vr", []string{dense(p+".v", x, h, h), splitShape})}, intsAttr("perm", 0, 2, 1, 3))
		s := op("Div", p+".scaled", []string{op("MatMul", p+".scores", []string{q, k}), scale})
		s = op("Add", p+".masked", []string{s, bias})
		a := op("Softmax", p+".probs", []string{s}, intAttr("axis", -1))
		c := op("MatMul", p+".ctx", []string{a, v})
		c = op("Reshape", p+".ctxr", []string{op("Transpose", p+".ctxt", []string{c}, intsAttr("perm", 0, 2, 1, 3)), mergeShape})
		o := dense(p+".o", c, h, h)
		x1 := layerNorm(p+".attn", op("Add", p+".res1", []string{o, x}))
		f := dense(p+".ff1", x1, h, MiniLMFFN)
		// GELU(f) = 0.5 · f · (1 + erf(f / √2)), as BERT exports it.
		e := op("Erf", p+".erf", []string{op("Div", p+".fdiv", []string{f, sqrt2})})
		g := op("Mul", p+".gelu", []string{op("Mul", p+".fmul", []string{f, op("Add", p+".erf1", []string{e, onef})}), half})
		f2 := dense(p+".ff2", g, MiniLMFFN, h)
		x = layerNorm(p+".out", op("Add", p+".res2", []string{f2, x1}))
	}
	nodes = append(nodes, node{op: "Identity", name: "out", inputs: []string{x}, outputs: []string{"last_hidden_state"}})

	g := graph{
		name:         "minilm-arch",
		nodes:        nodes,
		initializers: inits,
		inputs: []valueInfo{
			{name: "input_ids", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
			{name: "attention_mask", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
			{name: "token_type_ids", elem: dtInt64, dims: []int64{-1, -1}, params: []string{"batch", "seq"}},
		},
		outputs: []valueInfo{
			{name: "last_hidden_state", elem: dtFloat, dims: []int64{-1, -1, h}, params: []string{"batch", "seq", ""}},
		},
	}
	return g.model()
}
