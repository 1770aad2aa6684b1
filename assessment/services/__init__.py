"""Use cases: one function each; they flush, and the caller (view, CLI, job) commits once."""
