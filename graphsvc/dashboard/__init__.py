"""The bureau dashboard: headline figures, district map data and target progress for a region."""
