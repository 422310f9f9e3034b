// Package static embeds the hall's pages, scripts, styles and sounds, so the
// binary serves them with no network and no build step.
package static

import "embed"

// FS holds every file of this folder but the Go sources.
//
//go:embed *.html *.css *.js audio vendor
var FS embed.FS
