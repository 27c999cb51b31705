"""The bean course: its datasets, lessons, the note's hand-derived formulas, plots and demos."""
