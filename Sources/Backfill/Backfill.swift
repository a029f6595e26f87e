// Backfill — see README's architecture section.
