package bench

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/pprof"
	"sort"
	"time"

	"github.com/google/pprof/profile"
)

// errNoProfile is returned when no timed region was profiled.
var errNoProfile = errors.New("bench: no timed region was profiled")

// Profiler collects a CPU profile of the timed regions only: each region is
// profiled on its own with runtime/pprof, and Profile merges the parts.
// Profiling must not be running otherwise in the process.
type Profiler struct {
	buf   bytes.Buffer
	parts []*profile.Profile
}

// Start starts profiling a timed region.
func (p *Profiler) Start() error {
	p.buf.Reset()
	if err := pprof.StartCPUProfile(&p.buf); err != nil {
		return fmt.Errorf("bench: CPU profile: %w", err)
	}
	return nil
}

// Stop stops profiling the region and keeps its profile.
func (p *Profiler) Stop() error {
	pprof.StopCPUProfile()
	prof, err := profile.Parse(bytes.NewReader(p.buf.Bytes()))
	if err != nil {
		return fmt.Errorf("bench: reading the CPU profile back: %w", err)
	}
	p.parts = append(p.parts, prof)
	return nil
}

// Profile merges the profiles of every region.
func (p *Profiler) Profile() (*profile.Profile, error) {
	if len(p.parts) == 0 {
		return nil, errNoProfile
	}
	prof, err := profile.Merge(p.parts)
	if err != nil {
		return nil, fmt.Errorf("bench: merging CPU profiles: %w", err)
	}
	return prof, nil
}

// FuncTime is one function's share of a CPU profile.
type FuncTime struct {
	Name string
	Flat time.Duration // in the function itself
	Cum  time.Duration // in the function and what it calls
}

// Top returns the n functions with the most self time (inlined functions
// count as themselves), and the total time of the profile.
func Top(prof *profile.Profile, n int) ([]FuncTime, time.Duration) {
	vi := len(prof.SampleType) - 1
	for i, st := range prof.SampleType {
		if st.Type == "cpu" {
			vi = i
		}
	}
	if vi < 0 {
		return nil, 0
	}
	flat, cum := map[string]int64{}, map[string]int64{}
	var total int64
	for _, s := range prof.Sample {
		v := s.Value[vi]
		total += v
		seen := map[string]bool{}
		for li, loc := range s.Location {
			for k, line := range loc.Line {
				name := "?"
				if line.Function != nil {
					name = line.Function.Name
				}
				if li == 0 && k == 0 {
					flat[name] += v
				}
				if !seen[name] {
					seen[name] = true
					cum[name] += v
				}
			}
		}
	}
	fs := make([]FuncTime, 0, len(cum))
	for name, c := range cum {
		fs = append(fs, FuncTime{Name: name, Flat: time.Duration(flat[name]), Cum: time.Duration(c)})
	}
	sort.Slice(fs, func(i, j int) bool {
		if fs[i].Flat != fs[j].Flat {
			return fs[i].Flat > fs[j].Flat
		}
		return fs[i].Name < fs[j].Name
	})
	return fs[:min(n, len(fs))], time.Duration(total)
}

// WriteTop writes the n functions with the most self time in prof as a
// markdown table, like `go tool pprof -top`.
func WriteTop(w io.Writer, prof *profile.Profile, n int) error {
	fs, total := Top(prof, n)
	pct := func(d time.Duration) float64 {
		if total == 0 {
			return 0
		}
		return 100 * float64(d) / float64(total)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "CPU profile of the timed regions: %v of samples; top %d functions by self time\n\n", total.Round(time.Millisecond), len(fs))
	b.WriteString("| flat | flat% | cum | cum% | function |\n| ---: | ---: | ---: | ---: | --- |\n")
	for _, f := range fs {
		fmt.Fprintf(&b, "| %v | %.1f%% | %v | %.1f%% | %s |\n", f.Flat.Round(time.Millisecond), pct(f.Flat),
			f.Cum.Round(time.Millisecond), pct(f.Cum), f.Name)
	}
	_, err := w.Write(b.Bytes())
	return err
}
