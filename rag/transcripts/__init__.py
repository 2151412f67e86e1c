"""The transcripts stage: read, clean, detect the layout, split into speaker turns, attribute them, and the
manifest of calls.
"""
