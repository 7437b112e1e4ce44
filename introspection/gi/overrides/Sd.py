# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for Sd, so that services written in Python feel native.

Importing ``from gi.repository import Sd`` loads this module on top of the
typelib.  It changes ``Sd.Service``, ``Sd.Trigger`` and the provider
classes (``Sd.Provider``, ``Sd.ValueProvider``, ``Sd.SettingsProvider``);
everything else is the plain introspected API.

Class keyword arguments are class defaults
    The defining properties of a service can be given where the class is
    defined::

        class Heartbeat(Sd.Service, name="heartbeat", priority=80,
                        lane=Sd.Lane.ISOLATED, tags=["core"],
                        restart_mode=Sd.RestartMode.ON_FAILURE,
                        reloadable=False):
            def do_run(self, context):
                while context.sleep(1000):
                    print("beat")

    Each keyword becomes a class-level default through
    ``Sd.Service.type_set_default_value()`` as soon as PyGObject has
    registered the GType, exactly as a C service calls
    ``sd_service_type_set_defaults()`` from its ``class_init``.  Subclasses
    inherit the defaults and may set their own.  The keywords are ``name``
    (``str``), ``priority`` (``int`` or ``Sd.Priority``, 0–255), ``lane``
    (``Sd.Lane``), ``tags`` (a sequence of ``str``), ``restart_mode``
    (``Sd.RestartMode``) and ``reloadable`` (``bool``).  A value of the
    wrong Python type raises ``TypeError`` right away; a value out of range
    (such as a priority of 300) is recorded by the library, and building a
    daemon that runs the class fails with an error naming the class.
    Without ``name`` the service is named after the class in kebab case
    (``HTTPHeartbeat`` → ``http-heartbeat``).

Discovery
    Every concrete Python service class is registered with
    ``Sd.Registry.register_type()`` when it is defined, so a daemon made by
    ``Sd.Daemon.new()`` runs it, like a C service that uses
    ``SD_REGISTER_SERVICE()``.  A class is concrete when it (or a Python
    base) implements ``do_run`` or ``do_run_async``, or when it derives from
    a non-abstract service type written in C.  Pass ``register=False`` to
    keep a class out of discovery (it applies to that class only, not to its
    subclasses); it can still be added to a daemon with
    ``Sd.Daemon.add_service_type(cls.__gtype__)``.

A blocking body may return ``None`` and raise any exception
    ``do_run(self, context)`` runs on a thread of its own.  Returning
    ``None`` (or ``True``) is a clean exit.  A ``GLib.Error`` raised in it is
    handed to the daemon unchanged, so ``Sd.ServiceError.FATAL`` still ends
    the service for good.  Any other exception — an ``AssertionError``
    included — becomes a ``GLib.Error`` in the ``Sd.ServiceError`` domain
    with code ``FAILED`` and the message ``"ExceptionType: message"``: the
    service goes to ``Sd.ServiceState.RECOVERING`` and is restarted after a
    backoff, and ``Sd.Service.dup_last_error()`` tells what happened.  (Left
    alone, PyGObject would print the traceback and report a failure without
    any message.)  The traceback is logged at debug level in the ``Sd`` log
    domain (``G_MESSAGES_DEBUG=Sd`` shows it).

    ``do_run_finish`` is treated the same way, and an exception raised by
    ``do_run_async`` itself completes the generation with that error instead
    of leaving it hanging.

An asynchronous body
    ``do_run_async(self, context, cancellable, callback, user_data)`` gets a
    ``callback`` that already carries its data: complete it with a task made
    as ``Gio.Task.new(self, cancellable, callback)`` (without ``user_data``)
    and read the task in ``do_run_finish``::

        class Idle(Sd.Service):
            def do_run_async(self, context, cancellable, callback, user_data):
                task = Gio.Task.new(self, cancellable, callback)

                def stopped(ctx, result):
                    ctx.wait_shutdown_finish(result)
                    task.return_boolean(True)

                context.wait_shutdown_async(None, stopped)

            def do_run_finish(self, result):
                return result.propagate_boolean()

