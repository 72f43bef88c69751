"""Extractors: plain functions that find mentions in Simplified text and read their values.

numerals (one reader of Chinese and Arabic numbers), quantities, dates, entities and the article's own
reference list. Each takes text (and options, keyword-only) and returns frozen records with half-open
offsets into that text.
"""
