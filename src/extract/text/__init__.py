"""Text preparation: read articles (ingest), convert them to Simplified with an offset map (normalize), find
their layout (structure) and split them into words and sentences (segment)."""
