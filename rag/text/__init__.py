"""The text stage: language, sentences, quarters and periods, numbers, names, glossary and tokenisers, each
written once.
"""
