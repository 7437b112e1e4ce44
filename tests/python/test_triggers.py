# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trigger handlers written in Python: closures, do_handle and the source keyword."""

import threading
import unittest

from sdtestutil import DaemonRun, GLib, Sd, new_daemon

S = Sd.ServiceState


class LogRecorder:
    """Keeps the text of every log line written while it listens; each line also goes on to
    the default writer.  GLib accepts one writer per process, installed on first use."""

    _instance = None

    def __init__(self):
        self._lock = threading.Lock()
        self._lines = []
        self.watchers = []
        GLib.log_set_writer_func(self._write)

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _write(self, level, fields, *data):
        text = GLib.log_writer_format_fields(level, fields, False)
        with self._lock:
            self._lines.append(text)
            watchers = list(self.watchers)
        for watcher in watchers:
            watcher(text)
        return GLib.log_writer_default(level, fields)

    def lines(self, needle):
        with self._lock:
            return [line for line in self._lines if needle in line]


def testing_daemon():
    """An empty daemon with the testing restart policy; the test adds its objects."""
    daemon = Sd.Daemon.new_with_registry(Sd.Registry.new())
    daemon.set_restart_policy(Sd.RestartPolicy.new_for_testing())
    daemon.set_handle_signals(False)
    return daemon


class Bell(Sd.Notifier):
    """The application's own notifier type: injection is by type."""


