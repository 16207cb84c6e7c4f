"""Local supply (B4): each 链主工厂's local-supply ratio, the what-if steps towards 60%, chain coverage,
and their exports. `service` is what the API, the pages and the CLI call."""
