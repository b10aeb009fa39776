package bench

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sampleReport is a report of two tests by sovra and the peer.
func sampleReport() *Report {
	r := &Report{
		Machine:   Machine{CPU: "Test CPU <x86>", Cores: 2, GOMAXPROCS: 2, GoVersion: "go1.26", GOOS: "linux", GOARCH: "amd64"},
		Bandwidth: []Bandwidth{{CPU: "Test CPU <x86>", Threads: 2, BytesPerSecond: 10e9, BufferBytes: 1 << 30, Passes: 5, MeasuredAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
		Reps:      2,
		Peer:      &PeerInfo{Name: "llama.cpp", Version: "0.5.0", Backend: "CPU"},
		Notes:     []string{"a note"},
	}
	for _, kind := range []Kind{PP, TG} {
		test := Test{Model: "/m/model.gguf", Backend: "cpu", Threads: 2, Kind: kind, N: 64}
		s := newResult("sovra", test, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond})
		s.ModelType, s.ModelSize, s.ModelParams = "llama 8.7M Q4_0", 4908800, 8721280
		s.ThreadsAsked, s.Busy, s.LoadMS, s.PeakRSS = 2, 1.9, 12.5, 30<<20
		p := newResult("llama.cpp", test, []time.Duration{10 * time.Millisecond, 20 * time.Millisecond})
		p.Backend, p.ModelType, p.ModelSize, p.ModelParams = "CPU", "llama ?B Q4_0", 4908800, 8721280
		// As if the backend compiled: the pp shape was compiled by an earlier
		// test (0), the tg one costs 850.4ms.
		compile := 0.0
		if kind == TG {
			s.WeightBytesPerToken, p.WeightBytesPerToken = 2604872, 2604872
			compile = 850.4
		}
		s.CompileMS = &compile
		r.setBandwidthFraction(s)
		r.setBandwidthFraction(p)
		r.Results = append(r.Results, *s, *p)
	}
	return r
}

func TestBandwidthFraction(t *testing.T) {
	r := sampleReport()
	tg := r.Results[2]
	// 2604872 bytes × 480 t/s (mean of 640 and 320) ÷ 10 GB/s.
	if want := 2604872 * 480 / 10e9; tg.Test != "tg64" || math.Abs(tg.BandwidthFraction-want) > 1e-12 {
		t.Errorf("%s: fraction %v, want %v", tg.Test, tg.BandwidthFraction, want)
	}
	if r.Results[0].BandwidthFraction != 0 {
		t.Error("a pp result has a bandwidth fraction")
	}
}

func TestComparisons(t *testing.T) {
	cs := sampleReport().Comparisons()
	if len(cs) != 2 {
		t.Fatalf("%d comparisons, want 2", len(cs))
	}
	for _, c := range cs {
		if math.Abs(c.Ratio-0.1) > 1e-12 || c.Threads != 2 {
			t.Errorf("%+v: want ratio 0.1 with 2 threads", c)
		}
	}
}

func TestJSONParsesBack(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := r.Write(&b, "json"); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("parsed back\n%+v\nwant\n%+v", back, *r)
	}
	// llama-bench's field names, and ours.
	var raw struct {
		Machine     map[string]any
		Bandwidth   []map[string]any
		Results     []map[string]any
		Comparisons []map[string]any
	}
	json.Unmarshal(b.Bytes(), &raw)
	for _, k := range []string{"avg_ts", "stddev_ts", "samples_ts", "samples_ns", "n_prompt", "n_gen", "n_threads",
		"model_size", "model_n_params", "model_type", "load_ms", "compile_ms", "peak_rss_bytes", "threads_busy", "other_load"} {
		if _, ok := raw.Results[0][k]; !ok {
			t.Errorf("sovra result lacks %q", k)
		}
	}
	for _, k := range []string{"weight_bytes_per_token", "bandwidth_fraction"} {
		if _, ok := raw.Results[2][k]; !ok {
			t.Errorf("tg result lacks %q", k)
		}
	}
	// A compile time of 0 is written; none (the peer's) is not.
	if raw.Results[0]["compile_ms"] != 0.0 || raw.Results[2]["compile_ms"] != 850.4 {
		t.Errorf("compile_ms %v and %v, want 0 and 850.4", raw.Results[0]["compile_ms"], raw.Results[2]["compile_ms"])
	}
	if _, ok := raw.Results[1]["compile_ms"]; ok {
		t.Error("the peer's result has a compile_ms")
	}
	if raw.Machine["cpu"] != "Test CPU <x86>" || raw.Bandwidth[0]["bytes_per_s"] != 10e9 || len(raw.Comparisons) != 2 {
		t.Errorf("machine %v, bandwidth %v, comparisons %v", raw.Machine, raw.Bandwidth, raw.Comparisons)
	}
}

