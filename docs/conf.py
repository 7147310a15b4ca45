"""Sphinx configuration of the SparkMonitor (Go) documentation: `make docs` builds it into build/docs/html.

The pages are MyST Markdown. The build is the link check: it runs nitpicky with warnings as errors, so a link to a
page, heading or image that does not exist fails it (MyST resolves `page.md#heading` links against the headings'
anchors). Nothing is fetched from the network: external URLs are not checked.
"""

project = "SparkMonitor (Go)"
author = "SparkMonitor (Go) contributors"
copyright = "the SparkMonitor (Go) contributors"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
# _incoming/ holds notes from work in progress that are folded into the pages by hand.
exclude_patterns = ["_build", "requirements.txt", "Thumbs.db", ".DS_Store"]

myst_enable_extensions = ["colon_fence", "deflist"]
# Every heading down to ### gets an anchor, so `page.md#a-heading` links are checked by the build.
myst_heading_anchors = 3

html_theme = "pydata_sphinx_theme"
html_title = "SparkMonitor (Go)"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_last_updated_fmt = None
html_copy_source = False
# The left sidebar lists a section's sub-pages; only Architecture has any (the protocol and the API).
html_sidebars = {
    "**": [],
    "architecture": ["sidebar-nav-bs"],
    "protocol": ["sidebar-nav-bs"],
    "api": ["sidebar-nav-bs"],
}
