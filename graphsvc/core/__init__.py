"""What every feature shares: configuration, the schema and the store adapters, who may see what
(access), audit, regions and reference data, the vocabulary and field coercion, caches."""
