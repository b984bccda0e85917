# Copyright 2026 Integration Hub contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How many jobs of a channel queue_job's runner runs at once, read from its
``channels`` setting (``root:4,root.integration.delivery:2``).

A job runs in its channel and counts against every configured channel above
it, so a channel's capacity is the smallest one configured along its path; a
channel left out of the setting falls back to its parent. Without any
setting, queue_job runs ``root:1``: one job at a time in all.
"""

from odoo.addons.queue_job.jobrunner.channels import ChannelManager

# The runner's own default (queue_job's jobrunner, when nothing is configured).
DEFAULT_CHANNELS = "root:1"


def parse_capacities(config_string):
    """``{channel name: capacity}`` of a ``channels`` setting, parsed by
    queue_job's own parser (capacity 1 when absent, the ``root.`` prefix
    optional). A setting the runner could not read either counts as
    ``root:1``."""
    try:
        configs = ChannelManager.parse_simple_config(config_string or DEFAULT_CHANNELS)
    except ValueError:
        configs = ChannelManager.parse_simple_config(DEFAULT_CHANNELS)
    return {
        config["name"]
        if config["name"].startswith("root")
        else f"root.{config['name']}": config.get("capacity", 1)
        for config in configs
    }


def channel_capacity(config_string, channel):
    """Jobs of ``channel`` (full name) that can run at the same time."""
    capacities = parse_capacities(config_string)
    parts = channel.split(".")
    along_path = [
        capacities[name]
        for name in (".".join(parts[: depth + 1]) for depth in range(len(parts)))
        if name in capacities
    ]
    return min(along_path) if along_path else 1
