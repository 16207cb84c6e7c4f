"""The deterministic synthetic Zhejiang (`generate`) and the demo accounts `make run` prints."""
