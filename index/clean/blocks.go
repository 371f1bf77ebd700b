package clean

import (
	"strings"
)

// Kind says what a paragraph of a report is.
type Kind int

const (
	// Body is the report's content: indexed and embedded.
	Body Kind = iota
	// Title is the headline at the top of the report.
	Title
	// Furniture is page furniture scraped with the report (contact lines,
	// related-news lists, copyright, share and navigation crumbs, editor
	// lines): shown, never indexed.
	Furniture
	// Byline carries the source and publication date ("Pub Date:... Source:...").
	Byline
)

// String returns "body", "title", "furniture" or "byline".
func (k Kind) String() string {
	switch k {
	case Title:
		return "title"
	case Furniture:
		return "furniture"
	case Byline:
		return "byline"
	}
	return "body"
}

// Block is a paragraph of a text: the byte span [Start,End) of the original
// text, trimmed of surrounding whitespace, and what kind of paragraph it is.
type Block struct {
	Start, End int
	Kind       Kind
}

// Paragraphs longer than these are always body: furniture and bylines are
// short, and never classifying long text as furniture keeps the cleaner
// conservative and fast.
const (
	maxShortBytes = 600
	maxShortWords = 60
)

// Blocks splits text into paragraphs and classifies each. Paragraphs are
// separated by blank lines; when the text is written one paragraph per line
// (lines are long and not hard-wrapped), every line is a paragraph of its
// own. It returns nil for a text with nothing visible.
func Blocks(text string) []Block {
	spans := paragraphs(text, hardWrapped(text))
	blocks := make([]Block, 0, len(spans))
	var (
		inLinks   bool // inside a "Related News" or "Video >>" list
		seenTitle bool
		seenBody  bool
	)
	for _, sp := range spans {
		p := text[sp[0]:sp[1]]
		k, startsLinks := classify(p)
		switch {
		case k == Furniture:
			inLinks = inLinks || startsLinks
		case k == Byline:
		case inLinks && isLinkLine(p):
			k = Furniture
		default:
			inLinks = false
			if !seenTitle && !seenBody && isTitleLike(p) {
				k = Title
				seenTitle = true
			} else {
				seenBody = true
			}
		}
		blocks = append(blocks, Block{Start: sp[0], End: sp[1], Kind: k})
	}
	return blocks
}

// hardWrapped reports whether the text's lines were wrapped at a fixed
// width (as in plain-text archives), in which case single line breaks are
// not paragraph breaks.
func hardWrapped(text string) bool {
	mid, long := 0, 0
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += start
		}
		a, b := trimSpan(text, start, end)
		switch n := b - a; {
		case n > 100:
			long++
		case n >= 40:
			mid++
		}
		start = end + 1
	}
	return mid >= 5 && long*20 <= mid
}

// paragraphs returns the trimmed spans of the paragraphs of text.
func paragraphs(text string, wrapped bool) [][2]int {
	var out [][2]int
	paraStart, paraEnd := -1, -1
	flush := func() {
		if paraStart >= 0 {
			out = append(out, [2]int{paraStart, paraEnd})
		}
		paraStart, paraEnd = -1, -1
	}
	for start := 0; start < len(text); {
		end := strings.IndexByte(text[start:], '\n')
		next := len(text)
		if end < 0 {
			end = len(text)
		} else {
			end += start
			next = end + 1
		}
		a, b := trimSpan(text, start, end)
		switch {
		case a == b:
			flush()
		case !wrapped:
			flush()
			paraStart, paraEnd = a, b
		default:
			if paraStart < 0 {
				paraStart = a
			}
			paraEnd = b
		}
		start = next
	}
	flush()
	return out
}

// linkHeadings open a list of links to other pages.
var linkHeadings = map[string]bool{
	"related news": true, "related articles": true, "related stories": true,
	"related reading": true, "related": true, "related links": true,
	"recommended": true, "recommended stories": true, "more news": true,
	"latest news": true, "most popular": true, "most read": true,
	"most viewed": true, "trending": true, "editor's picks": true,
	"hot news": true, "top news": true, "read more": true, "see also": true,
	"you may also like": true, "相关新闻": true, "相关阅读": true,
	"相关链接": true, "推荐阅读": true,
}

// sectionNames are a site's section links; followed by ">>" they open a
// list of links, alone they are only a label.
var sectionNames = map[string]bool{
	"photo": true, "photos": true, "video": true, "videos": true,
	"people": true, "travel": true, "more": true, "pictures": true,
	"gallery": true, "multimedia": true,
}

