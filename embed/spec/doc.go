// Package spec turns an --embedder value such as "builtin",
// "onnx:./models/e5-small", "hf:sentence-transformers/all-MiniLM-L6-v2",
// "ollama:nomic-embed-text" or "openai:text-embedding-3-small@http://host/v1"
// into an embed.Embedder, downloading models and probing servers as needed.
package spec
