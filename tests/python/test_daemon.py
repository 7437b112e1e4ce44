# SPDX-License-Identifier: LGPL-2.1-or-later
"""A daemon running services written in Python next to a service written in C."""

import threading
import unittest

from sdtestutil import DaemonRun, Gio, Sd, SdTest, new_daemon

S = Sd.ServiceState


class Ticker(Sd.Service, name='py-ticker', priority=20, register=False):
    """A blocking service: it ticks until its generation must stop."""

    def __init__(self):
        super().__init__()
        self.ticks = 0
        self.threads = set()
        self.returned = False

    def do_run(self, context):
        self.threads.add(threading.get_ident())
        while context.sleep(20):
            self.ticks += 1
        self.returned = True
        # None is a clean exit


class AsyncWaiter(Sd.Service, name='py-async', priority=60, register=False):
    """An asynchronous service in Python: waits for the end of its generation."""

    def do_run_async(self, context, cancellable, callback, user_data):
        task = Gio.Task.new(self, cancellable, callback)

        def stopped(ctx, result):
            ctx.wait_shutdown_finish(result)
            task.return_boolean(True)

        context.wait_shutdown_async(None, stopped)

    def do_run_finish(self, result):
        return result.propagate_boolean()


class DaemonTest(unittest.TestCase):

    def test_python_and_c_services_start_and_stop_in_waves(self):
        daemon = new_daemon(Ticker, SdTest.Idle)
        ticker = daemon.lookup_service('py-ticker')
        idle = daemon.lookup_service('sd-test-idle')
        self.assertIsNotNone(ticker)
        self.assertIsNotNone(idle)
        self.assertIsInstance(ticker, Ticker)
        self.assertIsInstance(idle, SdTest.Idle)
        self.assertTrue(ticker.is_blocking())
        self.assertFalse(idle.is_blocking())
        self.assertEqual(ticker.get_priority(), 20)
        self.assertEqual(idle.get_priority(), Sd.Priority.STORAGE)

        def on_change(run, service, old, new):
            if ticker.get_state() == S.HEALTHY and idle.get_state() == S.HEALTHY:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)

        # Both reached HEALTHY, the higher priority (C, 80) first
        idle_healthy = run.index('sd-test-idle', S.HEALTHY)
        ticker_healthy = run.index('py-ticker', S.HEALTHY)
        self.assertIsNotNone(idle_healthy, run.events)
        self.assertIsNotNone(ticker_healthy, run.events)
        self.assertLess(idle_healthy, ticker_healthy)

        # Shutdown: the lower priority (Python, 20) stops completely before the next wave
        ticker_stopped = run.index('py-ticker', S.TERMINATED)
        idle_stopping = run.index('sd-test-idle', S.SHUTTING_DOWN)
        idle_stopped = run.index('sd-test-idle', S.TERMINATED)
        self.assertIsNotNone(ticker_stopped, run.events)
        self.assertIsNotNone(idle_stopping, run.events)
        self.assertIsNotNone(idle_stopped, run.events)
        self.assertLess(ticker_stopped, idle_stopping)
        self.assertLess(idle_stopping, idle_stopped)

        self.assertEqual(ticker.get_state(), S.TERMINATED)
        self.assertEqual(idle.get_state(), S.TERMINATED)
        self.assertIsNone(ticker.dup_last_error())
        self.assertIsNone(idle.dup_last_error())
        self.assertEqual(ticker.get_generation(), 1)
        self.assertEqual(idle.get_n_generations(), 1)

        # The blocking body ran on a thread of its own and returned when told to stop
        self.assertTrue(ticker.returned)
        self.assertEqual(len(ticker.threads), 1)
        self.assertNotIn(threading.main_thread().ident, ticker.threads)

    def test_async_python_service(self):
        daemon = new_daemon(AsyncWaiter, SdTest.Idle)
        waiter = daemon.lookup_service('py-async')
        self.assertFalse(waiter.is_blocking())

        def on_change(run, service, old, new):
            if service is waiter and new == S.HEALTHY:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        self.assertEqual(run.states('py-async'), [S.HEALTHY, S.SHUTTING_DOWN, S.TERMINATED])
        # Priority 60 stops before the C service (80)
        self.assertLess(run.index('py-async', S.TERMINATED),
                        run.index('sd-test-idle', S.SHUTTING_DOWN))
        self.assertIsNone(waiter.dup_last_error())


if __name__ == '__main__':
    unittest.main()
