package bench

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// mdColumns are the columns of the markdown table: llama-bench's first
// (model to t/s), then ours. Width is a minimum, for alignment while rows are
// printed as they come; right aligns the column.
var mdColumns = []struct {
	name  string
	width int
	right bool
}{
	{"model", 22, false},
	{"size", 10, true},
	{"params", 9, true},
	{"backend", 16, false},
	{"threads", 7, true},
	{"test", 6, false},
	{"t/s", 21, true},
	{"busy", 5, true},
	{"other", 5, true},
	{"load ms", 7, true},
	{"compile ms", 10, true},
	{"peak RSS", 10, true},
	{"BW use", 6, true},
}

// WriteMarkdown writes r as a markdown header, table and footer.
func (r *Report) WriteMarkdown(w io.Writer) error {
	if err := r.WriteMarkdownHeader(w); err != nil {
		return err
	}
	for i := range r.Results {
		if err := r.WriteMarkdownRow(w, &r.Results[i]); err != nil {
			return err
		}
	}
	return r.WriteMarkdownFooter(w)
}

// WriteMarkdownHeader writes the machine, bandwidth and peer lines and the
// table's header: what is known before the first test runs.
func (r *Report) WriteMarkdownHeader(w io.Writer) error {
	var b strings.Builder
	m := r.Machine
	fmt.Fprintf(&b, "machine: %s, %d cores, GOMAXPROCS %d, %s %s/%s, load average %.2f at the start\n\n",
		m.CPU, m.Cores, m.GOMAXPROCS, m.GoVersion, m.GOOS, m.GOARCH, m.LoadAverage)
	for _, bw := range r.Bandwidth {
		how := "measured now"
		if bw.Cached {
			how = "cached, measured " + bw.MeasuredAt.Format("2006-01-02")
		}
		fmt.Fprintf(&b, "read bandwidth: %.2f GB/s with %s (%s buffer, best of %d passes; %s)\n\n",
			bw.BytesPerSecond/1e9, threadsString(bw.Threads), sizeString(bw.BufferBytes), bw.Passes, how)
	}
	if r.Peer != nil {
		fmt.Fprintf(&b, "%s: %s, backend %s\n\n", r.Peer.Name, r.Peer.Version, r.Peer.Backend)
	}
	if r.PeerError != "" {
		fmt.Fprintf(&b, "not compared: %s\n\n", r.PeerError)
	}
	cells := make([]string, len(mdColumns))
	rule := make([]string, len(mdColumns))
	for i, c := range mdColumns {
		cells[i] = c.name
		rule[i] = strings.Repeat("-", c.width-1) + ":"
		if !c.right {
			rule[i] = strings.Repeat("-", c.width)
		}
	}
	writeMarkdownCells(&b, cells)
	b.WriteString("|" + strings.Join(mapStrings(rule, func(s string) string { return " " + s + " " }), "|") + "|\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdownRow writes the table row of one result.
func (r *Report) WriteMarkdownRow(w io.Writer, x *Result) error {
	threads := strconv.Itoa(x.Threads)
	if x.Runner == "sovra" && x.ThreadsAsked != x.Threads {
		threads += " of " + strconv.Itoa(x.ThreadsAsked)
	}
	cells := []string{
		x.ModelType,
		sizeString(x.ModelSize),
		paramsString(x.ModelParams),
		x.Runner + " " + x.Backend,
		threads,
		x.Test,
		fmt.Sprintf("%.2f ± %.2f", x.AvgTS, x.StddevTS),
		"", fmt.Sprintf("%.2f", x.OtherLoad), "", "", "", "",
	}
	if x.Runner == "sovra" {
		cells[7] = fmt.Sprintf("%.2f", x.Busy)
		cells[9] = fmt.Sprintf("%.0f", x.LoadMS)
		if x.CompileMS != nil {
			cells[10] = fmt.Sprintf("%.1f", *x.CompileMS)
		}
		if x.PeakRSS > 0 {
			cells[11] = sizeString(x.PeakRSS)
		}
	}
	if x.BandwidthFraction > 0 {
		cells[12] = fmt.Sprintf("%.1f%%", 100*x.BandwidthFraction)
	}
	var b strings.Builder
	writeMarkdownCells(&b, cells)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteMarkdownFooter writes the comparison with the peer, the notes and
// what the columns mean.
func (r *Report) WriteMarkdownFooter(w io.Writer) error {
	var b strings.Builder
	if cs := r.Comparisons(); len(cs) > 0 {
		name := r.Peer.Name
		fmt.Fprintf(&b, "\nsovra / %s (above 1: sovra is faster):\n\n", name)
		fmt.Fprintf(&b, "| model | test | threads | backend | sovra t/s | %s t/s | ratio |\n", name)
		b.WriteString("| --- | --- | ---: | --- | ---: | ---: | ---: |\n")
		for _, c := range cs {
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %.2f | %.2f | %.3f |\n", filepath.Base(c.Model), c.Test, c.Threads, c.Backend, c.SovraTS, c.PeerTS, c.Ratio)
		}
	}
	if busy := r.busiest(); busy > BusyMachine {
		fmt.Fprintf(&b, "\n**warning: the machine was not idle**: other processes kept up to %.2f CPUs busy during a test "+
			"(column other); those speeds are not trustworthy, run again on an idle machine.\n", busy)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "\nnote: %s\n", n)
	}
	reps := strconv.Itoa(r.Reps) + " repetitions"
	if r.Reps == 1 {
		reps = "1 repetition"
	}
	fmt.Fprintf(&b, "\nt/s: mean ± sample stddev of tokens/s over %s after one warm-up; "+
		"pp: one batch of N random tokens from an empty cache; tg: N tokens decoded one at a time from an empty cache.\n", reps)
	b.WriteString("busy: CPU time ÷ wall time in the timed region (threads kept busy). " +
		"other: CPUs kept busy by other processes during the test (from /proc/stat; should be near 0). " +
		"load ms: loading the model. peak RSS: from getrusage, since the model was loaded.\n")
	if r.compiles() {
		b.WriteString("compile ms (backends that compile graphs, such as gomlx; empty for the others): time spent compiling the graphs of the test's shape, " +
			"in its warm-up, or for the first one-token test (tg) while loading the model (so also within load ms); 0 when an earlier test compiled the shape; not part of t/s.\n")
	}
	b.WriteString("BW use (tg): weight bytes read per token × t/s ÷ read bandwidth; above 100% the weights come from cache, not memory.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// writeMarkdownCells writes one table row, padding cells to the columns'
// widths.
func writeMarkdownCells(b *strings.Builder, cells []string) {
	b.WriteString("|")
	for i, c := range cells {
		pad := strings.Repeat(" ", max(0, mdColumns[i].width-utf8.RuneCountInString(c)))
		if mdColumns[i].right {
			c = pad + c
		} else {
			c += pad
		}
		b.WriteString(" " + strings.ReplaceAll(c, "|", "\\|") + " |")
	}
	b.WriteString("\n")
}

func mapStrings(ss []string, f func(string) string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = f(s)
	}
	return out
}

// sizeString prints bytes as llama-bench prints model sizes: MiB below a
// GiB, GiB above.
func sizeString(n int64) string {
	if n < 1<<30 {
		return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
}

// paramsString prints a parameter count as llama-bench does.
func paramsString(n int64) string {
	if n < 1e9 {
		return fmt.Sprintf("%.2f M", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f B", float64(n)/1e9)
}
