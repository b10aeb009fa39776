package bench

import (
	"fmt"
	"html"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Plot geometry, in SVG user units (pixels).
const (
	plotLeft   = 230 // group labels
	plotWidth  = 560 // bars
	plotRight  = 130 // values beyond the longest bar
	plotTop    = 70  // title and legend
	plotBottom = 50  // axis labels
	barHeight  = 18
	barGap     = 4
	groupGap   = 16
)

// plotColors are the series colors: sovra's backends first, the peer last.
var plotColors = []string{"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf"}

// peerColor is the color of the peer's bars.
const peerColor = "#ff7f0e"

// WritePlot writes r as an SVG bar chart of tokens per second: one group of
// bars per model, test and thread count, one bar per runner and backend
// (sovra's beside the peer's), on a logarithmic axis so that pp and tg
// speeds fit on one chart, each bar labelled with its value.
func WritePlot(w io.Writer, r *Report) error {
	type group struct {
		label, sub string
		bars       []*Result
	}
	var groups []*group
	index := map[string]*group{}
	var series []string // "runner backend", in order of appearance
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range r.Results {
		x := &r.Results[i]
		threads := x.Threads
		if x.Runner == "sovra" {
			threads = x.ThreadsAsked
		}
		key := fmt.Sprintf("%s|%s|%d", x.ModelFilename, x.Test, threads)
		g := index[key]
		if g == nil {
			g = &group{label: filepath.Base(x.ModelFilename), sub: x.Test + " · " + threadsString(threads)}
			index[key] = g
			groups = append(groups, g)
		}
		g.bars = append(g.bars, x)
		name := x.Runner + " " + x.Backend
		if !slices.Contains(series, name) {
			series = append(series, name)
		}
		if x.AvgTS > 0 {
			lo, hi = math.Min(lo, x.AvgTS), math.Max(hi, x.AvgTS)
		}
	}
	if len(groups) == 0 || math.IsInf(lo, 0) {
		return fmt.Errorf("bench: nothing to plot")
	}
	// The axis spans whole decades around the values.
	dlo, dhi := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if dhi <= dlo {
		dhi = dlo + 1
	}
	xOf := func(v float64) float64 {
		if v <= 0 {
			return plotLeft
		}
		return plotLeft + plotWidth*(math.Log10(v)-dlo)/(dhi-dlo)
	}
	color := func(x *Result) string {
		if x.Runner != "sovra" {
			return peerColor
		}
		i := slices.Index(series, x.Runner+" "+x.Backend)
		return plotColors[i%len(plotColors)]
	}

	height := plotTop + plotBottom
	for _, g := range groups {
		height += len(g.bars)*(barHeight+barGap) + groupGap
	}
	width := plotLeft + plotWidth + plotRight
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">
<rect width="100%%" height="100%%" fill="white"/>
`, width, height, width, height)
	title := "sovra bench: tokens per second"
	if r.Peer != nil {
		title += ", sovra vs " + r.Peer.Name
	}
	fmt.Fprintf(&b, `<text x="%d" y="22" font-size="16" font-weight="bold">%s</text>`+"\n", plotLeft, esc(title))
	fmt.Fprintf(&b, `<text x="%d" y="40" fill="#555">%s, %d cores</text>`+"\n", plotLeft, esc(r.Machine.CPU), r.Machine.Cores)
	// The legend.
	lx := plotLeft
	for _, s := range series {
		c := plotColors[slices.Index(series, s)%len(plotColors)]
		if !strings.HasPrefix(s, "sovra ") {
			c = peerColor
		}
		fmt.Fprintf(&b, `<rect x="%d" y="50" width="12" height="12" fill="%s"/><text x="%d" y="60">%s</text>`+"\n", lx, c, lx+16, esc(s))
		lx += 16 + 8*len(s) + 20
	}
	plotBottomY := height - plotBottom
	// Grid lines and tick labels at each decade.
	for d := dlo; d <= dhi; d++ {
		x := xOf(math.Pow(10, d))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#ddd"/>`+"\n", x, plotTop-4, x, plotBottomY)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`+"\n", x, plotBottomY+16, esc(decadeLabel(d)))
	}
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", plotLeft, plotTop-4, plotLeft, plotBottomY)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#333"/>`+"\n", plotLeft, plotBottomY, plotLeft+plotWidth, plotBottomY)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">tokens/s (log scale; mean ± stddev on each bar)</text>`+"\n", plotLeft+plotWidth/2, plotBottomY+36)

	y := plotTop
	for _, g := range groups {
		gh := len(g.bars) * (barHeight + barGap)
		mid := y + gh/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-weight="bold">%s</text>`+"\n", plotLeft-8, mid-2, esc(g.label))
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" fill="#555">%s</text>`+"\n", plotLeft-8, mid+12, esc(g.sub))
		for _, x := range g.bars {
			x1 := xOf(x.AvgTS)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s</title></rect>`+"\n",
				plotLeft, y, math.Max(x1-plotLeft, 1), barHeight, color(x), esc(x.Runner+" "+x.Backend+" "+x.Test))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", x1+4, y+barHeight-5, esc(fmt.Sprintf("%.2f ± %.2f", x.AvgTS, x.StddevTS)))
			y += barHeight + barGap
		}
		y += groupGap
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// decadeLabel prints 10^d as 0.1, 1, 10, 100, 1k, 10k, 100k, 1M, ...
func decadeLabel(d float64) string {
	v := math.Pow(10, d)
	switch {
	case d >= 6:
		return strconv.FormatFloat(v/1e6, 'f', -1, 64) + "M"
	case d >= 3:
		return strconv.FormatFloat(v/1e3, 'f', -1, 64) + "k"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func esc(s string) string { return html.EscapeString(s) }

// threadsString is "1 thread", "2 threads", ...
func threadsString(n int) string {
	if n == 1 {
		return "1 thread"
	}
	return strconv.Itoa(n) + " threads"
}
