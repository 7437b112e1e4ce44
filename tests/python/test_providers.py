# SPDX-License-Identifier: LGPL-2.1-or-later
"""Providers written in Python, injected into services written in Python and in C."""

import os
import unittest

from sdtestutil import DaemonRun, Gio, GLib, GObject, Sd, SdTest

S = Sd.ServiceState
CONSTRUCT_ONLY = GObject.ParamFlags.READWRITE | GObject.ParamFlags.CONSTRUCT_ONLY

SCHEMA = 'org.servicedaemon.Sd1.Test.Python'
PORT_VARIABLE = 'SD_TEST_PYTHON_PORT'
REQUIRED_VARIABLE = 'SD_TEST_PYTHON_REQUIRED'


class Config(SdTest.Config):
    """The only concrete subtype of the abstract C provider SdTest.Config."""

    created = 0

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        type(self).created += 1
        self.set_label('from-python')


class Port(Sd.ValueProvider, default=GLib.Variant('i', 8080), env=PORT_VARIABLE,
           required=False):
    """A value provider bound to an environment variable."""


class RequiredPort(Sd.ValueProvider, default=GLib.Variant('i', 1), env=REQUIRED_VARIABLE,
                   required=True):
    pass


class Cache(Sd.Provider, flags=Sd.ProviderFlags.WATCHABLE):
    """A watchable provider: any property change reloads its dependents."""

    size = GObject.Property(type=int, default=0)


class Quiet(Sd.Provider):
    """Not watchable: its changes reload nobody."""

    level = GObject.Property(type=int, default=0)


class Prefs(Sd.SettingsProvider, schema=SCHEMA,
            bind=[('poll-interval', 'poll_interval'), ('motd', 'motd')]):
    """A settings provider: its properties follow the keys of SCHEMA."""

    poll_interval = GObject.Property(type=int, default=0)
    motd = GObject.Property(type=str)


class PrefsConsumer(Sd.Service, name='prefs-consumer', register=False):
    prefs = GObject.Property(type=Prefs, flags=CONSTRUCT_ONLY)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def do_run(self, context):
        self.seen.append((context.get_state(), self.prefs.props.poll_interval,
                          self.prefs.props.motd))
        context.wait_shutdown()


class PyConsumer(Sd.Service, name='py-consumer', register=False):
    """A blocking service in Python that depends on three providers."""

    config = GObject.Property(type=SdTest.Config, flags=CONSTRUCT_ONLY)
    port = GObject.Property(type=Port, flags=CONSTRUCT_ONLY)
    cache = GObject.Property(type=Cache, flags=CONSTRUCT_ONLY)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def do_run(self, context):
        self.seen.append((context.get_state(), self.cache.props.size, self.port.get_int(),
                          self.config.props.label))
        context.wait_shutdown()


class QuietConsumer(Sd.Service, name='quiet-consumer', register=False):
    quiet = GObject.Property(type=Quiet, flags=CONSTRUCT_ONLY)

    def do_run(self, context):
        context.wait_shutdown()


class RequiredConsumer(Sd.Service, name='required-consumer', register=False):
    port = GObject.Property(type=RequiredPort, flags=CONSTRUCT_ONLY)

    def do_run(self, context):
        context.wait_shutdown()


def new_daemon(*service_types, build=True):
    daemon = Sd.Daemon.new_with_registry(Sd.Registry.new())
    daemon.set_restart_policy(Sd.RestartPolicy.new_for_testing())
    daemon.set_handle_signals(False)
    for service_type in service_types:
        daemon.add_service_type(service_type.__gtype__)
    if build:
        daemon.build()
    return daemon


