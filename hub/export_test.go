package hub

// ShortCodeForTest exposes the short-code draw to the external tests.
func ShortCodeForTest() string { return shortCode() }
