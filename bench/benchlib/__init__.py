"""Pieces of bench/compare.py: payloads, servers, measurements, floors, tables."""
