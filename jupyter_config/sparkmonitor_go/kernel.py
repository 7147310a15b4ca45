"""IPython extension: tags the Spark jobs of each notebook cell with that cell's id.

JupyterLab and Notebook 7 put the cell id in the `execute_request` metadata (`cellId`); ipykernel passes it to IPython,
and a `pre_run_cell` callback sees it as `info.cell_id`. Before each cell we store it in the SparkContext's local
property `sparkmonitor.cellId`; Spark copies local properties into every job the thread starts, and the listener jar
reports them with `jobStart`.

- Local properties are per thread (PySpark's pinned thread mode maps each Python thread to its own JVM thread). The
  callback and the cell's code both run on the kernel's main thread.
- A cell that creates the SparkContext has no context yet when the callback runs, so `SparkContext.__init__` is wrapped
  (as soon as its module is imported, by a one-shot `sys.meta_path` hook) to set the property right after init. The
  module is `pyspark.core.context` since PySpark 4.0 (aliased as `pyspark.context`), `pyspark.context` before.
- pyspark is never imported from here, and nothing here can break a cell: every error is logged once and swallowed.

The same wrapping applies the notebook's Spark configuration profile, if one was chosen (see "Spark configuration
profiles" below).

Spark Connect sessions (`pyspark.sql.connect.session.SparkSession`, e.g. `SparkSession.builder.remote(url)`) have no
local properties: their jobs run on the Connect server's SparkContext. Before each cell every live Connect session of
the kernel gets the Spark Connect tags (`SparkSession.addTag`, per thread like local properties)
`sparkmonitor-cell-<cell id>`, `sparkmonitor-kernel-<kernel id>` and `sparkmonitor-notebook-<notebook path>` (values
percent-encoded: a tag may not contain a comma), replacing the previous cell's. The server gives each job of the
cell's operations the job tag `SparkConnect_Execute_User_<user>_Session_<session>_Tag_<tag>`, and the listener on the
server reads the cell and its notebook from them (spark/event/PROTOCOL.md, jobStart). A session created in a cell is
tagged right after `SparkSession.__init__`, wrapped like SparkContext's when `pyspark.sql.connect.session` is imported.

Jobs that a cell starts from other Python threads (threading.Thread, a ThreadPoolExecutor, also one made in an
earlier cell) do not carry the property: in PySpark's pinned thread mode each Python thread has its own JVM thread,
with its own local properties. So the hook also tells the driver which cell runs: before each cell (and right after a
SparkContext is created in a cell) and after it, a py4j call to the listener jar's `CellMarks.started`/`ended` posts a
mark on Spark's listener bus; the listener gives each job the cell that was running when Spark started it
(`runningCell`), and the monitor puts a job without a cell id under that cell (spark/state/cell.go). A thread's job
started after its cell ended goes under the cell running then, or none.

Each job also names the cell line that started it (local property `sparkmonitor.line`): see cellline.py.

Also exports SPARKMONITOR_KERNEL_ID (from the kernel's connection file `kernel-<id>.json`), which the driver JVM
inherits.
"""

from __future__ import annotations

import functools
import importlib.abc
import logging
import os
import re
import sys
import urllib.parse
import weakref
from collections.abc import Iterable

from . import cellline, logs

CELL_PROPERTY = "sparkmonitor.cellId"
KERNEL_ID = "SPARKMONITOR_KERNEL_ID"
NOTEBOOK_PATH = "JPY_SESSION_NAME"  # set by Jupyter Server for the kernels of its sessions
# Spark Connect tags (PROTOCOL.md): the prefix, then what follows it, percent-encoded.
TAG_PREFIX = "sparkmonitor-"
CELL_TAG, KERNEL_TAG, NOTEBOOK_TAG = TAG_PREFIX + "cell-", TAG_PREFIX + "kernel-", TAG_PREFIX + "notebook-"
_CONTEXT_MODULES = ("pyspark.core.context", "pyspark.context")
_CONNECT_MODULE = "pyspark.sql.connect.session"
_WRAPPED_MARK = "_sparkmonitor_wrapped"

