# SPDX-License-Identifier: LGPL-2.1-or-later
"""Python service classes are registered for discovery as soon as they are defined."""

import unittest

from sdtestutil import DaemonRun, Sd, SdTest

S = Sd.ServiceState
TAG = 'python-discovery'


def registered():
    return list(Sd.Registry.list_registered_types())


BEFORE = registered()


class Discovered(Sd.Service, tags=[TAG]):
    def do_run(self, context):
        while context.sleep(20):
            pass


class AbstractBase(Sd.Service, tags=[TAG]):
    """No body: not registered."""


class FromAbstractBase(AbstractBase, name='from-abstract-base'):
    def do_run(self, context):
        context.wait_shutdown()


class NotForDiscovery(Sd.Service, tags=[TAG], register=False):
    def do_run(self, context):
        context.wait_shutdown()


class IdleSubclass(SdTest.Idle, name='idle-subclass', tags=[TAG]):
    """Inherits its body from a service written in C."""


AFTER = registered()


class DiscoveryTest(unittest.TestCase):

    def test_registered_when_defined(self):
        self.assertEqual(AFTER[:len(BEFORE)], BEFORE)
        self.assertEqual(AFTER[len(BEFORE):], [Discovered.__gtype__, FromAbstractBase.__gtype__,
                                               IdleSubclass.__gtype__])

    def test_class_defined_later_is_registered(self):
        class Late(Sd.Service, register=True):
            def do_run(self, context):
                context.wait_shutdown()

        self.assertEqual(registered()[-1], Late.__gtype__)

    def test_new_daemon_runs_discovered_python_services(self):
        daemon = Sd.Daemon.new()
        self.assertTrue(daemon.get_registry().get_discover())
        daemon.get_registry().set_include_tags([TAG])
        daemon.set_restart_policy(Sd.RestartPolicy.new_for_testing())
        daemon.set_handle_signals(False)
        daemon.build()

        names = sorted(s.get_name() for s in daemon.list_services())
        self.assertEqual(names, ['discovered', 'from-abstract-base', 'idle-subclass'])
        self.assertIsInstance(daemon.lookup_service('discovered'), Discovered)
        self.assertIsInstance(daemon.lookup_service('idle-subclass'), IdleSubclass)

        def on_change(run, service, old, new):
            if all(s.get_state() == S.HEALTHY for s in daemon.list_services()):
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        for name in names:
            self.assertIn(S.HEALTHY, run.states(name), run.events)
            self.assertEqual(run.states(name)[-1], S.TERMINATED)


if __name__ == '__main__':
    unittest.main()