func TestCSVParsesBack(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := r.Write(&b, "csv"); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+len(r.Results) || !reflect.DeepEqual(rows[0], csvFields) {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	tg := rows[3]
	if tg[col["runner"]] != "sovra" || tg[col["test"]] != "tg64" || tg[col["n_gen"]] != "64" ||
		tg[col["samples_ns"]] != "100000000;200000000" || tg[col["samples_ts"]] != "640;320" ||
		tg[col["avg_ts"]] != "480" || tg[col["weight_bytes_per_token"]] != "2604872" || tg[col["read_bandwidth_bytes_per_s"]] != "10000000000" ||
		tg[col["compile_ms"]] != "850.4" || rows[1][col["compile_ms"]] != "0" {
		t.Errorf("tg row %v", tg)
	}
	if peer := rows[2]; peer[col["load_ms"]] != "" || peer[col["compile_ms"]] != "" || peer[col["backends"]] != "CPU" {
		t.Errorf("peer row %v", peer)
	}
}

func TestMarkdownTable(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := r.Write(&b, "md"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	var tables [][][]string
	var cur [][]string
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			if cur != nil {
				tables, cur = append(tables, cur), nil
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		cur = append(cur, cells)
	}
	if len(tables) != 2 {
		t.Fatalf("%d tables, want the results and the comparison:\n%s", len(tables), out)
	}
	res := tables[0]
	want := []string{"model", "size", "params", "backend", "threads", "test", "t/s", "busy", "other", "load ms", "compile ms", "peak RSS", "BW use"}
	if !reflect.DeepEqual(res[0], want) {
		t.Errorf("columns %q, want %q", res[0], want)
	}
	if len(res) != 2+4 {
		t.Fatalf("%d rows, want header, rule and 4 results", len(res))
	}
	for _, row := range res[1:] {
		if len(row) != len(want) {
			t.Errorf("row %q has %d cells", row, len(row))
		}
	}
	if got := res[2]; got[0] != "llama 8.7M Q4_0" || got[1] != "4.68 MiB" || got[2] != "8.72 M" || got[3] != "sovra cpu" ||
		got[4] != "2" || got[5] != "pp64" || got[6] != "480.00 ± 226.27" || got[7] != "1.90" || got[8] != "0.00" || got[9] != "12" || got[10] != "0.0" || got[11] != "30.00 MiB" {
		t.Errorf("sovra pp row %q", got)
	}
	if got := res[4]; got[5] != "tg64" || got[10] != "850.4" {
		t.Errorf("sovra tg row %q, want compile ms 850.4", got)
	}
	if got := res[5]; got[3] != "llama.cpp CPU" || got[5] != "tg64" || got[10] != "" || got[12] != "125.0%" {
		t.Errorf("llama.cpp tg row %q", got)
	}
	if cmp := tables[1]; len(cmp) != 4 || cmp[2][6] != "0.100" {
		t.Errorf("comparison table %q", cmp)
	}
	if strings.Contains(out, "not idle") {
		t.Error("a warning about a busy machine, with no other load")
	}
	r.Results[1].OtherLoad = 0.8
	b.Reset()
	r.WriteMarkdownFooter(&b)
	if !strings.Contains(b.String(), "the machine was not idle**: other processes kept up to 0.80 CPUs busy") {
		t.Errorf("no warning about a busy machine:\n%s", b.String())
	}
	// Without a backend that compiles, the footer does not explain the column.
	for i := range r.Results {
		r.Results[i].CompileMS = nil
	}
	b.Reset()
	r.WriteMarkdownFooter(&b)
	if strings.Contains(b.String(), "compile ms") {
		t.Errorf("compile ms explained with no compile times:\n%s", b.String())
	}
	for _, s := range []string{"machine: Test CPU <x86>, 2 cores", "read bandwidth: 10.00 GB/s with 2 threads", "llama.cpp: 0.5.0", "note: a note", "compile ms (backends that compile"} {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
}

func TestPlotIsXML(t *testing.T) {
	r := sampleReport()
	var b bytes.Buffer
	if err := WritePlot(&b, r); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&b)
	bars, texts := 0, []string{}
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = tok.Name.Local
			}
			if tok.Name.Local == "rect" {
				bars++
			}
		case xml.CharData:
			if s := strings.TrimSpace(string(tok)); s != "" {
				texts = append(texts, s)
			}
		}
	}
	if root != "svg" {
		t.Errorf("root element %q", root)
	}
	// Background, two legend boxes, four bars.
	if bars != 1+2+4 {
		t.Errorf("%d rects, want 7", bars)
	}
	all := strings.Join(texts, "\n")
	for _, s := range []string{"480.00 ± 226.27", "4800.00 ± 2262.74", "pp64 · 2 threads", "Test CPU <x86>", "tokens/s (log scale", "1k"} {
		if !strings.Contains(all, s) {
			t.Errorf("plot lacks %q", s)
		}
	}
	if err := WritePlot(io.Discard, &Report{}); err == nil {
		t.Error("an empty report plotted")
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := sampleReport().Write(io.Discard, "xml"); err == nil {
		t.Error("format xml accepted")
	}
}
