"""Measuring the product on eval/questions.jsonl: retrieval, citations, speakers, grounding, abstention.

gold.py reads the question set and matches evidence in passages; metrics.py scores one `Answer` and
aggregates; runner.py runs `ask()` (and the ablations) over the set; baseline.py is the naive
500-character index; report.py prints the tables, writes JSON and checks eval/gates.json.
"""
