package arm

import "testing"

func TestUniqueString(t *testing.T) {
	t.Parallel()
	// Public vectors from the reference notes.
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"aaa", []string{"aaa"}, "zavj67f3en4hc"},
		{"bbb", []string{"bbb"}, "w5eragfxe33cy"},
		{"test", []string{"test"}, "rbgf3xv4ufgzg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := uniqueString(tt.args...); got != tt.want {
				t.Errorf("uniqueString(%q) = %s, want %s", tt.args, got, tt.want)
			}
		})
	}
}