class ClassKeywordsTest(unittest.TestCase):

    def test_flags(self):
        self.assertEqual(Sd.Provider.type_get_flags(Cache.__gtype__),
                         Sd.ProviderFlags.WATCHABLE)
        self.assertEqual(Sd.Provider.type_get_flags(Quiet.__gtype__), Sd.ProviderFlags.NONE)
        self.assertEqual(Cache().get_flags(), Sd.ProviderFlags.WATCHABLE)

    def test_value_provider_defaults(self):
        self.assertEqual(Port().dup_value().unpack(), 8080)
        self.assertEqual(Port().get_env_variable(), PORT_VARIABLE)
        self.assertEqual(Port().get_value_type().dup_string(), 'i')
        # Value providers are watchable by default
        self.assertTrue(Sd.Provider.type_get_flags(Port.__gtype__) & Sd.ProviderFlags.WATCHABLE)

    def test_wrong_keywords(self):
        with self.assertRaises(TypeError):
            class BadFlags(Sd.Provider, flags='watchable'):
                pass
        with self.assertRaises(TypeError):
            class NotAVariant(Sd.ValueProvider, default=8080):
                pass
        with self.assertRaises(TypeError):
            class RequiredAlone(Sd.ValueProvider, default=GLib.Variant('i', 1), required=True):
                pass
        with self.assertRaises(TypeError):
            class DefaultOnPlainProvider(Sd.Provider, default=GLib.Variant('i', 1)):
                pass
        with self.assertRaises(TypeError):
            class SchemaOnValueProvider(Sd.ValueProvider, schema='org.example.X'):
                pass
        with self.assertRaises(TypeError):
            class Unknown(Sd.Provider, colour='blue'):
                pass

    def test_settings_keywords(self):
        missing = 'org.servicedaemon.Sd1.Test.NotInstalled'

        class MissingPrefs(Sd.SettingsProvider, schema=missing,
                           bind={'poll-interval': 'poll_interval'}):
            poll_interval = GObject.Property(type=int, default=0)

        self.assertEqual(Sd.SettingsProvider.type_dup_schema(MissingPrefs.__gtype__), missing)
        self.assertTrue(Sd.Provider.type_get_flags(MissingPrefs.__gtype__) &
                        Sd.ProviderFlags.WATCHABLE)
        # The schema is not installed: initialising fails with an error, nothing aborts
        prefs = MissingPrefs()
        self.assertIsNone(prefs.get_settings())
        with self.assertRaises(GLib.Error) as caught:
            prefs.init(None)
        self.assertTrue(caught.exception.matches(Sd.ProviderError.quark(),
                                                 Sd.ProviderError.FATAL))
        self.assertIn(missing, caught.exception.message)

        with self.assertRaises(TypeError):
            class BadBind(Sd.SettingsProvider, schema=SCHEMA, bind='poll-interval'):
                pass
        with self.assertRaises(TypeError):
            class BadPath(Sd.SettingsProvider, schema=SCHEMA, path='relative/'):
                pass


