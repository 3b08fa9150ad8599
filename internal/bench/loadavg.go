package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// LoadAverage is the system's load average over the last minute, from
// /proc/loadavg (Linux): `mercato bench` prints it before and after each
// figure, since the machines it runs on are shared.
func LoadAverage() (float64, error) {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, fmt.Errorf("load average: %w", err)
	}
	return parseLoadAverage(string(raw))
}

// parseLoadAverage reads the first field of /proc/loadavg's line
// ("0.52 0.58 0.59 1/389 12345").
func parseLoadAverage(line string) (float64, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 {
		return 0, fmt.Errorf("load average: empty /proc/loadavg")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return 0, fmt.Errorf("load average %q: %w", fields[0], err)
	}
	return v, nil
}
