# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""pytest plugin (``dev/hub.py test`` loads it): pytest runs the tests Odoo's own
runner runs, no more, no fewer, each once.

OCA CI and Odoo.sh run ``odoo -i <addons> --test-enable --stop-after-init``.
Odoo's runner and pytest-odoo choose tests by different rules:

* Odoo runs the ``test_*`` modules its ``tests`` package imports; pytest runs
  every ``tests/test_*.py`` file.
* Odoo runs the test methods a class defines itself, in the module defining it;
  pytest also runs inherited test methods, and a test class once more in every
  test module that imports it.
* Odoo runs ``standard`` tests tagged ``at_install`` or ``post_install``; pytest
  ignores tags.

After collection, this plugin asks Odoo's own loader (``odoo.tests.loader``, the
code the runner uses, with its default ``+standard`` selection) which tests it
would run for the addons and test modules pytest collected, and stops the
session before any test runs if the two lists differ.
"""

import collections
import json
import subprocess  # nosec B404  # asks a fresh interpreter, see _odoo_ids
import sys

import pytest

# What ``--test-enable`` selects when no ``--test-tags`` are given.
DEFAULT_TAGS = "+standard"
PHASES = ("at_install", "post_install")
SHOWN = 20


def _test_id(cls, method):
    return f"{cls.__module__}.{cls.__qualname__}.{method}"


def _pytest_ids(items):
    """The tests pytest collected, counted (a test collected twice counts 2)."""
    ids = collections.Counter()
    for item in items:
        cls = getattr(item, "cls", None)
        method = getattr(item, "originalname", None) or item.name
        ids[_test_id(cls, method) if cls else item.nodeid] += 1
    return ids


def _odoo_ids(addons, test_modules):
    """The tests Odoo's runner runs for ``addons``, limited to ``test_modules``.

    Asked of a fresh interpreter: in this one pytest has imported every test
    file, which makes each an attribute of its ``tests`` package, so Odoo's
    loader would find even those the package does not import.
    """
    from odoo.tools import config  # noqa: PLC0415  # Odoo is set up by now

    # Our own script with this interpreter, no shell.
    found = subprocess.run(  # nosec B603
        [sys.executable, __file__, config["addons_path"], *sorted(addons)],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode:
        pytest.exit(
            "Could not list the tests of Odoo's own runner:\n" + found.stderr,
            returncode=pytest.ExitCode.INTERNAL_ERROR,
        )
    return collections.Counter(
        test_id
        for module, test_id in json.loads(found.stdout)
        if module in test_modules
    )


def odoo_runner_tests(addons_path, addons):
    """The tests ``odoo --test-enable`` runs when installing ``addons``, as
    ``[test module, test id]`` pairs."""
    from odoo.tests import loader  # noqa: PLC0415
    from odoo.tests.tag_selector import TagsSelector  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["--addons-path", addons_path])
    selected = TagsSelector(DEFAULT_TAGS)
    phases = [TagsSelector(phase) for phase in PHASES]
    return [
        [module.__name__, _test_id(type(test), test._testMethodName)]
        for addon in addons
        for module in loader.get_test_modules(addon)
        for test in loader.get_module_test_cases(module)
        if selected.check(test) and any(phase.check(test) for phase in phases)
    ]


def _differences(pytest_ids, odoo_ids):
    lines = []
    for test_id in sorted(set(pytest_ids) | set(odoo_ids)):
        seen = (pytest_ids[test_id], odoo_ids[test_id])
        if seen[0] != seen[1]:
            lines.append(f"  {test_id}: pytest runs it {seen[0]}x, Odoo {seen[1]}x")
    return lines


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselect: compare what was collected
def pytest_collection_modifyitems(session, config, items):
    """Stop the session if Odoo's runner would run other tests than pytest."""
    if any("::" in str(arg) for arg in config.args):
        return  # single tests asked for by node id: nothing to compare
    modules = (getattr(item, "module", None) for item in items)
    test_modules = {module.__name__ for module in modules if module}
    addons = {
        name.split(".")[2]
        for name in test_modules
        if name.startswith("odoo.addons.") and ".tests." in name
    }
    differences = _differences(_pytest_ids(items), _odoo_ids(addons, test_modules))
    if differences:
        more = len(differences) - SHOWN
        pytest.exit(
            "pytest and Odoo's own test runner (odoo --test-enable) would not run "
            "the same tests:\n"
            + "\n".join(differences[:SHOWN])
            + (f"\n  ... and {more} more" if more > 0 else "")
            + "\nImport every test module in its addon's tests/__init__.py, define "
            "test methods in the class that runs them (Odoo skips inherited ones), "
            "do not import test classes into other test modules, and derive them "
            "from Odoo's test classes, tagged standard.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )


if __name__ == "__main__":
    print(json.dumps(odoo_runner_tests(sys.argv[1], sys.argv[2:])))