log = logging.getLogger("sparkmonitor_go.kernel")


class CellTagger:
    """Remembers the running cell's id and puts it on the active SparkContext. Every public method swallows errors."""

    def __init__(self):
        self.cell_id: str | None = None
        self.enabled = True
        self._reported: set = set()
        self._connect_sessions: weakref.WeakSet = weakref.WeakSet()
        # The SparkContext told that the cell runs (its end goes to the same one), and one whose JVM has no CellMarks.
        self._marked = None
        self._unmarkable = None
        self.lines = cellline.LineTracker(active_context, self._report)

    def pre_run_cell(self, info) -> None:
        try:
            self.cell_id = getattr(info, "cell_id", None) or None
            if not self.enabled:
                return
            self.lines.pre_run_cell(_state.get("shell"), info)
            sc = active_context()
            if sc is not None:
                tag(sc, self.cell_id)
                self._mark(sc, started=True)
        except Exception as e:
            self._report("tagging the cell's Spark jobs", e)
        try:
            for session in self.connect_sessions():
                tag_connect(session, connect_tags(self.cell_id))
        except Exception as e:
            self._report("tagging the cell's Spark Connect operations", e)

    def post_run_cell(self, result=None) -> None:
        try:
            sc, self._marked = self._marked, None
            if sc is not None and sc is active_context():
                self._mark(sc, started=False)
        except Exception as e:
            self._report("telling Spark that the cell ended", e)

    def context_created(self, sc) -> None:
        try:
            if self.enabled and self.cell_id:
                tag(sc, self.cell_id)
                self._mark(sc, started=True)
        except Exception as e:
            self._report("tagging the new SparkContext", e)

    def _mark(self, sc, started: bool) -> None:
        """Tells the driver that the cell starts (or ended): its threads' jobs go under it (module docstring)."""
        if sc is self._unmarkable:
            return
        try:
            mark_cell(sc, self.cell_id, started)
        except Exception:
            self._unmarkable = sc  # e.g. a driver without the listener jar: one try per SparkContext
            raise
        self._marked = sc if started else None

    def connect_session_created(self, session) -> None:
        try:
            self._connect_sessions.add(session)
            if self.enabled:
                tag_connect(session, connect_tags(self.cell_id))
        except Exception as e:
            self._report("tagging the new Spark Connect session", e)

    def connect_sessions(self) -> list:
        """The live Spark Connect sessions: those created since the extension loaded, and the module's default and
        active ones (created before it)."""
        sessions = list(self._connect_sessions)
        module = sys.modules.get(_CONNECT_MODULE)
        cls = getattr(module, "SparkSession", None)
        if cls is not None:
            active = getattr(getattr(cls, "_active_session", None), "session", None)
            for known in (getattr(cls, "_default_session", None), active):
                if known is not None and all(known is not s for s in sessions):
                    sessions.append(known)
        return [s for s in sessions if not getattr(s, "is_stopped", False)]

    def _report(self, what: str, error: Exception) -> None:
        kind = (what, type(error).__name__)
        if kind in self._reported:
            return
        self._reported.add(kind)
        log.warning(
            "sparkmonitor: %s failed (%s: %s); this cell's jobs may not appear under it in the monitor. Your code is "
            "not affected.",
            what,
            type(error).__name__,
            error,
        )


def active_context():
    """The active SparkContext, if pyspark has been imported and one is running; never imports pyspark."""
    module = _loaded_context_module()
    if module is None:
        return None
    return getattr(getattr(module, "SparkContext", None), "_active_spark_context", None)


def _loaded_context_module():
    for name in _CONTEXT_MODULES:
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "SparkContext"):
            return module
    return None


def tag(sc, cell_id: str | None) -> None:
    # A None value removes the property (SparkContext.setLocalProperty), so cells without an id are not mislabelled.
    sc.setLocalProperty(CELL_PROPERTY, cell_id)


