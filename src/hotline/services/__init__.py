"""Use cases that span the pure cores, the store and outside adapters (one transaction each)."""
