// Package remote embeds text with an embedding server: Ollama (its
// /api/embed endpoint, or the older /api/embeddings) or any
// OpenAI-compatible /embeddings API.
//
// Requests are batched, retried on network errors, 429 and 5xx with
// bounded exponential backoff and jitter (honouring Retry-After), and each
// attempt has its own timeout. The dimension is learned by embedding a
// probe text when the embedder is built; a server that later returns
// another length is an error, so an index is never filled with vectors of
// two sizes.
package remote