def mark_cell(sc, cell_id: str | None, started: bool) -> None:
    """Posts the listener jar's cell mark (CellMarks.started or .ended) on the driver's listener bus."""
    marks = sc._jvm.io.sparkmonitor.listener.CellMarks
    (marks.started if started else marks.ended)(sc._jsc.sc(), cell_id)


def connect_tags(cell_id: str | None) -> set:
    """The Spark Connect tags of a cell's operations: its cell (when it has an id) and its notebook (when known)."""
    quote = functools.partial(urllib.parse.quote, safe="")
    tags = set()
    for prefix, value in (
        (CELL_TAG, cell_id),
        (KERNEL_TAG, os.environ.get(KERNEL_ID)),
        (NOTEBOOK_TAG, os.environ.get(NOTEBOOK_PATH)),
    ):
        if value:
            tags.add(prefix + quote(value))
    return tags


def tag_connect(session, tags: Iterable[str]) -> None:
    """Gives the session's operations started by this thread exactly `tags` among ours; the user's tags stay."""
    wanted = set(tags)
    current = set(session.getTags())
    for old in current - wanted:
        if old.startswith(TAG_PREFIX):
            session.removeTag(old)
    for new in wanted - current:
        session.addTag(new)


def wrap_init(cls, after) -> None:
    """Wraps `cls.__init__` (once) so that `after(self)` runs after a successful init."""
    if cls is None or getattr(cls.__init__, _WRAPPED_MARK, False):
        return
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        __tracebackhide__ = True  # IPython leaves this frame out of the tracebacks the user reads
        original(self, *args, **kwargs)
        after(self)

    setattr(__init__, _WRAPPED_MARK, True)
    cls.__init__ = __init__


def wrap_context_init(module) -> None:
    """Wraps `module.SparkContext.__init__` (once): the tagger's `context_created` runs after a successful init."""
    wrap_init(getattr(module, "SparkContext", None), lambda sc: _current_tagger().context_created(sc))


def wrap_connect_init(module) -> None:
    """Wraps the Spark Connect `module.SparkSession.__init__` (once): the tagger's `connect_session_created` follows."""
    wrap_init(getattr(module, "SparkSession", None), lambda s: _current_tagger().connect_session_created(s))


class _WrappingLoader(importlib.abc.Loader):
    """Delegates to the real loader and calls `after(module)` once the module has executed."""

    def __init__(self, loader, after):
        self._loader = loader
        self._after = after

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        # Leave no trace of the wrapper on the module (inspect, linecache and pickling look at __loader__/__spec__).
        module.__loader__ = self._loader
        if getattr(module, "__spec__", None) is not None:
            module.__spec__.loader = self._loader
        self._after(module)

    def __getattr__(self, name):
        return getattr(self._loader, name)


class SparkImportHook(importlib.abc.MetaPathFinder):
    """Post-import hook for the modules that define SparkContext and the Spark Connect SparkSession: lets the real
    finders find such a module, then wraps its loader so that `on_import[name](module)` runs after it executed. Each
    entry runs once (the SparkContext module's two names count as one); the hook removes itself after the last."""

    def __init__(self, on_import: dict):
        self._on_import = dict(on_import)

    @property
    def waiting_for(self) -> list:
        return sorted(self._on_import)

    def find_spec(self, fullname, path, target=None):
        if fullname not in self._on_import:
            return None
        try:
            spec = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
            if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
                return spec
            spec.loader = _WrappingLoader(spec.loader, self._imported)
            return spec
        except Exception as e:
            _current_tagger()._report("watching for the pyspark import", e)
            return None

    def _imported(self, module):
        try:
            on_import = self._on_import.get(module.__name__)
            for name in _CONTEXT_MODULES if module.__name__ in _CONTEXT_MODULES else (module.__name__,):
                self._on_import.pop(name, None)
            if not self._on_import:
                uninstall_hook(self)
            if on_import is not None:
                on_import(module)
        except Exception as e:
            _current_tagger()._report(f"patching {module.__name__}", e)


