"""Contractor recommendation: providers ranked for a manufacturer with the evidence behind each rank."""