Providers take their class configuration as keywords too
    A provider is a per-daemon singleton that the daemon injects into every
    service (or provider) with a construct-only property of its type::

        class Port(Sd.ValueProvider, default=GLib.Variant('i', 8080),
                   env='PORT', required=False):
            pass  # 8080, unless $PORT says otherwise

        class Cache(Sd.Provider, flags=Sd.ProviderFlags.WATCHABLE):
            size = GObject.Property(type=int, default=0)

        class Server(Sd.Service):
            port = GObject.Property(type=Port, flags=GObject.ParamFlags.READWRITE |
                                    GObject.ParamFlags.CONSTRUCT_ONLY)

            def do_run(self, context):
                serve(self.port.get_int(), context)

    The keywords are applied to the GType once PyGObject registered it, as a C
    provider does in its ``class_init``: ``flags`` (``Sd.ProviderFlags``) for
    every provider, through ``Sd.Provider.type_set_flags()``; ``default``
    (a ``GLib.Variant``, which also fixes the type of the value), ``env``
    (the name of an environment variable) and ``required`` (``bool``, only
    with ``env``) for ``Sd.ValueProvider`` subclasses; ``schema``, ``path``
    and ``bind`` (a mapping from settings keys to property names, or a
    sequence of such pairs; ``some_name`` and ``some-name`` are the same
    property) for ``Sd.SettingsProvider`` subclasses.  A keyword that does
    not fit the class or a value of the wrong Python type raises
    ``TypeError`` where the class is defined.

    A Python subclass of an abstract provider written in C is found by the
    daemon like a C one: when it is the only concrete subtype, a property
    of the abstract type gets an instance of the Python class.

Trigger handlers follow the rules of service bodies
    A trigger (``Sd.Trigger`` and its kinds: ``Sd.NotificationTrigger``,
    ``Sd.QueueTrigger``, ...) calls a handler once per message.  The
    handler is either a closure::

        trigger = Sd.NotificationTrigger(name='on-bell', source=bell)

        def on_bell(trigger, message):
            print(message.get_payload().unpack())

        trigger.set_handler(on_bell)

    or ``do_handle`` in a subclass; the ``source`` class keyword says which
    provider type the daemon injects as the trigger's source, like
    ``sd_trigger_type_set_source()`` in a C ``class_init``::

        class Bell(Sd.Notifier):
            pass

        class OnBell(Sd.NotificationTrigger, source=Bell):
            def do_handle(self, message):
                print(message.get_id())

    In both, returning ``None`` (or ``True``) means the message was
    handled.  A ``GLib.Error`` raised in the handler is handed to the
    trigger unchanged; any other exception becomes a ``GLib.Error`` in
    ``Sd.ServiceError`` with code ``FAILED`` and the message
    ``"ExceptionType: message"``.  Either way the trigger retries the
    message with the daemon's restart policy, then logs the error and moves
    on (``Sd.RestartPolicy.set_trigger_max_retries()``).  Extra arguments of
    ``set_handler(func, *user_data)`` are passed on to ``func`` after the
    message.  ``source`` must be a provider class (a subclass of
    ``Sd.Provider``); a wrong value raises ``TypeError`` where the class is
    defined.
