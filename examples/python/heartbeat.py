#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Services written in Python: a blocking heartbeat, an asynchronous ticker that depends on
a value provider, and a flaky service whose exceptions are ordinary failures.

    heartbeat.py [--duration SECONDS]      Ctrl-C stops it gracefully

From the build tree:  meson devenv -C _build /usr/bin/python3 examples/python/heartbeat.py
"""

import argparse
import sys

import gi

gi.require_version("Sd", "1")
from gi.repository import Gio, GLib, GObject, Sd  # noqa: E402


class TickInterval(Sd.ValueProvider, default=GLib.Variant("i", 700), env="SD_EXAMPLE_TICK_MS"):
    """How often the ticker ticks: SD_EXAMPLE_TICK_MS, or 700 ms."""


class Heartbeat(Sd.Service, priority=Sd.Priority.STORAGE):
    """A blocking service: a thread of its own, an interruptible sleep."""

    def do_run(self, context):
        beat = 0
        while context.sleep(1000):
            beat += 1
            print(f"{context.get_name()}: beat {beat}", flush=True)
        print(f"{context.get_name()}: stopping", flush=True)


class Ticker(Sd.Service):
    """An asynchronous service on the daemon's main context, with an injected provider."""

    interval = GObject.Property(type=TickInterval,
                                flags=GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY)

    def do_run_async(self, context, cancellable, callback, user_data=None):
        ms = self.interval.get_int()
        ticks = [0]

        def tick():
            ticks[0] += 1
            print(f"ticker: tick {ticks[0]} (every {ms} ms)", flush=True)
            return GLib.SOURCE_CONTINUE

        source = GLib.timeout_add(ms, tick)
        task = Gio.Task.new(self, cancellable, callback)

        def stopped(ctx, result):
            GLib.source_remove(source)
            print(f"ticker: stopping after {ticks[0]} ticks", flush=True)
            task.return_boolean(True)

        # Waiting for the stop request is the handshake: the service is HEALTHY
        context.wait_shutdown_async(None, stopped)


class Flaky(Sd.Service, priority=Sd.Priority.EXTERNAL, restart_mode=Sd.RestartMode.ON_FAILURE):
    """Fails in its first generation: an exception is an ordinary failure, so it recovers."""

    def do_run(self, context):
        if context.get_generation() == 1:
            raise RuntimeError("the upstream is not there yet")
        error = context.get_previous_error()
        print(f"flaky: recovered (the previous generation said: {error.message})", flush=True)
        context.wait_shutdown()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=0, help="shut down by itself after SECONDS")
    args = parser.parse_args()

    daemon = Sd.Daemon.new()  # runs every service class defined above
    policy = Sd.RestartPolicy.new()
    policy.set_initial_delay_ms(500)
    daemon.set_restart_policy(policy)

    def state_changed(daemon, service, old, new):
        print(f"[state] {service.get_name()}: {Sd.service_state_to_string(old)} -> "
              f"{Sd.service_state_to_string(new)}", flush=True)

    daemon.connect("service-state-changed", state_changed)
    daemon.connect("ready", lambda d: print("== all services started (Ctrl-C stops) ==", flush=True))

    if args.duration > 0:
        def elapsed():
            print("== duration elapsed: shutting down ==", flush=True)
            daemon.shutdown()
            return GLib.SOURCE_REMOVE
        GLib.timeout_add_seconds(args.duration, elapsed)

    try:
        daemon.run(None)
    except GLib.Error as error:
        print(error.message, file=sys.stderr)
    print("== all services stopped ==", flush=True)
    return daemon.get_exit_status()


if __name__ == "__main__":
    sys.exit(main())
