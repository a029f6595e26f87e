// Zstd — see README's architecture section.
