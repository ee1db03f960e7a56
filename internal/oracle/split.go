package oracle

import (
	"errors"
	"strings"
)

// SplitCommand splits a command line into arguments without a shell: no variables, globs,
// pipes or redirections (`|`, `>`, `$HOME`, `*` are plain characters). Arguments are separated
// by blanks; single quotes keep everything up to the next single quote literally; double quotes
// do the same except that \" and \\ stand for " and \; outside quotes a backslash keeps the
// next character literally. So `python3 'my opt.py' --lr=0.1` is three arguments.
func SplitCommand(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool // an argument has started (possibly empty: '')
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '\'':
			inArg = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				j++
			}
			if j == len(rs) {
				return nil, errors.New("unterminated single quote in the algorithm command")
			}
			cur.WriteString(string(rs[i+1 : j]))
			i = j
		case c == '"':
			inArg = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && (rs[j+1] == '"' || rs[j+1] == '\\') {
					j++
				}
				cur.WriteRune(rs[j])
			}
			if j == len(rs) {
				return nil, errors.New("unterminated double quote in the algorithm command")
			}
			i = j
		case c == '\\':
			inArg = true
			if i+1 == len(rs) {
				return nil, errors.New("the algorithm command ends with a lone backslash")
			}
			i++
			cur.WriteRune(rs[i])
		default:
			inArg = true
			cur.WriteRune(c)
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errors.New("empty algorithm command")
	}
	return args, nil
}
