// Lifestream — see README's architecture section.
