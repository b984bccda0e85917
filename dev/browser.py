"""The headless browser that the browser tests and ``make screenshots`` drive.

Odoo's test framework looks for Chrome or Chromium under these names, in this
order, and skips a browser test when it finds none; the module's browser tests
turn that skip into a failure, so the set-up makes sure one is there. Standard
library only: it runs before the virtual environment exists.
"""

import os
import shutil
import subprocess  # nosec B404  # runs the system package manager, see ensure_browser

# The names odoo.tests.common._find_executable tries on Linux.
BROWSERS = ("google-chrome", "chromium", "chromium-browser", "google-chrome-stable")
HOW_TO_INSTALL = (
    "install Chromium (`apt-get install chromium` on Debian, `chromium-browser` "
    "on older Ubuntu) or Google Chrome"
)


class BrowserMissing(Exception):
    """No Chrome or Chromium, and it could not be installed."""


def find_browser():
    """Path of the browser Odoo's browser tests will use, or None."""
    return next(filter(None, map(shutil.which, BROWSERS)), None)


def ensure_browser(say):
    """Return the browser's path, installing Debian's ``chromium`` with apt-get
    when run as root and none is there; raise BrowserMissing otherwise."""
    found = find_browser()
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt and os.geteuid() == 0:
        say("installing Chromium for the browser tests (apt-get install chromium)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        for cmd in ([apt, "update", "-qq"], [apt, "install", "-y", "-qq", "chromium"]):
            # A fixed command of the system's package manager, no shell.
            subprocess.run(cmd, check=False, env=env)  # nosec B603
        found = find_browser()
    if not found:
        raise BrowserMissing(
            f"No Chrome or Chromium was found (tried {', '.join(BROWSERS)}): the "
            f"browser tests need one; {HOW_TO_INSTALL}."
        )
    return found
