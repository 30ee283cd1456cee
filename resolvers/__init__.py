"""What each field and mutation does: authorization, validation, rules and storage."""
