"""sparkmonitor-go: the Jupyter side of SparkMonitor.

- `proxy.server`: the jupyter-server-proxy entry point `sparkmonitor` (launcher tile, lazily started Go binary), which
  also configures every kernel the server starts (Spark conf dir, listener jar, cell-tagging startup file);
- `kernel`: the IPython extension that tags each cell's Spark jobs with the cell id;
- `startup.py`: the PYTHONSTARTUP file that loads that extension.
"""

__version__ = "0.1.0"


def _jupyter_labextension_paths():
    return [{"src": "labextension", "dest": "sparkmonitor-go-labextension"}]
