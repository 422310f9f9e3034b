package hall

import (
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// positions maps field paths such as "services[2].prefix" to the line where
// they are written, and token positions back to paths, so that every problem
// found after decoding can point the operator at a line of the file.
type positions struct {
	lineOf     map[string]int    // path → line of its key (or of the item, for list items)
	pathAt     map[[2]int]string // (line, column) of a key or value token → path
	numberText map[string]string // path → source text of a number, which decoding may rewrite
}

func newPositions(doc ast.Node) *positions {
	p := &positions{lineOf: map[string]int{}, pathAt: map[[2]int]string{}, numberText: map[string]string{}}
	if doc != nil {
		p.walk(doc, "")
	}
	return p
}

func (p *positions) walk(node ast.Node, path string) {
	switch n := node.(type) {
	case nil:
		return
	case *ast.DocumentNode:
		p.walk(n.Body, path)
	case *ast.MappingNode:
		p.remember(n.GetToken(), path)
		for _, pair := range n.Values {
			p.walk(pair, path)
		}
	case *ast.MappingValueNode:
		// goccy keeps a lone "key: value" as a bare MappingValueNode.
		if n.Key == nil {
			return
		}
		child := joinKey(path, n.Key.GetToken())
		p.remember(n.Key.GetToken(), child)
		if _, ok := p.lineOf[child]; !ok {
			p.lineOf[child] = lineOfToken(n.Key.GetToken())
		}
		p.walk(n.Value, child)
	case *ast.SequenceNode:
		p.remember(n.GetToken(), path)
		for i, item := range n.Values {
			child := path + "[" + strconv.Itoa(i) + "]"
			if item != nil {
				p.lineOf[child] = lineOfToken(item.GetToken())
			}
			p.walk(item, child)
		}
	case *ast.AnchorNode:
		p.walk(n.Value, path)
	case *ast.TagNode:
		p.walk(n.Value, path)
	default:
		// Scalars and aliases: the token itself is the value.
		p.remember(node.GetToken(), path)
		if text, ok := numberTextOf(node); ok {
			p.numberText[path] = text
		}
	}
}

// remember records the path of a token unless an outer node claimed the same
// position first (a block mapping's token is the ':' of its first key, which
// the mapping's own path should keep).
func (p *positions) remember(tk *token.Token, path string) {
	if tk == nil || tk.Position == nil {
		return
	}
	key := [2]int{tk.Position.Line, tk.Position.Column}
	if _, taken := p.pathAt[key]; !taken {
		p.pathAt[key] = path
	}
}

// line returns the line of path, or of its nearest written ancestor when the
// field itself is missing (a required field that was left out is reported at
// the item that lacks it). Line 1 stands for the whole file.
func (p *positions) line(path string) int {
	for path != "" {
		if l, ok := p.lineOf[path]; ok && l > 0 {
			return l
		}
		path = parentPath(path)
	}
	return 1
}

// pathOf returns the path of the key or value at a token's position.
func (p *positions) pathOf(tk *token.Token) string {
	if tk == nil || tk.Position == nil {
		return ""
	}
	return p.pathAt[[2]int{tk.Position.Line, tk.Position.Column}]
}

func joinKey(path string, key *token.Token) string {
	name := ""
	if key != nil {
		name = key.Value
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

func parentPath(path string) string {
	cut := strings.LastIndexAny(path, ".[")
	if cut < 0 {
		return ""
	}
	return path[:cut]
}

func lineOfToken(tk *token.Token) int {
	if tk == nil || tk.Position == nil {
		return 0
	}
	return tk.Position.Line
}

// scalarText returns the source text of the scalar at path, or "" when the
// path is not a plain scalar in the file (missing, quoted text, alias…).
func (p *positions) scalarText(path string) string {
	return p.numberText[path]
}

// numberTextOf keeps the source text of numeric scalars, which YAML may
// rewrite on decoding (01 → 1).
func numberTextOf(node ast.Node) (string, bool) {
	switch n := node.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return n.GetToken().Value, true
	}
	return "", false
}