// navPhrases are whole paragraphs that are navigation or sharing controls.
var navPhrases = map[string]bool{
	"contact us": true, "contact": true, "about us": true, "home": true,
	"homepage": true, "print": true, "share": true, "share to": true,
	"share this": true, "close": true, "close window": true, "back to top": true,
	"top": true, "print this page": true, "email this story": true,
	"email this page": true, "subscribe": true, "sitemap": true, "site map": true,
	"privacy policy": true, "terms of use": true, "terms of service": true,
	"feedback": true, "login": true, "log in": true, "sign in": true,
	"register": true, "search": true, "next": true, "previous": true,
	"next page": true, "previous page": true, "back": true, "font size": true,
	"a a a": true, "a+ a-": true, "large medium small": true, "big medium small": true,
	"打印": true, "关闭": true, "分享": true, "返回顶部": true, "联系我们": true,
	"关闭窗口": true, "打印本页": true,
}

// classify returns the kind of a paragraph judged on its own (Body when it
// looks like content) and whether it opens a list of links.
func classify(p string) (Kind, bool) {
	if len(p) > maxShortBytes {
		return Body, false
	}
	words := countWords(p)
	if words > maxShortWords {
		return Body, false
	}
	low := lowerASCII(p)
	key := navKey(low)
	if linkHeadings[key] {
		return Furniture, true
	}
	if navPhrases[key] {
		return Furniture, false
	}
	if t := strings.TrimRight(low, " \t\u00a0\u3000"); (strings.HasSuffix(t, ">>") || strings.HasSuffix(t, "»")) && words <= 5 && words > 0 {
		return Furniture, true
	}
	if sectionNames[key] {
		return Furniture, false
	}
	if isCopyright(low) {
		return Furniture, false
	}
	if isContact(low, words) {
		return Furniture, false
	}
	if isByline(p, low, words) {
		return Byline, false
	}
	if isEditorLine(low, words) || isCounter(low, words) || isCrumbs(p, words) ||
		isNavBar(p) || endsWithTimestamp(p, words) {
		return Furniture, false
	}
	if words == 0 {
		// Punctuation or symbols only: decoration.
		return Furniture, false
	}
	return Body, false
}

// isCopyright reports a copyright notice, not a sentence about copyright.
func isCopyright(low string) bool {
	if strings.Contains(low, "©") || strings.Contains(low, "all rights reserved") || strings.Contains(low, "版权所有") {
		return true
	}
	i := strings.Index(low, "copyright")
	if i < 0 {
		return false
	}
	rest := strings.TrimLeft(low[i+len("copyright"):], " :")
	return i == 0 || strings.HasPrefix(rest, "(c)") || rest != "" && isDigit(rest[0])
}

// navKey reduces a short paragraph to a lookup key: lower case, brackets and
// trailing colons removed, inner whitespace collapsed.
func navKey(low string) string {
	if len(low) > 60 {
		return ""
	}
	low = strings.Trim(low, " \t\u00a0\u3000[]【】()（）<>|:：·•-_*#")
	return strings.Join(strings.Fields(low), " ")
}

// isContact reports a short line with an e-mail address or phone number
// labelled as such.
func isContact(low string, words int) bool {
	if words > 25 {
		return false
	}
	labelled := strings.Contains(low, "e-mail") || strings.Contains(low, "email") ||
		strings.Contains(low, "tel:") || strings.Contains(low, "tel.") ||
		strings.Contains(low, "phone") || strings.Contains(low, "fax") ||
		strings.Contains(low, "电话") || strings.Contains(low, "邮箱")
	if !labelled {
		return false
	}
	return strings.Contains(low, "@") || longestDigitRun(low) >= 7
}

// longestDigitRun counts the most digits in a row, allowing the separators
// of phone numbers.
func longestDigitRun(s string) int {
	best, cur := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			cur++
			best = max(best, cur)
		case s[i] == '-' || s[i] == ' ' || s[i] == '(' || s[i] == ')':
		default:
			cur = 0
		}
	}
	return best
}

// bylineLabels start or appear in lines that carry publication metadata.
var bylineLabels = []string{
	"source:", "source :", "source：", "pub date", "publication date",
	"publish date", "published:", "published on", "posted:", "posted on",
	"updated:", "release time", "release date", "time:", "date:",
	"来源：", "来源:", "发布时间", "发布日期", "时间：",
}

