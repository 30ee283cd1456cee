"""Pure domain rules and vocabularies: no I/O, no GraphQL, no SQL."""
