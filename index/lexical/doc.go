// Package lexical is Plenary's keyword index: a bleve (scorch) index of
// passages ranked with BM25, which the hybrid search fuses with the vector
// ranking.
//
// Only what ranking needs is kept on disk: the analysed terms of each
// passage's title and text, its passage and document IDs, and its field
// lengths. The texts themselves live in the vector store, which is also
// the source from which a lost or corrupt lexical index is rebuilt
// ([ErrCorrupt]).
//
// Ranking is BM25F computed here from bleve's postings, not bleve's own
// "bm25" scoring model. In bleve v2.6.1 that model
// (search/scorer/scorer_term.go, search/searcher/search_term.go) takes
// the square root of term frequencies, squares the idf through the query
// weight, multiplies by a coordination factor, and divides field lengths
// by the number of distinct terms per document (summed over segments)
// instead of the average field length; its k1 and b are package globals.
// On nine test collections it averaged nDCG@10 0.483 against 0.544 for
// this package's scorer (SciFact 0.586 against 0.697).
// [WithBleveScoring] keeps it available for comparison.
//
// An index lives in a directory ([Open]), which bleve locks for one
// process ([ErrLocked]); a process locked out can build a copy in memory
// ([OpenMemory]) that ranks identically.
//
// Text is analysed in English (Unicode word segmentation, possessives
// dropped, lower case, stop words removed, stemming); before that, words
// that scraping glued together ("meeting.The", "DiplomacyMake") are
// separated, in documents and queries alike.
package lexical