class OnBell(Sd.NotificationTrigger, source=Bell, name='on-bell', register=False):
    """A notification trigger with a handler written as do_handle; its first call fails."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0
        self.payloads = []
        self.handled = None

    def do_handle(self, message):
        self.calls += 1
        assert self.calls > 1, 'not ready for %s yet' % message.get_payload().unpack()
        self.payloads.append(message.get_payload().unpack())
        if self.handled is not None:
            self.handled()
        # None: handled


class NotifyClosureTest(unittest.TestCase):

    def test_closure_sees_each_notification_with_its_causal_ids(self):
        daemon = testing_daemon()
        bell = Bell()
        trigger = Sd.NotificationTrigger(name='ring', source=bell)
        seen = []
        threads = set()

        def on_ring(trigger, message, prefix):
            threads.add(threading.get_ident())
            seen.append((prefix + message.get_payload().unpack(), message.get_id(),
                         message.get_parent_id(), message.get_origin_id()))
            self.assertEqual(Sd.Message.get_current().get_id(), message.get_id())
            if len(seen) < 3:
                # Notified from the handler: the next message is a child of this one
                bell.notify(GLib.Variant('s', 'ring %d' % (len(seen) + 1)))
            else:
                run.shutdown()
            # None: handled

        trigger.set_handler(on_ring, 'heard ')
        self.assertTrue(daemon.add_provider(bell))
        self.assertTrue(daemon.add_service(trigger))
        daemon.build()

        def on_change(run, service, old, new):
            if service is trigger and new == S.HEALTHY:
                self.assertEqual(bell.get_n_subscribers(), 1)
                bell.notify(GLib.Variant('s', 'ring 1'))

        run = DaemonRun(daemon, on_change)
        run.run()
        run.assert_clean(self)

        self.assertEqual([text for (text, _id, _parent, _origin) in seen],
                         ['heard ring 1', 'heard ring 2', 'heard ring 3'])
        # The handler runs on the trigger's lane: the daemon's context, this thread
        self.assertEqual(threads, {threading.get_ident()})

        (_t1, id1, parent1, origin1), (_t2, id2, parent2, origin2), (_t3, id3, parent3, origin3) = seen
        self.assertIsNone(parent1)
        self.assertEqual(origin1, id1)
        self.assertEqual(parent2, id1)
        self.assertEqual(parent3, id2)
        self.assertEqual(origin2, id1)
        self.assertEqual(origin3, id1)
        self.assertEqual(len({id1, id2, id3}), 3)
        self.assertEqual(trigger.get_n_handled(), 3)
        self.assertEqual(trigger.get_n_failed(), 0)
        self.assertEqual(bell.get_n_subscribers(), 0)

    def test_set_handler_needs_a_callable(self):
        trigger = Sd.NotificationTrigger(name='not-callable', source=Bell())
        with self.assertRaises(TypeError):
            trigger.set_handler('not a function')


class QueueClosureTest(unittest.TestCase):

    def test_closure_sees_every_item_pushed_from_python_in_order(self):
        daemon = testing_daemon()
        jobs = Sd.Queue.new(100, Sd.QueueMode.BROADCAST)
        trigger = Sd.QueueTrigger(name='jobs', source=jobs)
        seen = []
        threads = set()
        pushed = []

        def on_job(trigger, message):
            threads.add(threading.get_ident())
            seen.append(message.get_payload().unpack())
            if len(seen) == 100:
                run.shutdown()

        def produce():
            # From a thread of its own: sd_queue_push() may be called from any thread
            for i in range(100):
                pushed.append(jobs.push(GLib.Variant('(us)', (i, 'job %d' % i))))

        trigger.set_handler(on_job)
        self.assertTrue(daemon.add_provider(jobs))
        self.assertTrue(daemon.add_service(trigger))
        daemon.build()
        producer = threading.Thread(target=produce)

        def on_change(run, service, old, new):
            if service is trigger and new == S.HEALTHY:
                self.assertEqual(jobs.get_n_subscribers(), 1)
                producer.start()

        run = DaemonRun(daemon, on_change)
        run.run()
        producer.join()
        run.assert_clean(self)

        self.assertEqual(pushed, [True] * 100)
        self.assertEqual(seen, [(i, 'job %d' % i) for i in range(100)])
        self.assertEqual(threads, {threading.get_ident()})
        self.assertEqual(trigger.get_n_handled(), 100)
        self.assertEqual(trigger.get_n_failed(), 0)
        self.assertEqual(jobs.get_length(), 0)


class HandlerFailureTest(unittest.TestCase):

    def test_exception_in_closure_is_retried_then_given_up_and_logged(self):
        recorder = LogRecorder.get()
        daemon = testing_daemon()
        policy = Sd.RestartPolicy.new_for_testing()
        policy.set_initial_delay_ms(10)
        policy.set_trigger_max_retries(2)
        daemon.set_restart_policy(policy)
        bell = Bell()
        trigger = Sd.NotificationTrigger(name='picky', source=bell)
        calls = []

        def picky(trigger, message):
            text = message.get_payload().unpack()
            calls.append(text)
            if text == 'poison':
                raise ValueError('cannot digest %s' % text)
            run.shutdown()

        def on_log(text):
            # The trigger gave up on the poison: it moves on to the next message
            if 'picky gives up on message' in text:
                GLib.idle_add(bell.notify, GLib.Variant('s', 'bread'))

        trigger.set_handler(picky)
        daemon.add_provider(bell)
        daemon.add_service(trigger)
        daemon.build()

        def on_change(run, service, old, new):
            if service is trigger and new == S.HEALTHY:
                bell.notify(GLib.Variant('s', 'poison'))

        recorder.watchers.append(on_log)
        run = DaemonRun(daemon, on_change)
        try:
            run.run()
        finally:
            recorder.watchers.remove(on_log)
        run.assert_clean(self)

        # One call and two retries, then the next message
        self.assertEqual(calls, ['poison', 'poison', 'poison', 'bread'])
        self.assertEqual(trigger.get_n_failed(), 1)
        self.assertEqual(trigger.get_n_handled(), 1)

        retries = recorder.lines('The handler of picky failed on message')
        self.assertEqual(len(retries), 2, retries)
        self.assertIn('(attempt 1): ValueError: cannot digest poison', retries[0])
        self.assertIn('(attempt 2): ValueError: cannot digest poison', retries[1])
        [given_up] = recorder.lines('picky gives up on message')
        self.assertIn('after 2 retries: ValueError: cannot digest poison', given_up)
        # The trigger itself stays up: a handler failure is not a service failure
        self.assertNotIn(S.RECOVERING, run.states('picky'))

    def test_glib_error_in_closure_reaches_the_trigger_unchanged(self):
        recorder = LogRecorder.get()
        daemon = testing_daemon()
        policy = Sd.RestartPolicy.new_for_testing()
        policy.set_trigger_max_retries(0)
        daemon.set_restart_policy(policy)
        bell = Bell()
        trigger = Sd.NotificationTrigger(name='refuses', source=bell)

        def refuses(trigger, message):
            GLib.idle_add(run.shutdown)
            raise GLib.Error.new_literal(GLib.file_error_quark(), 'read-only bell',
                                         int(GLib.FileError.ROFS))

        trigger.set_handler(refuses)
        daemon.add_provider(bell)
        daemon.add_service(trigger)
        daemon.build()

        def on_change(run, service, old, new):
            if service is trigger and new == S.HEALTHY:
                bell.notify(None)

        run = DaemonRun(daemon, on_change)
        run.run()
        run.assert_clean(self)

        self.assertEqual(trigger.get_n_failed(), 1)
        [given_up] = recorder.lines('refuses gives up on message')
        self.assertTrue(given_up.endswith('after 0 retries: read-only bell'), given_up)


class SubclassTest(unittest.TestCase):

    def test_do_handle_and_source_keyword(self):
        recorder = LogRecorder.get()
        daemon = new_daemon(OnBell)
        trigger = daemon.lookup_service('on-bell')
        self.assertIsInstance(trigger, OnBell)

        # The daemon made a Bell for the trigger's source, because of the keyword
        bell = trigger.get_source()
        self.assertIsInstance(bell, Bell)
        self.assertIs(daemon.lookup_provider(Bell.__gtype__), bell)

        def on_change(run, service, old, new):
            if service is trigger and new == S.HEALTHY:
                bell.notify(GLib.Variant('s', 'ding'))

        run = DaemonRun(daemon, on_change)
        trigger.handled = run.shutdown
        run.run()
        run.assert_clean(self)

        # The first call raised AssertionError, became an error, and was retried
        self.assertEqual(trigger.calls, 2)
        self.assertEqual(trigger.payloads, ['ding'])
        self.assertEqual(trigger.get_n_handled(), 1)
        [retry] = recorder.lines('The handler of on-bell failed on message')
        self.assertIn('(attempt 1): AssertionError: not ready for ding yet', retry)

    def test_source_keyword_needs_a_provider_class(self):
        with self.assertRaises(TypeError):
            class NotAProvider(Sd.NotificationTrigger, source=int, register=False):
                pass
        with self.assertRaises(TypeError):
            class NotAClass(Sd.NotificationTrigger, source=Bell(), register=False):
                pass

    def test_source_keyword_is_only_for_triggers(self):
        with self.assertRaises(TypeError):
            class NotATrigger(Sd.Service, source=Bell, register=False):
                def do_run(self, context):
                    pass


if __name__ == '__main__':
    unittest.main()
