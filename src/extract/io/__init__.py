"""Storage: the output tables' schemas (tables), the writer that owns the outputs' layout (writer), and
incremental runs over a corpus folder (corpus)."""
