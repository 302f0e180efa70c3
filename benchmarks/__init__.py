"""Benchmarks of the agent desk at 10 thousand, 100 thousand and a million borrowers.

Run ``uv run python -m benchmarks.run --scale 10k`` (see ``benchmarks.run``). These are scripts,
not tests: ``tests/unit/test_benchmarks.py`` only keeps them importable and runnable.
"""