"""

import functools
import traceback

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Sd = get_introspection_module('Sd')

__all__ = []

_GObjectMeta = type(GObject.Object)

_UNSET = object()


def _is_binding_class(klass):
    """Whether klass wraps a type defined in C (introspected or overridden)."""
    module = getattr(klass, '__module__', '') or ''
    return module.startswith(('gi.repository.', 'gi.overrides.', 'gi._gi', 'gi.types'))


def _enum_value(keyword, value, enum_type):
    if isinstance(value, bool):
        raise TypeError('%s must be a %s, not bool' % (keyword, enum_type.__name__))
    if isinstance(value, enum_type):
        return GObject.Value(enum_type.__gtype__, value)
    if isinstance(value, int):
        # Left to the library to reject if it is not a valid member
        return GObject.Value(GObject.TYPE_INT, int(value))
    raise TypeError('%s must be a %s, not %s' % (keyword, enum_type.__name__,
                                                 type(value).__name__))


def _to_gvalue(keyword, value):
    if keyword == 'name':
        if not isinstance(value, str):
            raise TypeError('name must be a str, not %s' % type(value).__name__)
        return GObject.Value(GObject.TYPE_STRING, value)
    if keyword == 'priority':
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError('priority must be an int, not %s' % type(value).__name__)
        # A 64-bit signed value lets the library report negative priorities
        return GObject.Value(GObject.TYPE_INT64, int(value))
    if keyword == 'lane':
        return _enum_value(keyword, value, Sd.Lane)
    if keyword == 'restart_mode':
        return _enum_value(keyword, value, Sd.RestartMode)
    if keyword == 'tags':
        if isinstance(value, (str, bytes)):
            raise TypeError('tags must be a sequence of str, not a single string')
        tags = list(value)
        for tag in tags:
            if not isinstance(tag, str):
                raise TypeError('tags must be a sequence of str, not of %s'
                                % type(tag).__name__)
        return GObject.Value(GObject.TYPE_STRV, tags)
    if keyword == 'reloadable':
        if not isinstance(value, bool):
            raise TypeError('reloadable must be a bool, not %s' % type(value).__name__)
        return GObject.Value(GObject.TYPE_BOOLEAN, value)
    raise AssertionError(keyword)


def _log_traceback(service, exc):
    text = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        name = service.get_name() or ''
    except Exception:
        name = ''
    fields = GLib.Variant('a{sv}', {
        'MESSAGE': GLib.Variant('s', 'Python exception in service “%s”:\n%s' % (name, text)),
        'SD_SERVICE': GLib.Variant('s', name),
    })
    GLib.log_variant('Sd', GLib.LogLevelFlags.LEVEL_DEBUG, fields)


def _as_gerror(service, exc):
    """The GLib.Error that the daemon gets for an exception of a service body."""
    if isinstance(exc, GLib.Error):
        return exc
    _log_traceback(service, exc)
    message = str(exc)
    text = '%s: %s' % (type(exc).__name__, message) if message else type(exc).__name__
    return GLib.Error.new_literal(Sd.ServiceError.quark(), text, int(Sd.ServiceError.FAILED))


def _wrap_run(func):
    @functools.wraps(func)
    def do_run(self, context):
        try:
            ret = func(self, context)
        except GLib.Error:
            raise
        except BaseException as exc:
            raise _as_gerror(self, exc) from exc
        return True if ret is None else ret

    do_run._sd_wrapped = True
    return do_run


# The name of the task that completes a do_run_async that raised: do_run_finish returns
# its error without calling the Python implementation.
_FAILED_RUN_ASYNC_TASK = 'sd-python-run-async-exception'


def _wrap_run_async(func):
    @functools.wraps(func)
    def do_run_async(self, context, cancellable, callback, user_data):
        try:
            func(self, context, cancellable, callback, user_data)
        except BaseException as exc:
            # callback is the C callback with its data already bound to it
            task = Gio.Task.new(self, cancellable, callback)
            task.set_name(_FAILED_RUN_ASYNC_TASK)
            task.return_error(_as_gerror(self, exc))

    do_run_async._sd_wrapped = True
    return do_run_async


def _wrap_run_finish(func):
    @functools.wraps(func)
    def do_run_finish(self, result):
        try:
            if isinstance(result, Gio.Task) and result.get_name() == _FAILED_RUN_ASYNC_TASK:
                return result.propagate_boolean()
            ret = func(self, result)
        except GLib.Error:
            raise
        except BaseException as exc:
            raise _as_gerror(self, exc) from exc
        return True if ret is None else ret

    do_run_finish._sd_wrapped = True
    return do_run_finish


_WRAPPERS = {
    'do_run': _wrap_run,
    'do_run_async': _wrap_run_async,
    'do_run_finish': _wrap_run_finish,
}


def _implements_body(cls):
    """Whether instances of the Python class cls have a run() or run_async()."""
    for klass in cls.__mro__:
        if _is_binding_class(klass):
            gtype = klass.__dict__.get('__gtype__') or getattr(klass, '__gtype__', None)
            # The nearest type written in C decides: SdService itself is abstract
            return gtype is not None and not gtype.is_abstract()
        if isinstance(klass, _GObjectMeta) and \
                ('do_run' in klass.__dict__ or 'do_run_async' in klass.__dict__):
            return True
    return False


class _ServiceMeta(_GObjectMeta):
    """Applies the class defaults and registers the class once its GType exists.

    PyGObject registers the GType of a Python class in the metaclass'
    ``__init__``, after ``__init_subclass__`` has run: only from here on can
    the defaults be attached to the GType.
    """

    def __init__(cls, class_name, bases, namespace, /, **kwargs):
        # The keywords (one of them is `name`) were consumed by Service.__init_subclass__
        # (and `source` by Trigger.__init_subclass__)
        super().__init__(class_name, bases, namespace)

        if _is_binding_class(cls):
            return

        gtype = cls.__gtype__
        for keyword, value in cls.__dict__.get('_sd_class_defaults', {}).items():
            Sd.Service.type_set_default_value(gtype, keyword.replace('_', '-'), value)

        source = cls.__dict__.get('_sd_trigger_source')
        if source is not None:
            Sd.Trigger.type_set_source(gtype, source)

        if cls.__dict__.get('_sd_register', True) and _implements_body(cls):
            Sd.Registry.register_type(gtype)


class Service(Sd.Service, metaclass=_ServiceMeta):
    def __init_subclass__(cls, *, name=_UNSET, priority=_UNSET, lane=_UNSET, tags=_UNSET,
                          restart_mode=_UNSET, reloadable=_UNSET, register=True, **kwargs):
        super().__init_subclass__(**kwargs)

        if _is_binding_class(cls):
            return

        given = dict(name=name, priority=priority, lane=lane, tags=tags,
                     restart_mode=restart_mode, reloadable=reloadable)
        # Converted now so that a wrong type fails where the class is defined
        cls._sd_class_defaults = {keyword: _to_gvalue(keyword, value)
                                  for keyword, value in given.items()
                                  if value is not _UNSET}
        cls._sd_register = bool(register)

        # Wrap the bodies before PyGObject hooks them up as virtual methods
        for attr, wrap in _WRAPPERS.items():
            func = cls.__dict__.get(attr)
            if callable(func) and not getattr(func, '_sd_wrapped', False):
                setattr(cls, attr, wrap(func))


Service = override(Service)
__all__.append('Service')


# Triggers

def _wrap_handle(func):
    @functools.wraps(func)
    def do_handle(self, message):
        try:
            ret = func(self, message)
        except GLib.Error:
            raise
        except BaseException as exc:
            raise _as_gerror(self, exc) from exc
        return True if ret is None else bool(ret)

    do_handle._sd_wrapped = True
    return do_handle


def _source_gtype(value):
    """The GType of the provider class given as a trigger's source keyword."""
    gtype = getattr(value, '__gtype__', None) if isinstance(value, type) else None
    if gtype is None or not gtype.is_a(Sd.Provider.__gtype__):
        raise TypeError('source must be a provider class (a subclass of Sd.Provider), not %r'
                        % (value,))
    return gtype


