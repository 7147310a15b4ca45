"""Screenshots for the documentation, taken by the browser tests while they look at the product.

With SPARKMONITOR_DOCS_SCREENSHOTS=1 a test's `docs_screenshot(locator, name)` writes `docs/images/<name>`: the element
the locator finds (a notebook cell with its monitor, the dashboard), cropped to it, so README.md and the docs show
what the tests saw. Without the variable nothing is written, and the tests run as before. Re-make the pictures with

    make docs-images   # SPARKMONITOR_DOCS_SCREENSHOTS=1 and the tests that take them (Makefile: DOCS_SHOTS)
"""

from __future__ import annotations

import os
from pathlib import Path

DOCS_IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"


def docs_screenshot(locator, name: str, when: str | None = None) -> None:
    """Writes the element `locator` finds to docs/images/`name` when SPARKMONITOR_DOCS_SCREENSHOTS=1.

    `when`, a JavaScript function of the element, picks a moment worth a picture (a progress bar part-way): it is
    polled for up to 20 s, and the picture is taken then whether or not it came true (the test checks the product,
    this only frames it)."""
    if os.environ.get("SPARKMONITOR_DOCS_SCREENSHOTS") != "1":
        return
    DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
    locator.scroll_into_view_if_needed(timeout=10_000)
    if when is not None:
        try:
            locator.page.wait_for_function(when, arg=locator.element_handle(), timeout=20_000, polling=50)
        except Exception as e:  # noqa: BLE001 - a picture of a later moment is still a picture of the product
            print(f"docs_screenshot {name}: {when} did not come true ({e}); taking it as it is")
    locator.screenshot(path=str(DOCS_IMAGES / name), animations="disabled", timeout=10_000)
