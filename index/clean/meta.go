package clean

import (
	"iter"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Hint is what the file format already said about a report: JSONL fields,
// an HTML title. Empty fields are unknown.
type Hint struct {
	Title, Date, Source, URL, Path string
}

// Meta is a report's metadata. Date is ISO yyyy-mm-dd or "" when unknown;
// Place is a province or city or "".
type Meta struct {
	Title, Date, Place, Source string
}

// maxTitleRunes caps titles taken from the text: some scraped headlines run
// on into the subtitle.
const maxTitleRunes = 200

// How far into the body to look for the meeting's date and place: they are
// in the lead paragraphs, and the limit keeps huge files cheap.
const (
	leadBlocks = 8
	leadBytes  = 16 << 10
	scanBytes  = 64 << 10
)

// Extract finds the metadata of a report; see [ExtractBlocks].
func Extract(text string, h Hint) Meta {
	return ExtractBlocks(text, Blocks(text), h)
}

// ExtractBlocks finds the metadata of a report whose [Blocks] are already
// known.
//
// Title is the hint's title, else the headline, else the first line of the
// body, cut at a word boundary near 200 characters.
//
// Date is the meeting's full date when the title gives it ("Press
// Conference on May 11, 2018"), else the meeting's date when the lead
// paragraphs give one ("On
// February 2, ...", "on December 29, 2023", "from December 27th to 28th",
// "on the morning of April 26", "BEIJING, Dec. 28 --"), else the
// publication date (the hint's date, or a byline's "time:2023-12-28",
// "Pub Date:2020-06-17 08:40"). A meeting date without a year takes the
// publication year, or the year before when the meeting's month is later
// than the publication's. Without a publication date the year is inferred
// only from annual-review wording: "summarize ... work in 2023" and "the
// 2025 work report" mean the meeting is in the following year, "the 2026
// work priorities" and "plan ... work in 2026" mean that year; all such
// clues must agree. Otherwise Date is "".
//
// Place is where the meeting was held ("held in Kunming", "opened in
// Hefei"), else the province the body names most often.
//
// Source is the hint's source, else a byline's "Source: X" without the
// "Editor: ..." that may follow.
func ExtractBlocks(text string, blocks []Block, h Hint) Meta {
	blocks = validBlocks(text, blocks)
	m := Meta{
		Title:  cleanHintTitle(h.Title),
		Source: collapse(h.Source),
	}
	if m.Title == "" {
		m.Title = titleFromBlocks(text, blocks)
	}
	if m.Source == "" {
		m.Source = sourceFromBlocks(text, blocks)
	}
	m.Date = dateOf(text, blocks, h, m.Title)
	m.Place = placeOf(text, blocks)
	return m
}

// validBlocks drops blocks whose offsets do not fit text, so that a caller's
// mistake cannot make Extract panic.
func validBlocks(text string, blocks []Block) []Block {
	for _, b := range blocks {
		if b.Start < 0 || b.End > len(text) || b.Start > b.End {
			out := make([]Block, 0, len(blocks))
			for _, b := range blocks {
				if b.Start >= 0 && b.End <= len(text) && b.Start <= b.End {
					out = append(out, b)
				}
			}
			return out
		}
	}
	return blocks
}

// collapse trims s and collapses its whitespace; invalid UTF-8 is dropped.
func collapse(s string) string {
	s = strings.ToValidUTF8(s, "")
	return strings.Join(strings.FieldsFunc(s, isSpaceLike), " ")
}

func cleanHintTitle(t string) string { return capTitle(collapse(prefix(t))) }

// capTitle cuts t at a word boundary near maxTitleRunes.
func capTitle(t string) string {
	if utf8.RuneCountInString(t) <= maxTitleRunes {
		return t
	}
	n, cut := 0, len(t)
	for i := range t {
		if n == maxTitleRunes {
			cut = i
			break
		}
		n++
	}
	if sp := strings.LastIndexByte(t[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(t[:cut], " ,;:-") + "…"
}

func titleFromBlocks(text string, blocks []Block) string {
	for _, b := range blocks {
		if b.Kind == Title {
			return capTitle(collapse(prefix(text[b.Start:b.End])))
		}
	}
	for _, b := range blocks {
		if b.Kind == Body {
			p := text[b.Start:b.End]
			if i := strings.IndexByte(p, '\n'); i >= 0 {
				p = p[:i]
			}
			return capTitle(collapse(prefix(p)))
		}
	}
	return ""
}

// prefix returns enough of s to make a title from, on a rune boundary.
func prefix(s string) string {
	const n = 4 * maxTitleRunes * utf8.UTFMax
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// sourceLabels introduce the source in a byline.
var sourceLabels = []string{"source:", "source：", "source :", "来源：", "来源:"}

// sourceEnds end the source's name in a byline.
var sourceEnds = []string{
	"editor", "browse", "author", "reporter", "writer", "time:", "date:",
	"pub date", "views", "hits", "clicks", "|", "  ", "\n", "\t", "【", "[",
	"责任编辑", "编辑", "作者", "浏览", "发布时间", "时间",
}

func sourceFromBlocks(text string, blocks []Block) string {
	for _, b := range blocks {
		if b.Kind != Byline {
			continue
		}
		p := text[b.Start:b.End]
		low := lowerASCII(p)
		for _, l := range sourceLabels {
			i := strings.Index(low, l)
			if i < 0 {
				continue
			}
			rest := p[i+len(l):]
			restLow := low[i+len(l):]
			end := len(rest)
			for _, e := range sourceEnds {
				if j := strings.Index(restLow, e); j >= 0 && j < end {
					// "Editor" must not cut a name that only begins
					// with a space: look past leading spaces.
					if strings.TrimSpace(restLow[:j]) != "" || e == "\n" {
						end = j
					}
				}
			}
			s := strings.Trim(collapse(rest[:end]), " ,;:-–—")
			if utf8.RuneCountInString(s) > 80 {
				continue
			}
			if s != "" {
				return s
			}
		}
	}
	return ""
}

// dateOf implements the Date rules of ExtractBlocks.
func dateOf(text string, blocks []Block, h Hint, title string) string {
	// A headline such as "Regular Press Conference on May 11, 2018"
	// dates the event most reliably.
	var fromTitle dateMatch
	scanDates(title, true, func(m dateMatch) bool {
		if m.y > 0 && hasDateCue(title, m.start) {
			fromTitle = m
			return false
		}
		return true
	})
	if fromTitle.y > 0 {
		return fromTitle.iso()
	}
	pub, hasPub := firstFullDate(h.Date)
	if !hasPub {
		for _, b := range blocks {
			if b.Kind == Byline {
				if pub, hasPub = firstFullDate(text[b.Start:b.End]); hasPub {
					break
				}
			}
		}
	}
	meet, ok := meetingDate(text, blocks)
	switch {
	case ok && meet.y > 0:
		return meet.iso()
	case ok && hasPub:
		meet.y = pub.y
		if meet.m > pub.m {
			meet.y--
		}
		if validDate(meet.y, meet.m, meet.d) {
			return meet.iso()
		}
		return pub.iso()
	case ok:
		if y := inferYear(text, blocks); y > 0 && validDate(y, meet.m, meet.d) {
			meet.y = y
			return meet.iso()
		}
		return ""
	case hasPub:
		return pub.iso()
	}
	// Last resort: a full date in the lead paragraph.
	for _, b := range leadOf(blocks, 2) {
		if d, ok := firstFullDate(text[b.Start:min(b.End, b.Start+leadBytes)]); ok {
			return d.iso()
		}
	}
	return ""
}

// leadOf returns up to n body or title blocks from the start of the report.
func leadOf(blocks []Block, n int) []Block {
	var out []Block
	for _, b := range blocks {
		if b.Kind == Body || b.Kind == Title {
			out = append(out, b)
			if len(out) == n {
				break
			}
		}
	}
	return out
}

// meetingDate finds the first date in the lead that a meeting cue
// introduces.
func meetingDate(text string, blocks []Block) (dateMatch, bool) {
	var found dateMatch
	ok := false
	seen := 0
	for _, b := range leadOf(blocks, leadBlocks) {
		if seen > leadBytes {
			break
		}
		p := text[b.Start:min(b.End, b.Start+leadBytes)]
		seen += len(p)
		scanDates(p, true, func(m dateMatch) bool {
			if hasDateCue(p, m.start) {
				found, ok = m, true
				return false
			}
			return true
		})
		if ok {
			return found, true
		}
	}
	return found, false
}

// hasDateCue reports whether the words before p[i] introduce the date of
// an event ("on", "from", "on the morning of") or a dateline ("BEIJING, ").
func hasDateCue(p string, i int) bool {
	before := strings.TrimRight(lowerASCII(p[max(0, i-40):i]), " \u00a0")
	for _, c := range []string{"on", "from", "morning of", "afternoon of", "evening of", "night of", "dated"} {
		if strings.HasSuffix(before, c) {
			k := len(before) - len(c)
			if k == 0 || !isASCIILetter(before[k-1]) {
				return true
			}
		}
	}
	if i <= 40 && strings.HasSuffix(strings.TrimRight(p[:i], " "), ",") {
		for _, r := range p[:i] {
			if !(unicode.IsLetter(r) || r == ' ' || r == ',' || r == '.' || r == '-') {
				return false
			}
		}
		return true
	}
	return false
}

// inferYear applies the annual-review rule of ExtractBlocks; 0 means no
// confident year.
func inferYear(text string, blocks []Block) int {
	year := 0
	for p := range contentPrefix(text, blocks) {
		low := lowerASCII(p)
		for i := 0; i+4 <= len(low); i++ {
			if !isDigit(low[i]) || i > 0 && (isDigit(low[i-1]) || isASCIILetter(low[i-1])) {
				continue
			}
			y, j, ok := digitsAt(low, i, 4)
			if !ok || j-i != 4 || y < 1990 || y > 2100 {
				i = j
				continue
			}
			if c := yearClue(low, i, j, y); c > 0 {
				if year != 0 && year != c {
					return 0
				}
				year = c
			}
			i = j
		}
	}
	return year
}

// yearClue returns the meeting year that the year y at low[i:j] implies,
// or 0.
func yearClue(low string, i, j, y int) int {
	after := low[j:min(len(low), j+30)]
	before := strings.TrimRight(low[max(0, i-80):i], " ")
	for _, s := range []string{" work report", " annual work report", " annual report"} {
		if strings.HasPrefix(after, s) {
			return y + 1
		}
	}
	for _, s := range []string{" work priorities", " work plan", " key tasks", " work arrangements"} {
		if strings.HasPrefix(after, s) {
			return y
		}
	}
	if !strings.HasSuffix(before, " in") && !strings.HasSuffix(before, " for") {
		return 0
	}
	if strings.Contains(before, "summar") || strings.Contains(before, "review") {
		return y + 1
	}
	if strings.Contains(before, "plan") || strings.Contains(before, "arrang") || strings.Contains(before, "priorit") {
		return y
	}
	return 0
}

// placeCues introduce the place of a meeting.
var placeCues = []string{
	"held in ", "opened in ", "opens in ", "convened in ", "took place in ",
	"kicked off in ", "concluded in ", "closed in ", "was held at ", "met in ",
	"gathered in ", "hosted in ",
}

// placeOf implements the Place rule of ExtractBlocks.
func placeOf(text string, blocks []Block) string {
	for p := range contentPrefix(text, blocks) {
		low := lowerASCII(p)
		for _, c := range placeCues {
			for off := 0; off < len(low); {
				k := strings.Index(low[off:], c)
				if k < 0 {
					break
				}
				at := off + k + len(c)
				if pl := placeAt(p, at); pl != "" {
					return pl
				}
				off = at
			}
		}
	}
	return mostNamedProvince(text, blocks)
}

// placeAt reads a place name of up to three capitalised words at p[i].
func placeAt(p string, i int) string {
	for _, names := range [][]string{provinces, cities} {
		for _, n := range names {
			if hasWordAt(p, i, n) {
				return normalPlace(n)
			}
		}
	}
	var words []string
	j := i
	for len(words) < 4 && j < len(p) {
		k := j
		for k < len(p) {
			r, n := utf8.DecodeRuneInString(p[k:])
			if !(unicode.IsLetter(r) || r == '\'' || r == '’' || r == '-') {
				break
			}
			k += n
		}
		w := p[j:k]
		r, _ := utf8.DecodeRuneInString(w)
		if w == "" || !unicode.IsUpper(r) {
			break
		}
		words = append(words, w)
		if k >= len(p) || p[k] != ' ' {
			break
		}
		j = k + 1
	}
	for len(words) > 0 && placeSuffixes[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	if len(words) == 0 || len(words) > 3 || notPlaces[words[0]] {
		return ""
	}
	for _, w := range words {
		if notPlaces[w] {
			return ""
		}
	}
	return strings.Join(words, " ")
}

func normalPlace(n string) string {
	switch n {
	case "Xi’an":
		return "Xi'an"
	case "Macau":
		return "Macao"
	case "Xizang":
		return "Tibet"
	}
	return n
}

// mostNamedProvince returns the province the body names most often, the
// earliest named on a tie, or "".
func mostNamedProvince(text string, blocks []Block) string {
	counts := map[string]int{}
	first := map[string]int{}
	pos := 0
	for p := range contentPrefix(text, blocks) {
		for _, n := range provinces {
			for off := 0; off < len(p); {
				k := strings.Index(p[off:], n)
				if k < 0 {
					break
				}
				if hasWordAt(p, off+k, n) {
					name := normalPlace(n)
					if counts[name] == 0 {
						first[name] = pos + off + k
					}
					counts[name]++
				}
				off += k + len(n)
			}
		}
		pos += len(p)
	}
	best := ""
	for n, c := range counts {
		if best == "" || c > counts[best] || c == counts[best] && first[n] < first[best] {
			best = n
		}
	}
	return best
}

// contentPrefix yields the leading part of each body and title block, up to
// about scanBytes in all: metadata is stated near the top of a report, and
// bounding the scan keeps extraction linear on huge inputs.
func contentPrefix(text string, blocks []Block) iter.Seq[string] {
	return func(yield func(string) bool) {
		seen := 0
		for _, b := range blocks {
			if b.Kind != Body && b.Kind != Title {
				continue
			}
			if seen > scanBytes {
				return
			}
			p := text[b.Start:min(b.End, b.Start+scanBytes)]
			seen += len(p)
			if !yield(p) {
				return
			}
		}
	}
}
