"""The compression engine: pixels to a palette of at most K colours and an index per pixel, then to a small indexed PNG."""
