# sparkmonitor-go's PYTHONSTARTUP file (set by sparkmonitor_go.proxy for every kernel the Jupyter Server starts).
#
# IPython kernels run it in the user's namespace at start-up (IPython's InteractiveShellApp.exec_PYTHONSTARTUP); a
# plain interactive `python` runs it in __main__. It loads the IPython extension that tags Spark jobs with the notebook
# cell id (only under IPython), then runs the user's own PYTHONSTARTUP file (kept in SPARKMONITOR_USER_PYTHONSTARTUP)
# in the same namespace. Errors in the user's file are reported as without us: IPython's warning naming the file plus
# the traceback, or, in plain Python, the exception propagates and Python prints it. Only underscore names are used
# here and all of them are deleted again.


def _sparkmonitor_startup():
    import os
    import sys

    ipython_module = sys.modules.get("IPython")
    shell = ipython_module.get_ipython() if ipython_module is not None else None
    if shell is not None:
        try:
            shell.extension_manager.load_extension("sparkmonitor_go.kernel")
        except Exception as e:  # never stop the kernel or the user's startup file over the monitor
            print(
                f"sparkmonitor: could not load the cell-tagging extension ({type(e).__name__}: {e}); Spark jobs "
                "will not be attributed to cells.",
                file=sys.stderr,
            )
    return shell, os.environ.get("SPARKMONITOR_USER_PYTHONSTARTUP") or None


def _sparkmonitor_run_user_startup(shell, path, namespace):
    import os
    import sys

    # IPython puts the directory of the startup file (ours) first on sys.path while running it; take it off so the
    # user's file cannot import our modules by accident (IPython tolerates the entry being gone when it cleans up).
    # The function's own name is bound while it runs; ruff sees only the `del` at the end of the file.
    own_file = _sparkmonitor_run_user_startup.__code__.co_filename  # noqa: F821
    if sys.path and sys.path[0] == os.path.dirname(own_file):
        del sys.path[0]
    if shell is not None:  # run and report it exactly as IPython runs a PYTHONSTARTUP file (shellapp.py)
        try:
            if path.endswith(".ipy"):
                shell.safe_execfile_ipy(path, raise_exceptions=True)
            else:
                shell.safe_execfile(path, namespace, raise_exceptions=True)
        except Exception:
            shell.log.warning("Unknown error in handling PYTHONSTARTUP file %s:", path)
            shell.showtraceback()
        return
    with open(path, "rb") as f:
        code = compile(f.read(), path, "exec")
    exec(code, namespace)


_sparkmonitor_shell, _sparkmonitor_user_file = _sparkmonitor_startup()
try:
    if _sparkmonitor_user_file:
        _sparkmonitor_run_user_startup(_sparkmonitor_shell, _sparkmonitor_user_file, globals())
finally:
    del _sparkmonitor_startup, _sparkmonitor_run_user_startup, _sparkmonitor_shell, _sparkmonitor_user_file
