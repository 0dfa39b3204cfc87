"""Training: SBERT fine-tuning, CLEP alignment, link prediction and graph encoders."""
