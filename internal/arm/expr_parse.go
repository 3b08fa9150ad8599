package arm

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The expression grammar, as Azure accepts it:
//
//	expression := primary accessor*
//	primary    := 'string' | integer | name '(' [expression {',' expression}] ')'
//	              | namespace '.' name '(' ... ')'   (user-defined function)
//	              | true | false | null             (bare literals, accepted leniently)
//	accessor   := '.' name | '[' expression ']'
//
// String literals are single-quoted with '' as the escape for a quote.

// node is one node of a parsed expression.
type node interface{ position() int }

type (
	strNode struct {
		pos int
		val string
	}
	intNode struct {
		pos int
		val int64
	}
	// litNode is a bare true, false or null.
	litNode struct {
		pos int
		val any
	}
	callNode struct {
		pos  int
		name string // as written, possibly "namespace.member"
		args []node
	}
	memberNode struct {
		pos    int
		target node
		name   string
	}
	indexNode struct {
		pos    int
		target node
		index  node
	}
)

func (n *strNode) position() int    { return n.pos }
func (n *intNode) position() int    { return n.pos }
func (n *litNode) position() int    { return n.pos }
func (n *callNode) position() int   { return n.pos }
func (n *memberNode) position() int { return n.pos }
func (n *indexNode) position() int  { return n.pos }

// ErrSyntax is wrapped by every expression syntax error.
var ErrSyntax = errors.New("expression syntax error")

// SyntaxError is an error in an expression's text, at a byte offset of the
// expression (inside the brackets).
type SyntaxError struct {
	Pos int
	Msg string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("at offset %d: %s", e.Pos, e.Msg) }

// Unwrap lets errors.Is(err, ErrSyntax) match.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

type tokKind int

const (
	tEOF tokKind = iota
	tLParen
	tRParen
	tComma
	tDot
	tLBrack
	tRBrack
	tString
	tInt
	tIdent
)

type token struct {
	kind tokKind
	pos  int
	text string // identifier name or decoded string literal
	num  int64
}

type lexer struct {
	src string
	pos int
}

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		if isSpace(l.src[l.pos]) {
			l.pos++
		} else if strings.HasPrefix(l.src[l.pos:], nbsp) {
			// Azure accepts non-breaking spaces between tokens.
			l.pos += len(nbsp)
		} else {
			break
		}
	}
	start := l.pos
	if l.pos >= len(l.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := l.src[l.pos]
	if k := punctuation(c); k != tEOF {
		l.pos++
		return token{kind: k, pos: start}, nil
	}
	switch {
	case c == '\'':
		var b strings.Builder
		l.pos++
		for {
			if l.pos >= len(l.src) {
				return token{}, &SyntaxError{start, "unterminated string literal"}
			}
			ch := l.src[l.pos]
			if ch == '\'' {
				if l.pos+1 < len(l.src) && l.src[l.pos+1] == '\'' {
					b.WriteByte('\'')
					l.pos += 2
					continue
				}
				l.pos++
				return token{kind: tString, pos: start, text: b.String()}, nil
			}
			b.WriteByte(ch)
			l.pos++
		}
	case c == '-' || c == '+' || isDigit(c):
		l.pos++
		for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
			l.pos++
		}
		text := l.src[start:l.pos]
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return token{}, &SyntaxError{start, fmt.Sprintf("invalid integer %q", text)}
		}
		return token{kind: tInt, pos: start, num: n}, nil
	case isIdentStart(c):
		l.pos++
		for l.pos < len(l.src) && isIdentPart(l.src[l.pos]) {
			l.pos++
		}
		return token{kind: tIdent, pos: start, text: l.src[start:l.pos]}, nil
	}
	return token{}, &SyntaxError{start, fmt.Sprintf("unexpected character %q", c)}
}

// punctuation returns the token kind of a one-character token, or tEOF.
func punctuation(c byte) tokKind {
	switch c {
	case '(':
		return tLParen
	case ')':
		return tRParen
	case ',':
		return tComma
	case '.':
		return tDot
	case '[':
		return tLBrack
	case ']':
		return tRBrack
	}
	return tEOF
}

// nbsp is U+00A0, the non-breaking space, in UTF-8.
const nbsp = "\u00a0"

func isSpace(c byte) bool      { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c == '_' || c == '$' || (c|0x20 >= 'a' && c|0x20 <= 'z') }
func isIdentPart(c byte) bool  { return isIdentStart(c) || isDigit(c) }

type parser struct {
	lex  lexer
	tok  token
	peek *token
}

