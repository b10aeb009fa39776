package engine

import (
	"strings"
	"testing"
)

func TestStopperAcrossPieces(t *testing.T) {
	cases := []struct {
		stops  []string
		pieces []string
		want   string
		stop   bool
	}{
		{nil, []string{"ab", "cd"}, "abcd", false},
		{[]string{"END"}, []string{"hello E", "N", "D world"}, "hello ", true},
		{[]string{"END"}, []string{"hello E", "N", "d world"}, "hello ENd world", false},
		{[]string{"xyz", "b"}, []string{"aaxy", "zb"}, "aa", true},
		{[]string{"\n\n"}, []string{"line\n", "\nmore"}, "line", true},
		{[]string{"é!"}, []string{"caf", "é", "!"}, "caf", true},
		{[]string{"abc"}, []string{"ab"}, "ab", false}, // held back, flushed at the end
	}
	for _, c := range cases {
		s := stopper{stops: c.stops}
		var b strings.Builder
		stopped := false
		for _, p := range c.pieces {
			out, st := s.add(p)
			b.WriteString(out)
			if st {
				stopped = true
				break
			}
		}
		if !stopped {
			b.WriteString(s.flush())
		}
		if b.String() != c.want || stopped != c.stop {
			t.Errorf("stops %q pieces %q: got %q stop %v, want %q stop %v", c.stops, c.pieces, b.String(), stopped, c.want, c.stop)
		}
	}
}
