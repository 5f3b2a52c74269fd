//go:build !unix

package main

import (
	"io/fs"
	"testing"
)

func setUmask(*testing.T, int) bool { return false }

func wantMode(*testing.T, string, fs.FileMode) {}
