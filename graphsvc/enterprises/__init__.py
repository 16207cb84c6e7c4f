"""Enterprises, chains and regions as a caller may see them."""