class Trigger(Sd.Trigger):
    def __init_subclass__(cls, *, source=_UNSET, **kwargs):
        super().__init_subclass__(**kwargs)

        if _is_binding_class(cls):
            return

        # Applied by the metaclass once the GType exists
        if source is not _UNSET:
            cls._sd_trigger_source = _source_gtype(source)

        func = cls.__dict__.get('do_handle')
        if callable(func) and not getattr(func, '_sd_wrapped', False):
            cls.do_handle = _wrap_handle(func)

    def set_handler(self, handler, *user_data):
        """Sets handler(trigger, message, *user_data) as the handler of the trigger.

        Returning None (or True) means the message was handled; an exception other than
        GLib.Error becomes a GLib.Error in Sd.ServiceError FAILED, and the trigger retries
        the message with its restart policy.
        """
        if not callable(handler):
            raise TypeError('handler must be callable, not %s' % type(handler).__name__)

        # The data stays on the Python side: PyGObject would append its own user_data
        @functools.wraps(handler)
        def call(trigger, message, *_ignored):
            try:
                ret = handler(trigger, message, *user_data)
            except GLib.Error:
                raise
            except BaseException as exc:
                raise _as_gerror(trigger, exc) from exc
            return True if ret is None else bool(ret)

        Sd.Trigger.set_handler(self, call)


Trigger = override(Trigger)
__all__.append('Trigger')


# Providers

def _is_subclass_of(klass, name):
    """Whether klass derives from the GType of Sd.<name> (overridden or not)."""
    gtype = getattr(klass, '__gtype__', None)
    return gtype is not None and gtype.is_a(getattr(Sd, name).__gtype__)


