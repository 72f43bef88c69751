"""Storage: the output tables' schemas (tables), the Delta Lake tables that own the outputs' layout (delta),
conversion of version-1 folders (migrate), plain Parquet snapshots (export), and incremental runs over a
corpus folder (corpus)."""
