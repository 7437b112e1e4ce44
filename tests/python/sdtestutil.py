# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared set-up of the Python tests.

Importing this module loads Sd and SdTest from the typelibs on GI_TYPELIB_PATH and the
override module of the source tree (SD_TEST_OVERRIDES_DIR, set by meson), so that the tests
exercise the files of this tree, never an installed copy.
"""

import os
import sys

import gi

gi.require_version('GLib', '2.0')
gi.require_version('GObject', '2.0')
gi.require_version('Gio', '2.0')
gi.require_version('Sd', '1')
gi.require_version('SdTest', '1')

import gi.overrides  # noqa: E402

_overrides_dir = os.environ.get('SD_TEST_OVERRIDES_DIR') or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir, 'introspection', 'gi', 'overrides')
gi.overrides.__path__.insert(0, os.path.abspath(_overrides_dir))

from gi.repository import GLib, GObject, Gio, Sd, SdTest  # noqa: E402

if Sd.Service.__module__ != 'gi.overrides.Sd':
    sys.exit('The Sd override module was not loaded from %s' % _overrides_dir)

__all__ = ['GLib', 'GObject', 'Gio', 'Sd', 'SdTest', 'DaemonRun', 'new_daemon']

# Generous: it only guards against a hang, nothing waits for it to pass.
WATCHDOG_SECONDS = 20


def new_daemon(*service_types):
    """A built daemon with an empty registry (no discovery), the testing restart policy
    and no signal handlers, running service_types."""
    daemon = Sd.Daemon.new_with_registry(Sd.Registry.new())
    daemon.set_restart_policy(Sd.RestartPolicy.new_for_testing())
    daemon.set_handle_signals(False)
    for service_type in service_types:
        daemon.add_service_type(getattr(service_type, '__gtype__', service_type))
    daemon.build()
    return daemon


class DaemonRun:
    """Runs a daemon on the default main context until it stops.

    Every state transition is recorded in ``events`` as
    ``(service name, old state, new state, generation, last error)``;
    ``on_change(run, service, old, new)`` decides when to act, for example by calling
    ``run.shutdown()``.  Nothing sleeps: the loop wakes on the daemon's signals.
    """

    def __init__(self, daemon, on_change=None):
        self.daemon = daemon
        self.on_change = on_change
        self.events = []
        self.finished = False
        self.result = None
        self.error = None
        self.timed_out = False
        self.shutdown_requested = False
        self._loop = GLib.MainLoop()

    def shutdown(self):
        if not self.shutdown_requested:
            self.shutdown_requested = True
            self.daemon.shutdown()

    def states(self, name):
        return [new for (n, _old, new, _gen, _err) in self.events if n == name]

    def index(self, name, state, start=0):
        """The index of the first event of name that enters state, or None."""
        for i, (n, _old, new, _gen, _err) in enumerate(self.events):
            if i >= start and n == name and new == state:
                return i
        return None

    def _changed(self, daemon, service, old, new):
        self.events.append((service.get_name(), old, new, service.get_generation(),
                            service.dup_last_error()))
        if self.on_change is not None:
            self.on_change(self, service, old, new)

    def _done(self, daemon, result):
        try:
            self.result = daemon.run_finish(result)
        except GLib.Error as error:
            self.error = error
        self.finished = True
        self._loop.quit()

    def _watchdog(self):
        self.timed_out = True
        self._loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        handler = self.daemon.connect('service-state-changed', self._changed)
        watchdog = GLib.timeout_add_seconds(WATCHDOG_SECONDS, self._watchdog)
        self.daemon.run_async(None, self._done)
        self._loop.run()
        if not self.timed_out:
            GLib.source_remove(watchdog)
        self.daemon.disconnect(handler)
        return self

    def assert_clean(self, testcase):
        testcase.assertFalse(self.timed_out, 'the daemon did not stop; events: %r' % self.events)
        testcase.assertIsNone(self.error)
        testcase.assertTrue(self.result)
        testcase.assertEqual(self.daemon.get_phase(), Sd.DaemonPhase.STOPPED)