class InjectionTest(unittest.TestCase):

    def setUp(self):
        self._saved = {name: os.environ.get(name) for name in (PORT_VARIABLE, REQUIRED_VARIABLE)}

    def tearDown(self):
        for name, value in self._saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    def test_python_provider_in_python_and_c_services(self):
        os.environ[PORT_VARIABLE] = '9090'
        created = Config.created
        daemon = new_daemon(PyConsumer, SdTest.Consumer)
        py = daemon.lookup_service('py-consumer')
        c = daemon.lookup_service('sd-test-consumer')
        self.assertIsInstance(py, PyConsumer)
        self.assertIsInstance(c, SdTest.Consumer)

        # The abstract C type resolved to the Python class: one instance for both services
        self.assertIsInstance(py.config, Config)
        self.assertIs(c.get_config(), py.config)
        self.assertIs(daemon.lookup_provider(SdTest.Config.__gtype__), py.config)
        self.assertIs(daemon.lookup_provider(Config.__gtype__), py.config)
        self.assertEqual(Config.created, created + 1)

        # The value provider took its value from the environment
        self.assertIsInstance(py.port, Port)
        self.assertEqual(py.port.get_int(), 9090)
        self.assertIsInstance(py.cache, Cache)

        def on_change(run, service, old, new):
            if py.get_state() == S.HEALTHY and c.get_state() == S.HEALTHY:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        self.assertEqual(py.seen, [(S.INITIALIZING, 0, 9090, 'from-python')])
        self.assertEqual(c.get_n_generations(), 1)
        self.assertEqual(c.dup_seen_label(), 'from-python')

    def test_value_provider_default_without_variable(self):
        os.environ.pop(PORT_VARIABLE, None)
        daemon = new_daemon(PyConsumer)
        self.assertEqual(daemon.lookup_service('py-consumer').port.get_int(), 8080)

    def test_value_provider_bad_variable(self):
        os.environ[PORT_VARIABLE] = 'eighty'
        daemon = new_daemon(PyConsumer, build=False)
        with self.assertRaises(GLib.Error) as caught:
            daemon.build()
        self.assertIn(PORT_VARIABLE, caught.exception.message)
        self.assertIn('eighty', caught.exception.message)

    def test_required_variable_unset(self):
        os.environ.pop(REQUIRED_VARIABLE, None)
        daemon = new_daemon(RequiredConsumer, build=False)
        with self.assertRaises(GLib.Error) as caught:
            daemon.build()
        self.assertIn(REQUIRED_VARIABLE, caught.exception.message)
        self.assertIn(RequiredPort.__gtype__.name, caught.exception.message)

    def test_watchable_python_provider_reloads_python_service(self):
        os.environ.pop(PORT_VARIABLE, None)
        daemon = new_daemon(PyConsumer, SdTest.Consumer, QuietConsumer)
        py = daemon.lookup_service('py-consumer')
        c = daemon.lookup_service('sd-test-consumer')
        quiet = daemon.lookup_service('quiet-consumer')
        changed = []

        def change():
            # The provider that is not watchable changes first: it must reload nobody
            quiet.quiet.props.level = 3
            py.cache.props.size = 5
            return GLib.SOURCE_REMOVE

        def on_change(run, service, old, new):
            if new != S.HEALTHY:
                return
            if not changed:
                if all(s.get_state() == S.HEALTHY for s in (py, c, quiet)):
                    changed.append(True)
                    GLib.idle_add(change)
            elif service is py:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)

        # The Python service went through a reload and saw the new value
        self.assertEqual(run.states('py-consumer')[:4],
                         [S.HEALTHY, S.NEED_RELOAD, S.RESTORING, S.HEALTHY], run.events)
        self.assertEqual([(state, size) for (state, size, _port, _label) in py.seen],
                         [(S.INITIALIZING, 0), (S.RESTORING, 5)])

        # The C service does not depend on the cache, and a quiet provider reloads nobody
        self.assertNotIn(S.NEED_RELOAD, run.states('sd-test-consumer'), run.events)
        self.assertNotIn(S.NEED_RELOAD, run.states('quiet-consumer'), run.events)
        self.assertEqual(c.get_n_generations(), 1)

    def test_python_settings_provider_reloads_on_key_change(self):
        settings = Gio.Settings.new(SCHEMA)
        settings.reset('poll-interval')
        daemon = new_daemon(PrefsConsumer, SdTest.Idle)
        consumer = daemon.lookup_service('prefs-consumer')
        idle = daemon.lookup_service('sd-test-idle')
        self.assertIsInstance(consumer.prefs, Prefs)
        self.assertEqual(consumer.prefs.props.poll_interval, 30)
        self.assertEqual(consumer.prefs.get_settings().props.schema_id, SCHEMA)
        changed = []

        def change():
            # The key changes as a change from dconf would arrive
            settings.set_int('poll-interval', 5)
            return GLib.SOURCE_REMOVE

        def on_change(run, service, old, new):
            if new != S.HEALTHY:
                return
            if not changed:
                if consumer.get_state() == S.HEALTHY and idle.get_state() == S.HEALTHY:
                    changed.append(True)
                    GLib.idle_add(change)
            elif service is consumer:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        settings.reset('poll-interval')

        self.assertEqual(run.states('prefs-consumer')[:4],
                         [S.HEALTHY, S.NEED_RELOAD, S.RESTORING, S.HEALTHY], run.events)
        self.assertEqual(consumer.seen, [(S.INITIALIZING, 30, 'welcome'),
                                         (S.RESTORING, 5, 'welcome')])
        self.assertNotIn(S.NEED_RELOAD, run.states('sd-test-idle'), run.events)
        self.assertEqual(idle.get_n_generations(), 1)

    def test_c_service_alone_gets_the_python_subtype(self):
        daemon = new_daemon(SdTest.Consumer)
        c = daemon.lookup_service('sd-test-consumer')
        self.assertIsInstance(c.get_config(), Config)
        self.assertEqual(c.get_config().props.label, 'from-python')

        def on_change(run, service, old, new):
            if service is c and new == S.HEALTHY:
                run.shutdown()

        run = DaemonRun(daemon, on_change).run()
        run.assert_clean(self)
        self.assertEqual(c.dup_seen_label(), 'from-python')


if __name__ == '__main__':
    unittest.main()
