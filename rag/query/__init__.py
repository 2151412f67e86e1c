"""The query stage: read a question once (who, which calls, which topic) and retrieve the passages that
answer it.
"""
