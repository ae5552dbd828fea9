"""Check: the whole folder's rows at once, validated, recomputed and compared.

``schemas`` holds the rules (pandera models; a rule lives there only) and ``findings``
the check-code table; ``inputs`` derives what the rules read and validates the inputs;
``financing`` types the financing table; ``compute`` runs the model for every valid
project; ``compare`` holds each stated result against the recomputation; ``assess``
runs them in that order and returns the report's records.
"""
