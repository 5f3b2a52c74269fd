package bot

import "testing"

func TestDistanceText(t *testing.T) {
	for _, c := range []struct {
		m    float64
		want string
	}{{0, "0 m"}, {333.6, "330 m"}, {994, "990 m"}, {995, "1.0 km"}, {1000, "1.0 km"}, {12345, "12.3 km"}, {250400, "250 km"}} {
		if got := distanceText(c.m); got != c.want {
			t.Errorf("distanceText(%v) = %q, want %q", c.m, got, c.want)
		}
	}
}
