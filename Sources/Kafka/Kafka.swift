// Kafka — see README's architecture section.
