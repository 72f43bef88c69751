"""Statistical named-entity models and their weights: the CRF (`crf`, the default) and the spaCy CNN (`cnn`)."""