def uninstall_hook(hook) -> None:
    try:
        sys.meta_path.remove(hook)
    except ValueError:
        pass


def kernel_id() -> str | None:
    """The Jupyter kernel id, from the connection file name that jupyter_client gives kernels (`kernel-<id>.json`)."""
    app_module = sys.modules.get("ipykernel.kernelapp")
    if app_module is None:
        return None
    app_class = app_module.IPKernelApp
    if not app_class.initialized():
        return None
    name = os.path.basename(app_class.instance().connection_file or "")
    match = re.fullmatch(r"kernel-(.+)\.json", name)
    return match.group(1) if match else None


_state: dict = {}


def _current_tagger() -> CellTagger:
    tagger = _state.get("tagger")
    if tagger is None:
        tagger = _state["tagger"] = CellTagger()
    return tagger


def _context_imported(module) -> None:
    """The SparkContext module is loaded: tag each new context with the cell, and apply the chosen profile."""
    wrap_context_init(module)
    wrap_context_profile(module)
    gateway = sys.modules.get("py4j.java_gateway")  # pyspark's context module imports it
    cellline.wrap_java_member(getattr(gateway, "JavaMember", None), lambda: _current_tagger().lines)


def load_ipython_extension(ipython) -> None:
    tagger = _current_tagger()
    try:
        kid = kernel_id()
        if kid:
            os.environ[KERNEL_ID] = kid
        else:
            os.environ.pop(KERNEL_ID, None)  # not a Jupyter kernel: do not inherit another kernel's id
    except Exception as e:
        tagger._report("finding the kernel id", e)
    tagger.enabled = tagger.lines.enabled = True
    if _state.get("shell") is ipython:
        return
    ipython.events.register("pre_run_cell", tagger.pre_run_cell)
    ipython.events.register("post_run_cell", tagger.post_run_cell)
    _state["shell"] = ipython
    _state["logs"] = logs.install(ipython, active_context)  # the cell's Python logging records (logs.py)
    pending = {}
    module = _loaded_context_module()
    if module is not None:
        _context_imported(module)
    else:
        pending.update(dict.fromkeys(_CONTEXT_MODULES, _context_imported))
    if _CONNECT_MODULE in sys.modules:
        wrap_connect_init(sys.modules[_CONNECT_MODULE])
    else:
        pending[_CONNECT_MODULE] = wrap_connect_init
    if pending and not any(isinstance(f, SparkImportHook) for f in sys.meta_path):
        sys.meta_path.insert(0, SparkImportHook(pending))


def unload_ipython_extension(ipython) -> None:
    tagger = _current_tagger()
    tagger.enabled = tagger.lines.enabled = False  # a wrapped SparkContext.__init__ stays, but does nothing
    for name, callback in (("pre_run_cell", tagger.pre_run_cell), ("post_run_cell", tagger.post_run_cell)):
        try:
            ipython.events.unregister(name, callback)
        except ValueError:
            pass
    for hook in [f for f in sys.meta_path if isinstance(f, SparkImportHook)]:
        uninstall_hook(hook)
    if _state.get("shell") is ipython:
        del _state["shell"]
        logs.uninstall(ipython, _state.pop("logs", None))


# ---- Spark configuration profiles (docs/user-guide.md § Spark profiles) ----------------------------------------------
#
# The notebook's profile chooser (extension-js/src/profiles.ts) sends the chosen profile's Spark settings with a silent
# execute of `use_profile`. The next SparkContext this kernel creates (SparkSession.builder.getOrCreate() creates one)
# gets every setting of the profile that the user's own code did not make: `.config()`, `.master()`, a SparkConf and
# SparkContext arguments win. The settings go into the SparkConf before the driver JVM starts, so spark.driver.memory
# and spark.jars.packages apply too (spark-submit gets them as --conf). A SparkContext that is already running keeps
# its settings: the chooser says so.

PROFILE_MARK = "_sparkmonitor_profile_wrapped"