func (p *parser) advance() error {
	if p.peek != nil {
		p.tok, p.peek = *p.peek, nil
		return nil
	}
	t, err := p.lex.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

func (p *parser) lookahead() (token, error) {
	if p.peek == nil {
		t, err := p.lex.next()
		if err != nil {
			return token{}, err
		}
		p.peek = &t
	}
	return *p.peek, nil
}

// parseExpression parses the text between an expression's outer brackets.
func parseExpression(src string) (node, error) {
	if len(src) > MaxExpressionLength {
		return nil, &SyntaxError{0, fmt.Sprintf("expression longer than %d characters", MaxExpressionLength)}
	}
	p := &parser{lex: lexer{src: src}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	if p.tok.kind == tEOF {
		return nil, &SyntaxError{0, "empty expression"}
	}
	n, err := p.expr(0)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, &SyntaxError{p.tok.pos, "unexpected text after the expression"}
	}
	return n, nil
}

func (p *parser) expr(depth int) (node, error) {
	if depth > MaxExpressionDepth {
		return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("expression nested deeper than %d", MaxExpressionDepth)}
	}
	n, err := p.primary(depth)
	if err != nil {
		return nil, err
	}
	for accessors := 0; ; accessors++ {
		if accessors > MaxExpressionDepth {
			return nil, &SyntaxError{p.tok.pos, "too many property accessors"}
		}
		switch p.tok.kind {
		case tDot:
			pos := p.tok.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			if p.tok.kind != tIdent {
				return nil, &SyntaxError{p.tok.pos, "expected a property name after '.'"}
			}
			n = &memberNode{pos: pos, target: n, name: p.tok.text}
			if err := p.advance(); err != nil {
				return nil, err
			}
		case tLBrack:
			pos := p.tok.pos
			if err := p.advance(); err != nil {
				return nil, err
			}
			idx, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			if p.tok.kind != tRBrack {
				return nil, &SyntaxError{p.tok.pos, "expected ']'"}
			}
			if err := p.advance(); err != nil {
				return nil, err
			}
			n = &indexNode{pos: pos, target: n, index: idx}
		default:
			return n, nil
		}
	}
}

func (p *parser) primary(depth int) (node, error) {
	t := p.tok
	switch t.kind {
	case tString:
		return &strNode{t.pos, t.text}, p.advance()
	case tInt:
		return &intNode{t.pos, t.num}, p.advance()
	case tIdent:
		name := t.text
		la, err := p.lookahead()
		if err != nil {
			return nil, err
		}
		if la.kind == tDot {
			// namespace.member( is a user-defined function call; anything
			// else after a bare name is an error below.
			if err := p.advance(); err != nil { // now at '.'
				return nil, err
			}
			if err := p.advance(); err != nil { // member name
				return nil, err
			}
			if p.tok.kind != tIdent {
				return nil, &SyntaxError{p.tok.pos, "expected a function name after the namespace"}
			}
			name += "." + p.tok.text
			la, err = p.lookahead()
			if err != nil {
				return nil, err
			}
			if la.kind != tLParen {
				return nil, &SyntaxError{p.tok.pos, fmt.Sprintf("expected '(' after %s", name)}
			}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		if p.tok.kind != tLParen {
			switch strings.ToLower(name) {
			case "true":
				return &litNode{t.pos, true}, nil
			case "false":
				return &litNode{t.pos, false}, nil
			case "null":
				return &litNode{t.pos, nil}, nil
			}
			return nil, &SyntaxError{t.pos, fmt.Sprintf("expected '(' after function name %s", name)}
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		c := &callNode{pos: t.pos, name: name}
		if p.tok.kind == tRParen {
			return c, p.advance()
		}
		for {
			if len(c.args) >= 1024 {
				return nil, &SyntaxError{p.tok.pos, "too many arguments"}
			}
			a, err := p.expr(depth + 1)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			switch p.tok.kind {
			case tComma:
				if err := p.advance(); err != nil {
					return nil, err
				}
			case tRParen:
				return c, p.advance()
			default:
				return nil, &SyntaxError{p.tok.pos, "expected ',' or ')' in the arguments of " + name}
			}
		}
	case tEOF:
		return nil, &SyntaxError{t.pos, "unexpected end of expression"}
	}
	return nil, &SyntaxError{t.pos, "expected a function call, a string or an integer"}
}

// exprText reports whether s is a template expression and returns the text
// between its brackets. A string starting with "[[" is a literal whose first
// bracket is dropped: literal returns that text.
func exprText(s string) (inner string, isExpr bool, literal string) {
	if len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if s[1] == '[' {
			return "", false, s[1:]
		}
		return s[1 : len(s)-1], true, ""
	}
	return "", false, s
}
