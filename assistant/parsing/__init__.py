"""Question understanding: entity linking, relation paths, cues, and the parser that joins them."""