// isByline reports a short line of publication metadata; low is p with
// ASCII lower-cased.
func isByline(p, low string, words int) bool {
	if words > 30 {
		return false
	}
	for _, l := range bylineLabels {
		if i := strings.Index(low, l); i >= 0 {
			// "Source:" anywhere; the rest only where the line starts
			// with a label or a date, not in the middle of a sentence.
			if i == 0 || strings.HasPrefix(l, "source") || strings.HasPrefix(l, "来源") {
				return true
			}
		}
	}
	// "By Xinhua writer Li Ming", not "By the numbers".
	if strings.HasPrefix(low, "by ") && len(p) > 3 && isASCIIUpper(p[3]) && words <= 8 && !strings.ContainsAny(low, ".!?,") {
		return true
	}
	// A line that is only a date, or a date and a time.
	if words <= 6 {
		if m, ok := firstDate(low); ok && m.start <= 2 && m.y > 0 {
			rest := strings.Trim(low[m.end:], " \t:0123456789-")
			if rest == "" || rest == "am" || rest == "pm" {
				return true
			}
		}
	}
	return false
}

// isEditorLine reports "Editor: X", "(Responsible editor: X)" and the like.
func isEditorLine(low string, words int) bool {
	if words > 12 {
		return false
	}
	low = strings.TrimLeft(low, " ([【（")
	for _, p := range []string{"editor:", "editors:", "editor：", "editor ", "responsible editor", "chief editor", "edited by", "责任编辑", "编辑：", "编辑:", "translator:", "translated by", "proofread"} {
		if strings.HasPrefix(low, p) {
			return true
		}
	}
	return false
}

// isCounter reports view counters ("browse: 1,259", "Views: 12").
func isCounter(low string, words int) bool {
	if words > 6 {
		return false
	}
	for _, p := range []string{"browse:", "browse：", "views:", "hits:", "clicks:", "浏览", "阅读次数", "点击"} {
		if strings.Contains(low, p) {
			return true
		}
	}
	return false
}

// isCrumbs reports breadcrumbs such as "Home > News > Anhui".
func isCrumbs(p string, words int) bool {
	if words > 15 || strings.ContainsAny(p, ".!?") {
		return false
	}
	n := strings.Count(p, " > ") + strings.Count(p, " >> ") + strings.Count(p, "»") + strings.Count(p, " / ")
	return n >= 2 || (n == 1 && strings.HasPrefix(lowerASCII(p), "home"))
}

// isNavBar reports a row of short links separated by bars: "Home | News | Contact".
func isNavBar(p string) bool {
	if len(p) > 300 {
		return false
	}
	parts := strings.Split(p, "|")
	if len(parts) < 3 {
		return false
	}
	for _, s := range parts {
		if countWords(s) > 4 {
			return false
		}
	}
	return true
}

// endsWithTimestamp reports an item of a news list: a short headline
// followed by its publication date ("Lujiangxi Railway Station completed
// 2020-12-18 09:35").
func endsWithTimestamp(p string, words int) bool {
	if words > 25 {
		return false
	}
	t := strings.TrimRight(p, " \t\u00a0")
	if i := strings.LastIndexAny(t, " \u00a0"); i >= 0 && isClock(t[i+1:]) {
		t = strings.TrimRight(t[:i], " \t\u00a0")
	}
	if len(t) <= 10 || !isISODate(t[len(t)-10:]) {
		return false
	}
	a, b := trimSpan(t, 0, len(t)-10)
	return b > a
}

// isClock reports "09:35" or "9:35:10".
func isClock(s string) bool {
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if len(p) < 1 || len(p) > 2 || !isDigit(p[0]) || !isDigit(p[len(p)-1]) {
			return false
		}
	}
	return true
}

// isISODate reports "2020-12-18", "2020/12/18" or "2020.12.18".
func isISODate(s string) bool {
	if len(s) != 10 {
		return false
	}
	for i := 0; i < 10; i++ {
		switch i {
		case 4, 7:
			if s[i] != '-' && s[i] != '/' && s[i] != '.' {
				return false
			}
		default:
			if !isDigit(s[i]) {
				return false
			}
		}
	}
	return true
}

// isLinkLine reports a short line inside a list of links: a headline, not
// a sentence of the report.
func isLinkLine(p string) bool {
	if len(p) > 200 {
		return false
	}
	w := countWords(p)
	if w > 20 {
		return false
	}
	last := p[len(p)-1]
	return !(w >= 8 && (last == '.' || last == '!' || last == '?'))
}

// isTitleLike reports a headline: one line, not too long, not several
// sentences.
func isTitleLike(p string) bool {
	if len(p) > 500 || strings.Contains(p, "\n") {
		return false
	}
	w := countWords(p)
	if w == 0 || w > 60 {
		return false
	}
	last := p[len(p)-1]
	if (last == '.' || last == '!' || last == '?') && w > 15 {
		return false
	}
	return len(Sentences(p)) <= 1
}
