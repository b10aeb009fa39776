package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// contention measures how much CPU time other processes took while a test
// ran: the busy time of all CPUs (from /proc/stat) minus this process's and
// its children's. It is what tells a trustworthy number from one measured on
// a busy machine.
type contention struct {
	start          time.Time
	system, itself time.Duration
	ok             bool
}

// startContention starts measuring.
func startContention() contention {
	sys, ok := systemCPUTime("/proc/stat")
	return contention{start: time.Now(), system: sys, itself: processCPUTime() + childrenCPUTime(), ok: ok}
}

// load returns the average number of CPUs kept busy by other processes (or
// taken by the hypervisor) since the start, and false where /proc/stat is
// not available. /proc/stat counts in clock ticks (10 ms), so the figure is
// rough over short spans.
func (c contention) load() (float64, bool) {
	sys, ok := systemCPUTime("/proc/stat")
	wall := time.Since(c.start)
	if !ok || !c.ok || wall <= 0 {
		return 0, false
	}
	other := (sys - c.system) - (processCPUTime() + childrenCPUTime() - c.itself)
	return max(0, float64(other)/float64(wall)), true
}

// systemCPUTime is the busy time of all CPUs since boot: user, nice, system,
// irq, softirq and steal from the "cpu" line of a /proc/stat file, in
// USER_HZ ticks of 10 ms.
func systemCPUTime(path string) (time.Duration, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || fields[0] != "cpu" {
			continue
		}
		var ticks int64
		// user nice system idle iowait irq softirq steal (guest is in user).
		for _, i := range []int{1, 2, 3, 6, 7, 8} {
			v, err := strconv.ParseInt(fields[i], 10, 64)
			if err != nil {
				return 0, false
			}
			ticks += v
		}
		return time.Duration(ticks) * 10 * time.Millisecond, true
	}
	return 0, false
}
