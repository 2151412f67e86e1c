"""The indexing stage: chunk parsed calls, embed them, and keep the vector and lexical indexes, the chunk
store and the update journal on disk.
"""
