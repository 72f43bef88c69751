"""One article end to end: the spaCy pipeline (nlp) and the analysis that turns an article into table rows
(article)."""