class ProfileReport:
    """What the chooser reads back (a user expression): JSON as text/plain and application/json."""

    def __init__(self, data: dict):
        self.data = data

    def _repr_json_(self):
        return self.data

    def __repr__(self):
        import json

        return json.dumps(self.data)


class ProfileApplier:
    """The chosen profile of this kernel and what the running SparkContext got. Never raises into Spark's code."""

    def __init__(self):
        self.name: str | None = None
        self.conf: dict = {}
        # What the SparkContext that started the driver JVM got from a profile: a later context in the same JVM reads
        # those values back from the JVM's system properties, and they are the profile's, not the user's.
        self.launched: dict = {}
        # The profile the SparkContext created last got (None: none).
        self.applied_name: str | None = None
        self._pending: tuple | None = None

    def use(self, name: str | None, conf: dict) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError("the profile name must be a string")
        if not isinstance(conf, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in conf.items()):
            raise TypeError("the profile's conf must map Spark keys to strings")
        self.name, self.conf = (name, dict(conf)) if name else (None, {})

    def report(self) -> dict:
        active = active_context() is not None
        return {
            "profile": self.name,
            "sessionActive": active,
            # the profile the running SparkContext got (None: none, or no context)
            "appliedProfile": self.applied_name if active else None,
        }

    def before_init(self, module, args: tuple, kwargs: dict) -> tuple:
        """Returns SparkContext.__init__'s arguments with the profile's settings in its conf."""
        launching = getattr(getattr(module, "SparkContext", None), "_gateway", None) is None
        self._pending = (None, {}, launching)
        if not self.conf:
            return args, kwargs
        try:
            if kwargs.get("jsc") is not None or (len(args) > 9 and args[9] is not None):
                return args, kwargs  # wraps a JVM SparkContext that exists already
            conf = kwargs.get("conf") if len(args) <= 7 else args[7]
            if conf is None:
                conf = module.SparkConf()
            applied = {}
            for key, value in self.conf.items():
                if conf.contains(key) and self.launched.get(key) != conf.get(key):
                    continue  # the user's own setting wins
                conf.set(key, value)
                applied[key] = value
            if len(args) > 7:
                args = args[:7] + (conf,) + args[8:]
            else:
                kwargs = dict(kwargs, conf=conf)
            self._pending = (self.name, applied, launching)
        except Exception as e:  # shown in the cell that creates the session, which then starts without the profile
            print(
                f"sparkmonitor: Spark profile {self.name!r} not applied ({type(e).__name__}: {e}); the SparkSession "
                "starts with your own settings only.",
                file=sys.stderr,
            )
        return args, kwargs

    def after_init(self) -> None:
        if self._pending is not None:
            self.applied_name, applied, launching = self._pending
            if launching:
                self.launched = applied
            self._pending = None


def _current_profiles() -> ProfileApplier:
    applier = _state.get("profiles")
    if applier is None:
        applier = _state["profiles"] = ProfileApplier()
    return applier


def use_profile(payload: str) -> ProfileReport:
    """Called by the chooser: `payload` is JSON {"name": str|null, "conf": {key: value}}; null clears the profile."""
    import json

    data = json.loads(payload)
    applier = _current_profiles()
    applier.use(data.get("name"), data.get("conf") or {})
    return ProfileReport(applier.report())


def profile_report() -> ProfileReport:
    return ProfileReport(_current_profiles().report())


def wrap_context_profile(module) -> None:
    """Wraps `module.SparkContext.__init__` (once) so that the chosen profile's settings reach its conf."""
    cls = getattr(module, "SparkContext", None)
    if cls is None or getattr(cls.__init__, PROFILE_MARK, False):
        return
    original = cls.__init__

    @functools.wraps(original)
    def __init__(self, *args, **kwargs):
        __tracebackhide__ = True  # IPython leaves this frame out of the tracebacks the user reads
        applier = _current_profiles()
        args, kwargs = applier.before_init(module, args, kwargs)
        original(self, *args, **kwargs)
        applier.after_init()

    setattr(__init__, PROFILE_MARK, True)
    cls.__init__ = __init__
