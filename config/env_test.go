package config

import (
	"strings"
	"testing"
)

func TestExpandEnv(t *testing.T) {
	t.Setenv("WSOPS_A", "alpha")
	t.Setenv("WSOPS_B", "beta")
	t.Setenv("WSOPS_EMPTY", "")
	tests := []struct {
		in, want   string
		referenced bool
		err        string
	}{
		{"plain", "plain", false, ""},
		{"", "", false, ""},
		{"$HOME and ${HOME}", "$HOME and ${HOME}", false, ""},
		{"${env:WSOPS_A}", "alpha", true, ""},
		{"x-${env:WSOPS_A}-${env:WSOPS_B}-${env:WSOPS_A}", "x-alpha-beta-alpha", true, ""},
		{"${env:WSOPS_A}${env:WSOPS_B}", "alphabeta", true, ""},
		{"${env:WSOPS_UNSET_FOR_TEST}", "", true, "WSOPS_UNSET_FOR_TEST is not set"},
		{"a ${env:WSOPS_EMPTY} b", "", true, "WSOPS_EMPTY is empty"},
		{"${env:}", "", true, "malformed"},
		{"${env:1ABC}", "", true, "malformed"},
		{"${env:A-B}", "", true, "malformed"},
		{"${env:WSOPS_A", "", true, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, referenced, err := expandEnv(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("expandEnv(%q) error = %v, want %q", tt.in, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want || referenced != tt.referenced {
				t.Errorf("expandEnv(%q) = %q, %v, %v; want %q, %v", tt.in, got, referenced, err, tt.want, tt.referenced)
			}
		})
	}
}

func TestWithoutEnvRefs(t *testing.T) {
	tests := map[string]string{
		"${env:A}":             "",
		"Bearer ${env:TOKEN}":  "Bearer ",
		"a${env:X}b${env:Y}c":  "abc",
		"no refs":              "no refs",
		"${env:UNCLOSED trail": "",
	}
	for in, want := range tests {
		if got := withoutEnvRefs(in); got != want {
			t.Errorf("withoutEnvRefs(%q) = %q, want %q", in, got, want)
		}
	}
}
