"""``renewal bundle``: district packages planned from a portfolio. ``sources`` reads the
projects (a portfolio workbook, a batch report, a CSV); ``plan`` solves and writes
plan.json and plan.xlsx."""
