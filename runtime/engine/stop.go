package engine

import "strings"

// stopper finds stop strings in streamed text, across token boundaries. It
// holds back the end of the text that could still begin a stop string, and
// never releases a stop string or anything after it.
type stopper struct {
	stops   []string
	pending string
	matched string // the stop string found, once found
}

// add appends text and returns the part that can be released now. After a
// match it returns the text before the stop string, and "" from then on.
func (s *stopper) add(text string) (out string, stopped bool) {
	if s.matched != "" {
		return "", true
	}
	if len(s.stops) == 0 {
		return text, false
	}
	s.pending += text
	at, which := -1, ""
	for _, st := range s.stops {
		if i := strings.Index(s.pending, st); i >= 0 && (at < 0 || i < at) {
			at, which = i, st
		}
	}
	if at >= 0 {
		out, s.matched, s.pending = s.pending[:at], which, ""
		return out, true
	}
	keep := 0
	for _, st := range s.stops {
		for n := min(len(st)-1, len(s.pending)); n > keep; n-- {
			if strings.HasSuffix(s.pending, st[:n]) {
				keep = n
				break
			}
		}
	}
	out = s.pending[:len(s.pending)-keep]
	s.pending = s.pending[len(s.pending)-keep:]
	return out, false
}

// flush releases what is held back at the end of generation.
func (s *stopper) flush() string {
	out := s.pending
	s.pending = ""
	return out
}
