"""validation: the batch door. Reads submitted workbooks, checks them with
pandera schemas, recomputes them with the model and writes reports; also the
``renewal`` command line, because it is the part that reads and writes files."""
