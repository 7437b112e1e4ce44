# SPDX-License-Identifier: LGPL-2.1-or-later
"""How the outcome of a Python service body reaches the supervisor."""

import unittest

from sdtestutil import DaemonRun, Gio, GLib, Sd, new_daemon

S = Sd.ServiceState


def shutdown_when_healthy_in_generation(generation):
    def on_change(run, service, old, new):
        if new == S.HEALTHY and service.get_generation() >= generation:
            run.shutdown()
    return on_change


class FailsFirst(Sd.Service, name='fails-first', register=False):
    """Generation 1 fails an assertion; later generations run until stopped."""

    def __init__(self):
        super().__init__()
        self.previous_errors = []

    def do_run(self, context):
        self.previous_errors.append(context.get_previous_error())
        if context.get_generation() == 1:
            assert 6 * 7 == 43, 'the answer is 42'
        while context.sleep(20):
            pass


class BareException(Sd.Service, name='bare-exception', register=False):
    def do_run(self, context):
        if context.get_generation() == 1:
            raise RuntimeError()
        context.wait_shutdown()


class OtherDomain(Sd.Service, name='other-domain', register=False):
    def do_run(self, context):
        if context.get_generation() == 1:
            raise GLib.Error.new_literal(Gio.io_error_quark(), 'disk on fire',
                                         int(Gio.IOErrorEnum.NO_SPACE))
        context.wait_shutdown()


class Fatal(Sd.Service, name='fatal', register=False):
    def __init__(self):
        super().__init__()
        self.runs = 0

    def do_run(self, context):
        self.runs += 1
        raise GLib.Error.new_literal(Sd.ServiceError.quark(), 'cannot be mended',
                                     int(Sd.ServiceError.FATAL))


class ReturnsNone(Sd.Service, name='returns-none', register=False):
    """Generation 1 returns None (a clean exit), later ones run until stopped."""

    def do_run(self, context):
        if context.get_generation() == 1:
            return None
        context.wait_shutdown()
        return None


class ReturnsFalse(Sd.Service, name='returns-false', register=False):
    def do_run(self, context):
        if context.get_generation() == 1:
            return False
        context.wait_shutdown()


class AsyncRaises(Sd.Service, name='async-raises', register=False):
    """do_run_async raises in generation 1; later generations wait for the stop."""

    def do_run_async(self, context, cancellable, callback, user_data):
        if context.get_generation() == 1:
            raise ValueError('no async today')
        task = Gio.Task.new(self, cancellable, callback)
        context.wait_shutdown_async(
            None, lambda ctx, res: (ctx.wait_shutdown_finish(res), task.return_boolean(True)))

    def do_run_finish(self, result):
        return result.propagate_boolean()


class FinishRaises(Sd.Service, name='finish-raises', register=False):
    """do_run_finish raises in generation 1."""

    def do_run_async(self, context, cancellable, callback, user_data):
        task = Gio.Task.new(self, cancellable, callback)
        if context.get_generation() == 1:
            task.return_boolean(True)
            return
        context.wait_shutdown_async(
            None, lambda ctx, res: (ctx.wait_shutdown_finish(res), task.return_boolean(True)))

    def do_run_finish(self, result):
        ok = result.propagate_boolean()
        if self.get_generation() == 1:
            raise LookupError('lost the result')
        return ok


class FailureTest(unittest.TestCase):

    def run_until_second_generation(self, cls):
        daemon = new_daemon(cls)
        [service] = daemon.list_services()
        run = DaemonRun(daemon, shutdown_when_healthy_in_generation(2)).run()
        run.assert_clean(self)
        return service, run

    def assert_recovered(self, service, run, message):
        name = service.get_name()
        recovering = run.index(name, S.RECOVERING)
        self.assertIsNotNone(recovering, run.events)
        # The event reports the error of generation 1
        self.assertEqual(run.events[recovering][3], 1)
        self.assertEqual(run.events[recovering][4], message)
        # Then generation 2 started after the backoff and became healthy
        healthy = run.index(name, S.HEALTHY, recovering)
        self.assertIsNotNone(healthy, run.events)
        self.assertEqual(run.events[healthy][3], 2)
        self.assertEqual(service.get_n_restarts(), 1)
        self.assertEqual(service.dup_last_error(), message)

    def test_assertion_error_recovers(self):
        service, run = self.run_until_second_generation(FailsFirst)
        self.assert_recovered(service, run, 'AssertionError: the answer is 42')
        # Generation 2 reads the error of generation 1 as an ordinary Sd.ServiceError
        first, second = service.previous_errors[:2]
        self.assertIsNone(first)
        self.assertIsNotNone(second)
        self.assertTrue(second.matches(Sd.ServiceError.quark(), Sd.ServiceError.FAILED))
        self.assertEqual(second.message, 'AssertionError: the answer is 42')

    def test_exception_without_message(self):
        service, run = self.run_until_second_generation(BareException)
        self.assert_recovered(service, run, 'RuntimeError')

    def test_glib_error_is_kept(self):
        service, run = self.run_until_second_generation(OtherDomain)
        self.assert_recovered(service, run, 'disk on fire')

    def test_fatal_error_stays_fatal(self):
        daemon = new_daemon(Fatal)
        service = daemon.lookup_service('fatal')

        def on_change(run, svc, old, new):
            if new == S.TERMINATED:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        self.assertEqual(run.states('fatal'), [S.TERMINATED])
        self.assertEqual(run.events[0][4], 'cannot be mended')
        self.assertEqual(service.runs, 1)
        self.assertEqual(service.get_n_restarts(), 0)

    def test_returning_none_is_a_clean_exit(self):
        service, run = self.run_until_second_generation(ReturnsNone)
        self.assertNotIn(S.RECOVERING, run.states('returns-none'))
        self.assertIsNone(service.dup_last_error())
        self.assertEqual(service.get_generation(), 2)
        self.assertEqual(service.get_n_restarts(), 1)

    def test_returning_false_is_a_failure(self):
        service, run = self.run_until_second_generation(ReturnsFalse)
        self.assertIn(S.RECOVERING, run.states('returns-false'))
        self.assertIsNotNone(service.dup_last_error())

    def test_exception_in_run_async(self):
        service, run = self.run_until_second_generation(AsyncRaises)
        self.assert_recovered(service, run, 'ValueError: no async today')

    def test_exception_in_run_finish(self):
        service, run = self.run_until_second_generation(FinishRaises)
        self.assert_recovered(service, run, 'LookupError: lost the result')


if __name__ == '__main__':
    unittest.main()
