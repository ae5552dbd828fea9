"""xl_addin: the Excel door. ``xl_addin.udfs`` holds the cell functions
(xlwings user-defined functions); it imports only xlwings, numpy and renewal,
so the same module runs in classic xlwings and in xlwings Lite (Pyodide)."""