def _provider_flags(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError('flags must be Sd.ProviderFlags, not %s' % type(value).__name__)
    return Sd.ProviderFlags(int(value))


def _property_name(keyword, value):
    if not isinstance(value, str) or not value:
        raise TypeError('%s must name a property with a non-empty str, not %r' % (keyword, value))
    return value.replace('_', '-')


def _bindings(value):
    """The (key, property) pairs of a bind keyword, from a mapping or a sequence of pairs."""
    if isinstance(value, (str, bytes)):
        raise TypeError('bind must map settings keys to property names, not a single string')
    items = value.items() if hasattr(value, 'items') else value
    try:
        pairs = [tuple(item) for item in items]
    except TypeError:
        raise TypeError('bind must map settings keys to property names, not %s'
                        % type(value).__name__) from None
    result = []
    for pair in pairs:
        if len(pair) != 2:
            raise TypeError('bind must map settings keys to property names, not hold %r' % (pair,))
        key, prop = pair
        if not isinstance(key, str) or not key:
            raise TypeError('bind keys must be non-empty str, not %r' % (key,))
        result.append((key, _property_name('bind', prop)))
    return result


def _provider_config(class_name, bases, kwargs):
    """Checks the class keywords of a provider class; returns (config, other keywords)."""
    probe = [b for b in bases if isinstance(b, type)]

    def derives(name):
        return any(_is_subclass_of(base, name) for base in probe)

    config = {}
    rest = dict(kwargs)

    if 'flags' in rest:
        config['flags'] = _provider_flags(rest.pop('flags'))

    value_keywords = [k for k in ('default', 'env', 'required') if k in rest]
    if value_keywords:
        if not derives('ValueProvider'):
            raise TypeError('%s: %s only apply to subclasses of Sd.ValueProvider'
                            % (class_name, ', '.join(value_keywords)))
        if 'default' in rest:
            default = rest.pop('default')
            if not isinstance(default, GLib.Variant):
                raise TypeError('default must be a GLib.Variant, not %s' % type(default).__name__)
            config['default'] = default
        env = rest.pop('env', None)
        required = rest.pop('required', _UNSET)
        if required is not _UNSET and env is None:
            raise TypeError('required applies only together with env')
        if env is not None:
            if not isinstance(env, str) or not env:
                raise TypeError('env must name a variable with a non-empty str, not %r' % (env,))
            if required is _UNSET:
                required = False
            if not isinstance(required, bool):
                raise TypeError('required must be a bool, not %s' % type(required).__name__)
            config['env'] = (env, required)

    settings_keywords = [k for k in ('schema', 'path', 'bind') if k in rest]
    if settings_keywords:
        if not derives('SettingsProvider'):
            raise TypeError('%s: %s only apply to subclasses of Sd.SettingsProvider'
                            % (class_name, ', '.join(settings_keywords)))
        if 'schema' in rest:
            schema = rest.pop('schema')
            if not isinstance(schema, str) or not schema:
                raise TypeError('schema must be a non-empty str, not %r' % (schema,))
            config['schema'] = schema
        if 'path' in rest:
            path = rest.pop('path')
            if not isinstance(path, str) or not path.startswith('/') or \
                    not path.endswith('/') or '//' in path:
                raise TypeError('path must be a str that starts and ends with "/", not %r'
                                % (path,))
            config['path'] = path
        if 'bind' in rest:
            config['bind'] = _bindings(rest.pop('bind'))

    return config, rest


class _ProviderMeta(_GObjectMeta):
    """Applies the class keywords of a provider once its GType exists."""

    def __new__(mcs, class_name, bases, namespace, /, **kwargs):
        config, rest = _provider_config(class_name, bases, kwargs)
        # Unknown keywords go on to __init_subclass__, which rejects them
        cls = super().__new__(mcs, class_name, bases, namespace, **rest)
        cls._sd_provider_config = config
        return cls

    def __init__(cls, class_name, bases, namespace, /, **kwargs):
        super().__init__(class_name, bases, namespace)

        if _is_binding_class(cls):
            return

        gtype = cls.__gtype__
        config = cls.__dict__.get('_sd_provider_config', {})
        if 'flags' in config:
            Sd.Provider.type_set_flags(gtype, config['flags'])
        if 'default' in config:
            Sd.ValueProvider.type_set_default(gtype, config['default'])
        if 'env' in config:
            Sd.ValueProvider.type_bind_env(gtype, *config['env'])
        if 'schema' in config:
            Sd.SettingsProvider.type_set_schema(gtype, config['schema'])
        if 'path' in config:
            Sd.SettingsProvider.type_set_path(gtype, config['path'])
        for key, prop in config.get('bind', ()):
            Sd.SettingsProvider.type_bind(gtype, key, prop)


class Provider(Sd.Provider, metaclass=_ProviderMeta):
    pass


Provider = override(Provider)
__all__.append('Provider')


class ValueProvider(Sd.ValueProvider, metaclass=_ProviderMeta):
    pass


ValueProvider = override(ValueProvider)
__all__.append('ValueProvider')


class SettingsProvider(Sd.SettingsProvider, metaclass=_ProviderMeta):
    pass


SettingsProvider = override(SettingsProvider)
__all__.append('SettingsProvider')
