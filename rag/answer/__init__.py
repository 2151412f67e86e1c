"""The answer stage: abstain on evidence, quote the passages that answer (extractive), or generate and
verify an answer (any OpenAI-compatible endpoint).
"""
