"""ehxl: Early Help action plans, maturity, KPIs and case-file audits in the Excel workbooks staff already keep."""

#: The one place the version is written: pyproject.toml reads it from here (``dynamic``), and ``ehxl --version``
#: prints it without ``importlib.metadata``, which would add about 20 ms to the command's start.
__version__ = "0.1.0"
