"""Retrieval: encoders at inference, the vector store, index building and dense search."""
