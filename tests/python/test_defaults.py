# SPDX-License-Identifier: LGPL-2.1-or-later
"""Class keyword arguments of Python services become class defaults."""

import unittest

from sdtestutil import GLib, GObject, Sd, new_daemon


class Heartbeat(Sd.Service, name='heartbeat', priority=80, lane=Sd.Lane.ISOLATED,
                tags=['core', 'net'], restart_mode=Sd.RestartMode.ON_FAILURE,
                reloadable=False, register=False):
    def do_run(self, context):
        context.wait_shutdown()


class FastHeartbeat(Heartbeat, name='fast-heartbeat', priority=Sd.Priority.SYSTEM,
                    register=False):
    """Inherits lane, tags, restart mode and reloadable; sets its own name and priority."""


class HTTPHeartbeatWorker(Sd.Service, register=False):
    def do_run(self, context):
        context.wait_shutdown()


class Plain(Sd.Service, register=False):
    def do_run(self, context):
        context.wait_shutdown()


class OutOfRange(Sd.Service, priority=300, register=False):
    def do_run(self, context):
        context.wait_shutdown()


class Negative(Sd.Service, priority=-1, register=False):
    def do_run(self, context):
        context.wait_shutdown()


class DefaultsTest(unittest.TestCase):

    def assert_heartbeat_defaults(self, service, name, priority):
        self.assertEqual(service.get_name(), name)
        self.assertEqual(service.props.name, name)
        self.assertEqual(service.get_priority(), priority)
        self.assertEqual(service.get_lane(), Sd.Lane.ISOLATED)
        self.assertEqual(list(service.get_tags()), ['core', 'net'])
        self.assertTrue(service.has_tag('net'))
        self.assertEqual(service.get_restart_mode(), Sd.RestartMode.ON_FAILURE)
        self.assertFalse(service.get_reloadable())
        self.assertEqual(service.dup_lane_name(), 'isolated:' + name)

    def test_class_keywords_are_defaults(self):
        self.assert_heartbeat_defaults(Heartbeat(), 'heartbeat', 80)

    def test_subclass_inherits_and_overrides(self):
        self.assert_heartbeat_defaults(FastHeartbeat(), 'fast-heartbeat', 100)
        # The parent's defaults are unchanged
        self.assertEqual(Heartbeat().get_priority(), 80)

    def test_instance_properties_override_defaults(self):
        service = Heartbeat(name='other', priority=5)
        self.assertEqual(service.get_name(), 'other')
        self.assertEqual(service.get_priority(), 5)
        self.assertEqual(service.get_lane(), Sd.Lane.ISOLATED)

    def test_library_defaults_without_keywords(self):
        service = Plain()
        self.assertEqual(service.get_priority(), Sd.Priority.DEFAULT)
        self.assertEqual(service.get_lane(), Sd.Lane.STANDARD)
        self.assertEqual(list(service.get_tags()), [])
        self.assertEqual(service.get_restart_mode(), Sd.RestartMode.ALWAYS)
        self.assertTrue(service.get_reloadable())

    def test_default_name_is_derived_from_the_class(self):
        self.assertIn('+', HTTPHeartbeatWorker.__gtype__.name)
        self.assertEqual(Sd.Service.type_dup_default_name(HTTPHeartbeatWorker.__gtype__),
                         'http-heartbeat-worker')
        self.assertEqual(HTTPHeartbeatWorker().get_name(), 'http-heartbeat-worker')
        self.assertEqual(Plain().get_name(), 'plain')

    def test_defaults_in_a_daemon(self):
        daemon = new_daemon(Heartbeat, FastHeartbeat, HTTPHeartbeatWorker)
        names = sorted(s.get_name() for s in daemon.list_services())
        self.assertEqual(names, ['fast-heartbeat', 'heartbeat', 'http-heartbeat-worker'])
        self.assert_heartbeat_defaults(daemon.lookup_service('heartbeat'), 'heartbeat', 80)
        self.assertEqual(daemon.lookup_service('http-heartbeat-worker').get_priority(), 50)

    def test_invalid_priority_fails_the_build(self):
        for cls, shown in ((OutOfRange, '300'), (Negative, '-1')):
            with self.subTest(cls=cls.__name__):
                daemon = Sd.Daemon.new_with_registry(Sd.Registry.new())
                daemon.add_service_type(cls.__gtype__)
                with self.assertRaises(GLib.Error) as caught:
                    daemon.build()
                error = caught.exception
                self.assertTrue(error.matches(Sd.Error.quark(), Sd.Error.INVALID_ARGUMENT),
                                error)
                self.assertIn(cls.__gtype__.name, error.message)
                self.assertIn(shown, error.message)

    def test_wrong_python_types_are_rejected_at_definition(self):
        cases = [
            dict(tags='core'),
            dict(tags=['core', 3]),
            dict(priority='high'),
            dict(priority=True),
            dict(name=42),
            dict(lane='isolated'),
            dict(reloadable=1),
        ]
        for kwargs in cases:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}):
                with self.assertRaises(TypeError):
                    type('Bad', (Sd.Service,), {}, register=False, **kwargs)

    def test_unknown_keyword_is_rejected(self):
        with self.assertRaises(TypeError):
            type('Bad', (Sd.Service,), {}, colour='red')

    def test_set_default_value_directly(self):
        class Manual(Sd.Service, register=False):
            def do_run(self, context):
                context.wait_shutdown()

        Sd.Service.type_set_default_value(Manual.__gtype__, 'priority',
                                          GObject.Value(GObject.TYPE_UINT, 7))
        self.assertEqual(Manual().get_priority(), 7)


if __name__ == '__main__':
    unittest.main()
