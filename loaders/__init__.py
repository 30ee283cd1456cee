"""Per-request DataLoaders: every relation the schema resolves is batched here.

A `Loaders` object is built for each request (and each subscription event) and
creates loaders lazily; nothing here outlives the request, so no cache leaks
between viewers. Loaders receive the sessionmaker and open a short session per
batch: sibling batches run concurrently and must not share one AsyncSession.
"""

from loaders.registry import Loaders

__all__ = ["Loaders"]
