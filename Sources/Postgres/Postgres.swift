// Postgres — see README's architecture section.
