"""The MongoDB side: conversations, their messages and events, the assistant's context and keys.

PostgreSQL holds the training data; conversations live in MongoDB, keyed by PostgreSQL user ids,
and are joined to PostgreSQL rows through DataLoaders, never through the other store's queries.
Nothing here knows about GraphQL.
"""
